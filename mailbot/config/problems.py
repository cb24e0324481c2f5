"""Pydantic's validation errors, told the way ``check-config`` tells them: ``dotted.path: what is wrong``.

An unknown key is answered with the nearest known one ("did you mean `poll_interval`?", by
``difflib``'s ratio), or with the list of keys its table accepts when nothing is near. A key kept
only to say what replaced it (a field marked ``deprecated``) is never suggested.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from mailbot.config.checks import HERE, Section

Location = tuple[str | int, ...]

_TYPE_NAMES = {
    "int_type": "int",
    "int_parsing": "int",
    "float_type": "float",
    "bool_type": "bool",
    "string_type": "str",
    "list_type": "list",
}
_TABLE_TYPES = {"model_type", "dict_type", "model_attributes_type"}


def dotted(location: Sequence[str | int]) -> str:
    """``urn.legacy[0].pattern``: keys joined by dots, list positions in brackets."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _unwrap(annotation: Any) -> Any:
    """The type a value at this place must have, without Annotated, Optional or ``X | None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def type_at(annotation: Any, location: Sequence[str | int]) -> Any:
    """The declared type at ``location`` below ``annotation`` (None when the schema has no such place)."""
    current = _unwrap(annotation)
    for part in location:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = _unwrap(field.annotation)
        elif get_origin(current) is dict:
            current = _unwrap(get_args(current)[1])
        elif get_origin(current) is list:
            current = _unwrap(get_args(current)[0])
        else:
            return None
    return current


def is_table(annotation: Any) -> bool:
    """True when values of this type are TOML tables (a section or a dict of sections)."""
    kind = _unwrap(annotation)
    return (isinstance(kind, type) and issubclass(kind, BaseModel)) or get_origin(kind) is dict


def suggestion(key: str, known: Sequence[str], as_table: bool, prefix: str) -> str:
    """``; did you mean `x`?`` for a near miss, else the keys the table accepts."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean [{prefix}{close[0]}]?" if as_table else f"; did you mean `{close[0]}`?"
    return f"; known: {', '.join(known)}" if known else ""


def unknown_key(location: Location, parent: Any, value: Any) -> str:
    """The message for a key its table does not have."""
    known = (
        [name for name, field in parent.model_fields.items() if not field.deprecated]
        if isinstance(parent, type) and issubclass(parent, BaseModel)
        else []
    )
    template = (
        parent.unknown_key_message if isinstance(parent, type) and issubclass(parent, Section) else None
    )
    if template:
        return template.format(known=", ".join(known))
    key = str(location[-1])
    prefix = dotted(location[:-1]) + "." if len(location) > 1 else ""
    if isinstance(value, dict):
        known_tables = [k for k in known if is_table(parent.model_fields[k].annotation)]
        return f"unknown section [{dotted(location)}]" + suggestion(key, known_tables or known, True, prefix)
    return "unknown key" + suggestion(key, known, False, prefix)


def _expected_choices(context: dict[str, Any]) -> str:
    return ", ".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))


def describe(error: dict[str, Any], location: Location, annotation: Any) -> Iterator[tuple[Location, str]]:
    """(where, what) for one pydantic error; ``annotation`` is the type ``location`` is relative to."""
    kind, context, value = error["type"], error.get("ctx") or {}, error.get("input")
    relative: Location = tuple(error["loc"])
    where = location + relative
    if kind == "mailbot_field":
        yield (*where, context["key"]), context["message"]
    elif kind == "mailbot_many":
        for message in context["messages"]:
            yield where, message
    elif kind == "mailbot":
        yield where, error["msg"].replace(HERE, dotted(where))
    elif kind == "missing":
        if is_table(type_at(annotation, relative)):
            yield where, f"missing section [{dotted(where)}]"
        else:
            yield where, "missing (required)"
    elif kind == "extra_forbidden":
        yield where, unknown_key(where, type_at(annotation, relative[:-1]), value)
    elif kind in _TYPE_NAMES:
        yield where, f"must be {_TYPE_NAMES[kind]}, got {value!r}"
    elif kind in _TABLE_TYPES:
        yield where, f"must be a table, not {type(value).__name__}"
    elif kind == "literal_error":
        yield where, f"must be one of {_expected_choices(context)}; got {value!r}"
    elif kind == "greater_than_equal":
        yield where, f"must be {context['ge']} or more; got {value!r}"
    else:
        yield where, str(error["msg"])


def problems_of(error: ValidationError, location: Location, annotation: Any) -> list[tuple[Location, str]]:
    """Every problem in ``error``, in the order of the keys in the schema."""
    found: list[tuple[Location, str]] = []
    for item in error.errors(include_url=False):
        found.extend(describe(dict(item), location, annotation))
    return found
