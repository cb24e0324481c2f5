"""The weekly digest's context, the allocations-meeting calendar and children's initials."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from mailbot.rules.digest import (
    NO_URN,
    DigestEntry,
    build_digest,
    initials,
    meeting_before_next_allocation,
    next_allocations_meeting,
)

LONDON = ZoneInfo("Europe/London")


def entry(reference: str, district: str, days: int, **kwargs: object) -> DigestEntry:
    values: dict[str, object] = {
        "urn": "LAN-004217-K",
        "initials": "A.O.",
        "received": date(2025, 10, 1),
        "state": "waiting",
    }
    values.update(kwargs)
    return DigestEntry(reference=reference, district=district, days_waiting=days, **values)  # type: ignore[arg-type]


def test_build_digest_groups_by_district_longest_wait_first() -> None:
    entries = [
        entry("SD-000003", "Preston", 2, urn="LAN-004230-Q"),
        entry("SD-000001", "Unknown district", 1, urn=None, state="incomplete", missing=["plan"]),
        entry("SD-000002", "Preston", 7, meeting_date=date(2025, 10, 20)),
        entry("SD-000004", "chorley", 3, meeting_date=date(2025, 10, 21)),
        entry("SD-000005", "Preston", 9, state="incomplete", missing=["consent"], received=date(2025, 9, 1)),
    ]
    digest = build_digest(entries, as_of=date(2025, 10, 13), next_meeting=date(2025, 10, 20))

    districts = digest["districts"]
    assert isinstance(districts, list)
    assert [d["name"] for d in districts] == ["chorley", "Preston", "Unknown district"]
    preston = districts[1]
    assert [r["reference"] for r in preston["waiting"]] == ["SD-000002", "SD-000003"]
    assert [r["reference"] for r in preston["incomplete"]] == ["SD-000005"]
    assert preston["count"] == 3
    assert preston["waiting"][0]["meeting_before_allocation"] is True  # same day as the allocations meeting
    assert districts[0]["waiting"][0]["meeting_before_allocation"] is False  # the day after
    assert districts[2]["incomplete"][0]["urn"] == NO_URN
    assert districts[2]["incomplete"][0]["missing"] == ["plan"]
    assert digest["totals"] == {"waiting": 3, "incomplete": 2, "all": 5, "meetings_before_allocation": 1}
    assert digest["widths"] == {"urn": len("LAN-004217-K"), "initials": 8, "reference": 9, "days": 4}
    assert digest["example_urn"] == "LAN-004217-K"  # the longest-waiting ready request
    assert digest["as_of"] == date(2025, 10, 13)
    assert digest["next_meeting"] == date(2025, 10, 20)


def test_ties_on_days_waiting_go_oldest_first() -> None:
    entries = [
        entry("SD-000010", "Preston", 4, received=date(2025, 10, 3)),
        entry("SD-000011", "Preston", 4, received=date(2025, 10, 2)),
    ]
    rows = build_digest(entries, date(2025, 10, 13), date(2025, 10, 20))["districts"][0]["waiting"]  # type: ignore[index]
    assert [r["reference"] for r in rows] == ["SD-000011", "SD-000010"]


def test_empty_digest() -> None:
    digest = build_digest([], date(2025, 10, 13), date(2025, 10, 20))
    assert digest["districts"] == []
    assert digest["totals"] == {"waiting": 0, "incomplete": 0, "all": 0, "meetings_before_allocation": 0}
    assert digest["example_urn"] is None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Wednesday → the next Monday at 10:00.
        (datetime(2025, 10, 15, 12, 0, tzinfo=LONDON), datetime(2025, 10, 20, 10, 0, tzinfo=LONDON)),
        # Monday 09:59 → today.
        (datetime(2025, 10, 20, 9, 59, tzinfo=LONDON), datetime(2025, 10, 20, 10, 0, tzinfo=LONDON)),
        # Monday 10:00 exactly → the meeting has started: next week.
        (datetime(2025, 10, 20, 10, 0, tzinfo=LONDON), datetime(2025, 10, 27, 10, 0, tzinfo=LONDON)),
        # Across the clocks going back (26 October 2025): 10:00 GMT, not BST.
        (datetime(2025, 10, 21, 8, 0, tzinfo=ZoneInfo("UTC")), datetime(2025, 10, 27, 10, 0, tzinfo=LONDON)),
        # Sunday 23:30 UTC in summer is already Monday 00:30 in London.
        (datetime(2025, 7, 13, 23, 30, tzinfo=ZoneInfo("UTC")), datetime(2025, 7, 14, 10, 0, tzinfo=LONDON)),
    ],
)
def test_next_allocations_meeting(now: datetime, expected: datetime) -> None:
    meeting = next_allocations_meeting(now, weekday=0, at=time(10, 0), tz="Europe/London")
    assert meeting == expected
    assert meeting.utcoffset() == expected.utcoffset()


def test_next_allocations_meeting_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allocations_meeting(datetime(2025, 10, 15, 12, 0), 0, time(10, 0), "Europe/London")


@pytest.mark.parametrize(
    ("meeting", "before"),
    [
        (date(2025, 10, 16), True),  # Thursday, before Monday's allocations meeting
        (date(2025, 10, 20), True),  # the same day as the allocations meeting
        (date(2025, 10, 21), False),
        (date(2025, 10, 1), True),  # already past: someone must look now
    ],
)
def test_meeting_before_next_allocation(meeting: date, before: bool) -> None:
    now = datetime(2025, 10, 15, 12, 0, tzinfo=LONDON)
    assert meeting_before_next_allocation(meeting, now, 0, time(10, 0), "Europe/London") is before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Amelia-Rose O'Neill", "A.O."),
        ("O'NEILL, Amelia", "A.O."),
        ("Jo van der Berg", "J.B."),
        ("Tom James Marsh", "T.M."),
        ("zoë", "Z."),
        ("  ", ""),
        ("1234", ""),
        (None, ""),
    ],
)
def test_initials(name: str | None, expected: str) -> None:
    assert initials(name) == expected
