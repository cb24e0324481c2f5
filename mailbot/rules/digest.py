"""The weekly digest's content and the allocations-meeting calendar (pure: ``now`` is passed in).

``build_digest`` turns the waiting requests into the ``weekly_digest`` template's context: grouped by
district, longest wait first, with totals and the column widths the plain-text table needs. It carries
the URN and the child's initials only, never a name, because the digest goes to a whole team.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.rules.districts import UNKNOWN_DISTRICT

DigestState = Literal["waiting", "incomplete"]

#: What the digest prints where a request has no URN yet.
NO_URN = "no URN yet"


@dataclass(frozen=True)
class DigestEntry:
    """One request still waiting for WPEHS: complete and queued (``waiting``) or still being chased
    (``incomplete``, with ``missing`` in words or codes the chase-up template knows).

    ``work_requested_summary`` is a short phrase with no names in it (the digest goes to a team).
    """

    reference: str
    urn: str | None
    initials: str
    district: str
    received: date
    days_waiting: int
    state: DigestState
    missing: list[str] = field(default_factory=list)
    meeting_date: date | None = None
    work_requested_summary: str | None = None


def _row(entry: DigestEntry, next_meeting: date) -> dict[str, object]:
    return {
        "reference": entry.reference,
        "urn": entry.urn or NO_URN,
        "initials": entry.initials or "-",
        "received": entry.received,
        "days_waiting": entry.days_waiting,
        "state": entry.state,
        "missing": list(entry.missing),
        "meeting_date": entry.meeting_date,
        "meeting_before_allocation": entry.meeting_date is not None and entry.meeting_date <= next_meeting,
        "work_requested_summary": entry.work_requested_summary,
    }


def _sort_key(entry: DigestEntry) -> tuple[int, date, str]:
    return (-entry.days_waiting, entry.received, entry.reference)


def build_digest(entries: Sequence[DigestEntry], as_of: date, next_meeting: date) -> dict[str, object]:
    """The ``weekly_digest`` context (without ``reference`` and the mailbox keys, which the caller adds).

    Returns ``as_of``, ``next_meeting``, ``districts`` (``[{name, waiting, incomplete, count}]``, by
    name with ``Unknown district`` last; rows longest wait first), ``totals`` (``waiting``,
    ``incomplete``, ``all``, ``meetings_before_allocation``), ``widths`` (characters per text column:
    ``urn``, ``initials``, ``reference``, ``days``) and ``example_urn`` (a waiting URN for the
    "how to allocate" example, or None).
    """
    by_district: dict[str, list[DigestEntry]] = {}
    for entry in entries:
        by_district.setdefault(entry.district or UNKNOWN_DISTRICT, []).append(entry)

    names = sorted(by_district, key=lambda name: (name == UNKNOWN_DISTRICT, name.casefold()))
    districts: list[dict[str, object]] = []
    for name in names:
        group = sorted(by_district[name], key=_sort_key)
        districts.append(
            {
                "name": name,
                "waiting": [_row(e, next_meeting) for e in group if e.state == "waiting"],
                "incomplete": [_row(e, next_meeting) for e in group if e.state == "incomplete"],
                "count": len(group),
            }
        )

    rows = [_row(e, next_meeting) for e in entries]
    waiting = sorted((e for e in entries if e.state == "waiting" and e.urn), key=_sort_key)
    return {
        "as_of": as_of,
        "next_meeting": next_meeting,
        "districts": districts,
        "totals": {
            "waiting": sum(1 for e in entries if e.state == "waiting"),
            "incomplete": sum(1 for e in entries if e.state == "incomplete"),
            "all": len(entries),
            "meetings_before_allocation": sum(1 for r in rows if r["meeting_before_allocation"]),
        },
        "widths": {
            "urn": max([len("URN"), *(len(str(r["urn"])) for r in rows)]),
            "initials": max([len("Initials"), *(len(str(r["initials"])) for r in rows)]),
            "reference": max([len("Reference"), *(len(str(r["reference"])) for r in rows)]),
            "days": max([len("Days"), *(len(str(r["days_waiting"])) for r in rows)]),
        },
        "example_urn": waiting[0].urn if waiting else None,
    }


def next_allocations_meeting(now: datetime, weekday: int, at: time, tz: str) -> datetime:
    """The next weekly allocations meeting strictly after ``now``, as an aware datetime in ``tz``.

    ``weekday`` is 0 for Monday. ``now`` must be timezone-aware (raises ValueError otherwise): a naive
    time would silently be an hour out for half the year. A meeting at exactly ``now`` counts as
    started, so the next one is a week later.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    meeting = datetime.combine(day, at, tzinfo=zone)
    if meeting <= local:
        meeting = datetime.combine(day + timedelta(days=7), at, tzinfo=zone)
    return meeting


def meeting_before_next_allocation(
    meeting_date: date, now: datetime, weekday: int, at: time, tz: str
) -> bool:
    """True when a multi-agency meeting on ``meeting_date`` cannot wait for the next allocations meeting.

    A meeting on the same day as the allocations meeting counts as before it (there is no time to
    allocate and brief a worker), and so does a date already past: either way WPEHS must look now.
    """
    return meeting_date <= next_allocations_meeting(now, weekday, at, tz).date()


_NAME_PART = re.compile(r"[^\W\d_]", re.UNICODE)


def initials(name: str | None) -> str:
    """The initials of a child's first given name and last family name, each followed by a full stop.

    ``"Amelia-Rose O'Neill"`` → ``"A.O."``, ``"O'NEILL, Amelia"`` → ``"A.O."`` (surname-first with a
    comma is turned round), ``"Jo van der Berg"`` → ``"J.B."``, ``"Zoë"`` → ``"Z."``, ``None`` → ``""``.
    Two letters at most, so a digest row identifies a case to the team without naming the child.
    """
    if not name:
        return ""
    if "," in name:
        family, _, given = name.partition(",")
        name = f"{given} {family}"
    firsts = [first.group(0) for word in name.split() if (first := _NAME_PART.search(word))]
    if not firsts:
        return ""
    chosen = [firsts[0]] if len(firsts) == 1 else [firsts[0], firsts[-1]]
    return "".join(letter.upper() + "." for letter in chosen)


def redact_names(text: str | None, names: Iterable[str | None]) -> str | None:
    """``text`` with every word of the children's ``names`` cut to its initial (pure).

    The digest promises URN and initials only, but "work requested" is the social worker's own words
    and often names the child ("support for Maisie"); returns None for None.
    """
    if not text:
        return text
    words = {word for name in names if name for word in re.findall(r"[^\W\d_][\w'-]*", name) if len(word) > 1}
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(
            rf"(?<![\w-]){re.escape(word)}(?![\w-])", word[0].upper() + ".", text, flags=re.IGNORECASE
        )
    return text
