"""The allocations meeting's calendar (weekly, fortnightly, monthly), the digest day before it, and when
late TAF minutes are chased (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from mailbot.rules.cadence import Cadence, is_digest_day, next_meeting
from mailbot.rules.chasing import taf_due_action

MONDAY = 0
WEDNESDAY = 2


def test_weekly_on_another_day() -> None:
    cadence = Cadence("weekly", WEDNESDAY)
    assert cadence.next_on_or_after(date(2026, 11, 23)) == date(2026, 11, 25)
    assert is_digest_day(date(2026, 11, 23), cadence, MONDAY)  # two days before Wednesday's meeting
    assert not is_digest_day(date(2026, 11, 25), cadence, MONDAY)


def test_fortnightly_counts_from_the_anchor() -> None:
    cadence = Cadence("fortnightly", MONDAY, anchor=date(2026, 11, 9))
    assert cadence.problems() == []
    assert [cadence.occurs_on(date(2026, 11, d)) for d in (9, 16, 23, 30)] == [True, False, True, False]
    assert cadence.next_on_or_after(date(2026, 11, 10)) == date(2026, 11, 23)
    assert is_digest_day(date(2026, 11, 23), cadence, MONDAY)
    assert not is_digest_day(date(2026, 11, 30), cadence, MONDAY)


@pytest.mark.parametrize(
    ("week", "expected"), [(1, date(2026, 12, 2)), (2, date(2026, 12, 9)), (-1, date(2026, 12, 30))]
)
def test_monthly_on_the_nth_weekday(week: int, expected: date) -> None:
    cadence = Cadence("monthly", WEDNESDAY, week_of_month=week)
    assert cadence.next_on_or_after(date(2026, 11, 27)) == expected


def test_a_monthly_digest_goes_only_in_the_meeting_week() -> None:
    cadence = Cadence("monthly", MONDAY, week_of_month=1)
    mondays = [date(2026, 12, d) for d in (7, 14, 21, 28)] + [date(2027, 1, 4)]
    assert [is_digest_day(d, cadence, MONDAY) for d in mondays] == [True, False, False, False, True]


def test_the_next_meeting_is_strictly_after_now() -> None:
    cadence = Cadence("monthly", MONDAY, week_of_month=1)
    at = time(10, 0)
    assert next_meeting(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), cadence, at, "Europe/London").date() == date(
        2026, 12, 7
    )
    assert next_meeting(
        datetime(2026, 12, 7, 11, 0, tzinfo=UTC), cadence, at, "Europe/London"
    ).date() == date(2027, 1, 4)


def test_inconsistent_cadences_are_explained() -> None:
    assert Cadence("fortnightly", MONDAY).problems() == [
        "a fortnightly meeting needs the date of one meeting (allocation_anchor)"
    ]
    assert Cadence("fortnightly", MONDAY, anchor=date(2026, 11, 10)).problems() == [
        "allocation_anchor 2026-11-10 is not on the meeting weekday"
    ]
    assert Cadence("monthly", MONDAY, week_of_month=5).problems() == [
        "week_of_month must be 1 to 4, or -1 for the last; got 5"
    ]


def _taf(as_of: date, reminders: int = 0, last: date | None = None, can_chase: bool = True) -> str:
    return taf_due_action(
        date(2026, 12, 21),
        last,
        reminders,
        as_of,
        can_chase=can_chase,
        after_working_days=3,
        max_reminders=2,
        region="ENG",
    )


def test_late_taf_minutes_are_chased_from_the_due_date_then_escalated() -> None:
    assert _taf(date(2026, 12, 20)) == "wait"
    assert _taf(date(2026, 12, 21)) == "chase"
    assert _taf(date(2026, 12, 23), 1, date(2026, 12, 21)) == "wait"
    assert _taf(date(2026, 12, 29), 1, date(2026, 12, 21)) == "chase"  # 22, 23, 24 Dec working days
    assert _taf(date(2027, 1, 5), 2, date(2026, 12, 29)) == "escalate"
    assert _taf(date(2026, 12, 21), can_chase=False) == "escalate"  # no address to chase: tell CAF@
