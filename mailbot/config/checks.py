"""Reusable field types and checks for the config sections, each failing with the sentence an operator reads.

A check raises ``PydanticCustomError`` whose message is already the final wording (``problems.py``
only adds the dotted path); ``field_problem`` covers what pydantic cannot say on its own: a problem
found by a check across keys that belongs to one key of the table; ``problems`` reports several
mistakes in one value (every bad entry of a list, not just the first).
"""

from __future__ import annotations

import ipaddress
import os
from datetime import time
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from mailbot.rules.workdays import REGION_NAMES, region_code

#: In a message, replaced by the dotted path of the table the problem is about.
HERE = "<here>"


class Section(BaseModel):
    """Base of every config section: unknown keys are mistakes, types are exact, values frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def required_tables(cls, table: dict[str, Any]) -> tuple[str, ...]:
        """Sub-tables this table must have, given its own keys (``[transport.smtp]`` for smtp)."""
        return ()

    #: How an unknown key is reported; ``{known}`` lists the keys the table accepts.
    unknown_key_message: ClassVar[str | None] = None


def problem(message: str) -> PydanticCustomError:
    """An error whose message is what the operator reads after ``path:``."""
    return PydanticCustomError("mailbot", message.replace("{", "{{").replace("}", "}}"))


def problems(messages: list[str]) -> PydanticCustomError:
    """Several problems with one value (each bad entry of a list), each reported on its own line."""
    return PydanticCustomError("mailbot_many", "{messages}", {"messages": list(messages)})


def field_problem(key: str, message: str) -> PydanticCustomError:
    """A problem found by a check across keys, reported at ``key`` of the table being checked."""
    return PydanticCustomError("mailbot_field", "{message}", {"key": key, "message": message})


def _port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise problem(f"must be a port number from 1 to 65535; got {value}")
    return value


def _port_or_off(value: int) -> int:
    if value != 0 and not 1 <= value <= 65535:
        raise problem(f"must be 0 (off) or a port number from 1 to 65535; got {value}")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise problem(f"must be greater than 0; got {value!r}")
    return value


def _not_negative(value: int) -> int:
    if value < 0:
        raise problem(f"must be 0 or more (0 = keep for ever); got {value}")
    return value


def _hh_mm(text: Any) -> time:
    try:
        hours, minutes = str(text).split(":")
        if isinstance(text, str):
            return time(int(hours), int(minutes))
    except ValueError:
        pass
    raise problem(f"must be HH:MM (24-hour), got {text!r}")


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise problem(f"unknown time zone {name!r}") from None
    return name


def _region(text: str) -> str:
    code = region_code(text)
    if code is None:
        known = ", ".join(f"{code} ({name})" for code, name in REGION_NAMES.items())
        raise problem(f"unknown bank holiday region {text!r}; use one of {known}")
    return code


def _password_env(name: str) -> str:
    if name not in os.environ:
        raise problem(f"environment variable {name} is not set")
    return name


def _email_address(text: str) -> str:
    if "@" not in text:
        raise problem(f"{text!r} is not an email address")
    return text


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (where a clear-text connection is harmless)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _loopback(host: str) -> str:
    if not is_loopback(host):
        raise problem(f"must be a loopback address (127.0.0.1, ::1 or localhost); got {host!r}")
    return host


Port = Annotated[int, AfterValidator(_port)]
PortOrOff = Annotated[int, AfterValidator(_port_or_off)]
PositiveInt = Annotated[int, AfterValidator(_positive)]
PositiveFloat = Annotated[float, AfterValidator(_positive)]
Days = Annotated[int, AfterValidator(_not_negative)]
ClockTime = Annotated[time, BeforeValidator(_hh_mm)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
BankHolidayRegion = Annotated[str, AfterValidator(_region)]
PasswordEnv = Annotated[str, AfterValidator(_password_env)]
EmailAddress = Annotated[str, AfterValidator(_email_address)]
LoopbackHost = Annotated[str, AfterValidator(_loopback)]
