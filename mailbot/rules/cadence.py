"""When the allocations meeting happens, and so when the digest goes out (pure: no clock).

Lancashire allocates weekly; other councils meet fortnightly or monthly (Shropshire's step-down
meeting is monthly). A ``Cadence`` says which days are meeting days:

- ``weekly``: every ``weekday``;
- ``fortnightly``: every other ``weekday``, counted from ``anchor`` (the date of any one meeting);
- ``monthly``: the ``week_of_month``-th ``weekday`` of each month (1 to 4, or -1 for the last).

The digest goes out on ``digest_weekday`` on or before each meeting day (0 to 6 days before it).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

CadenceKind = Literal["weekly", "fortnightly", "monthly"]
CADENCE_KINDS: tuple[CadenceKind, ...] = ("weekly", "fortnightly", "monthly")


@dataclass(frozen=True)
class Cadence:
    """The allocations meeting's calendar; ``weekday`` 0 is Monday."""

    kind: CadenceKind = "weekly"
    weekday: int = 0
    anchor: date | None = None
    week_of_month: int = 1

    def problems(self) -> list[str]:
        """What is inconsistent (for config validation); empty when the cadence is usable."""
        found: list[str] = []
        if not 0 <= self.weekday <= 6:
            found.append(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.kind == "fortnightly":
            if self.anchor is None:
                found.append("a fortnightly meeting needs the date of one meeting (allocation_anchor)")
            elif self.anchor.weekday() != self.weekday:
                found.append(f"allocation_anchor {self.anchor.isoformat()} is not on the meeting weekday")
        if self.kind == "monthly" and self.week_of_month not in (1, 2, 3, 4, -1):
            found.append(f"week_of_month must be 1 to 4, or -1 for the last; got {self.week_of_month}")
        return found

    def occurs_on(self, day: date) -> bool:
        """True when a meeting falls on ``day``."""
        if day.weekday() != self.weekday:
            return False
        if self.kind == "fortnightly":
            anchor = self.anchor or day
            return (day - anchor).days % 14 == 0
        if self.kind == "monthly":
            return day == _nth_weekday(day.year, day.month, self.weekday, self.week_of_month)
        return True

    def next_on_or_after(self, day: date) -> date:
        """The first meeting day on or after ``day``."""
        candidate = day + timedelta(days=(self.weekday - day.weekday()) % 7)
        for _ in range(60):  # at most about 14 months of weeks: every kind has a meeting in that time
            if self.occurs_on(candidate):
                return candidate
            candidate += timedelta(days=7)
        raise ValueError(f"no meeting day found after {day.isoformat()} for {self}")


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[-1] if nth == -1 else days[nth - 1]


def next_meeting(now: datetime, cadence: Cadence, at: time, tz: str) -> datetime:
    """The next allocations meeting strictly after ``now`` (timezone-aware), in ``tz``.

    A meeting at exactly ``now`` counts as started, so the next one is returned.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = cadence.next_on_or_after(local.date())
    meeting = datetime.combine(day, at, tzinfo=zone)
    if meeting <= local:
        meeting = datetime.combine(cadence.next_on_or_after(day + timedelta(days=1)), at, tzinfo=zone)
    return meeting


def digest_offset(cadence: Cadence, digest_weekday: int) -> int:
    """Days between the digest and the meeting it prepares (0 when both are on the same weekday)."""
    return (cadence.weekday - digest_weekday) % 7


def is_digest_day(day: date, cadence: Cadence, digest_weekday: int) -> bool:
    """True when the digest goes out on ``day``: the digest weekday on or before a meeting day."""
    return day.weekday() == digest_weekday and cadence.occurs_on(
        day + timedelta(days=digest_offset(cadence, digest_weekday))
    )
