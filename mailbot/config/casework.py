"""The config for taking over a council's register and running its process (issue 9): the URN formats
(``[urn]``), the register file's columns (``[register.columns]``), the district teams' addresses
(``[district_teams]``), and the ``[workflow]`` keys for the allocations cadence, the new lead
professional's TAF minutes and the no-lead-professional team.

Each mistake is explained at its place by the checks here; ``casework_cross_checks`` covers what
spans sections (a team's address must be in the trusted domains).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from mailbot.config.checks import PositiveInt, Section, field_problem, problem
from mailbot.domain.urn import LegacyUrnFormat, UrnScheme, legacy_pattern_problem
from mailbot.rules.cadence import Cadence
from mailbot.rules.trust import is_trusted_address

#: The register import/export fields, in the order the council CSV is written.
REGISTER_FIELDS = (
    "urn",
    "child_name",
    "date_of_birth",
    "lcs_id",
    "postcode",
    "lead_professional",
    "lead_professional_agency",
    "lead_professional_email",
    "status",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _urn_prefix(prefix: str) -> str:
    if prefix and not (prefix.isalnum() and prefix.isascii() and prefix.upper() == prefix):
        raise problem(f'use capital letters and digits only (or ""); got {prefix!r}')
    if prefix[:1].isdigit():
        raise problem(f"must start with a letter; got {prefix!r}")
    return prefix


def _urn_width(width: int) -> int:
    if not 3 <= width <= 12:
        raise problem(f"must be between 3 and 12; got {width}")
    return width


def _separator(separator: str) -> str:
    if separator not in ("-", "/", "", " "):
        raise problem(f'one of "-", "/", " " or ""; got {separator!r}')
    return separator


def _pattern(pattern: str) -> str:
    why = legacy_pattern_problem(pattern)
    if why:
        raise problem(why)
    return pattern


def _pattern_as_table(item: Any) -> Any:
    """A legacy format may be written as just its pattern."""
    return {"pattern": item} if isinstance(item, str) else item


class LegacyFormat(Section):
    """``[[urn.legacy]]``: an older URN format the council's register and partners still use."""

    pattern: Annotated[str, AfterValidator(_pattern)]
    #: True: only recognised next to a label ("URN: 12345"); unset: decided from the pattern.
    needs_label: bool | None = None


class UrnSection(Section):
    """``[urn]``: the format mailbot issues (``LAN-004217-K``), where its numbers continue from, and
    the older formats it recognises."""

    prefix: Annotated[str, AfterValidator(_urn_prefix)] = "LAN"
    width: Annotated[int, AfterValidator(_urn_width)] = 6
    check_character: bool = True
    separator: Annotated[str, AfterValidator(_separator)] = "-"
    #: the first number mailbot issues (continues the council's own sequence).
    next_number: int = 1
    legacy: list[Annotated[LegacyFormat, BeforeValidator(_pattern_as_table)]] = Field(default_factory=list)

    @property
    def scheme(self) -> UrnScheme:
        return UrnScheme(
            self.prefix,
            self.width,
            self.check_character,
            self.separator,
            tuple(LegacyUrnFormat(item.pattern, item.needs_label) for item in self.legacy),
        )

    @model_validator(mode="after")
    def _next_number_fits(self) -> UrnSection:
        capacity = self.scheme.capacity
        if not 1 <= self.next_number <= capacity:
            raise field_problem(
                "next_number",
                f"{self.next_number} does not fit a {self.width}-digit URN (1 to {capacity}); "
                "widen urn.width before the numbers run out",
            )
        return self


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise problem(f"must be a date YYYY-MM-DD; got {value!r}") from None
    return value


def _address_or_nobody(address: str) -> str:
    if address and "@" not in address:
        raise problem(f'must be an email address (or "" for CAF@); got {address!r}')
    return address


class CaseworkWorkflowKeys(Section):
    """The ``[workflow]`` keys for the seeds' steps (``WorkflowSection`` inherits them)."""

    #: how often the allocations meeting happens; the digest goes out before each meeting.
    allocation_cadence: Literal["weekly", "fortnightly", "monthly"] = "weekly"
    #: fortnightly: the date of any one meeting (on ``allocation_weekday``).
    allocation_anchor: Annotated[date | None, BeforeValidator(_iso_date)] = None
    #: monthly: which ``allocation_weekday`` of the month (1 to 4, or -1 for the last).
    allocation_week_of_month: int = 1
    #: weeks the new lead professional has to send CAF@ the first TAF minutes.
    taf_minutes_within_weeks: PositiveInt = 4
    #: who takes a case when no lead professional can be found (CAF link workers); "" means CAF@.
    no_lead_professional_team: Annotated[str, AfterValidator(_address_or_nobody)] = ""

    @property
    def cadence(self) -> Cadence:
        weekday = _WEEKDAYS.index(getattr(self, "allocation_weekday", "monday"))
        return Cadence(
            self.allocation_cadence, weekday, self.allocation_anchor, self.allocation_week_of_month
        )

    @model_validator(mode="after")
    def _cadence_is_usable(self) -> CaseworkWorkflowKeys:
        found = self.cadence.problems()
        if found:
            raise field_problem("allocation_cadence", "; ".join(found))
        return self


def _team_address(address: str) -> str:
    if "@" not in address:
        raise problem(f"must be an email address; got {address!r}")
    return address


#: ``[district_teams]``: district name (as ``[districts]`` names it) → the team's email address.
DistrictTeams = dict[str, Annotated[str, AfterValidator(_team_address)]]


def _heading(text: str) -> str:
    if not text.strip():
        raise problem("must be the column heading as text")
    return text.strip()


Heading = Annotated[str | None, AfterValidator(lambda v: _heading(v) if v is not None else None)]


class RegisterColumns(Section):
    """``[register.columns]``: mailbot's field → the council's column heading (unmapped fields keep
    their name)."""

    unknown_key_message = "unknown field; known: {known}"

    urn: Heading = None
    child_name: Heading = None
    date_of_birth: Heading = None
    lcs_id: Heading = None
    postcode: Heading = None
    lead_professional: Heading = None
    lead_professional_agency: Heading = None
    lead_professional_email: Heading = None
    status: Heading = None

    def mapping(self) -> dict[str, str]:
        return {name: heading for name in REGISTER_FIELDS if (heading := getattr(self, name)) is not None}


class RegisterSection(Section):
    """``[register]``: the council's register file, for ``mailbot register import`` and the council CSV."""

    columns: RegisterColumns = RegisterColumns()


def casework_cross_checks(raw: dict[str, Any], trusted: tuple[str, ...]) -> list[str]:
    """The district teams and the no-lead-professional team get personal data: trusted domains only.

    Read from the file as written, so a mistake elsewhere in ``[workflow]`` or another team's bad
    address does not hide this one.
    """
    teams = raw.get("district_teams")
    workflow = raw.get("workflow")
    addresses = [
        (f"district_teams.{name}", address)
        for name, address in (teams.items() if isinstance(teams, dict) else ())
        if isinstance(address, str) and "@" in address
    ]
    team = workflow.get("no_lead_professional_team") if isinstance(workflow, dict) else None
    if isinstance(team, str) and "@" in team:
        addresses.append(("workflow.no_lead_professional_team", team))
    return [
        f"{label}: {address} is not in council.trusted_domains"
        for label, address in addresses
        if not is_trusted_address(address, trusted)
    ]
