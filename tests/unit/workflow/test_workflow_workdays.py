"""Working days against the real England and Wales bank holidays of 2025 and 2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mailbot.rules.workdays import add_working_days, bank_holidays, is_working_day, working_days_between


def test_bank_holidays_2025_england() -> None:
    assert sorted(bank_holidays(2025)) == [
        date(2025, 1, 1),
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 5),  # early May
        date(2025, 5, 26),  # spring
        date(2025, 8, 25),  # summer
        date(2025, 12, 25),
        date(2025, 12, 26),
    ]


def test_boxing_day_2026_falls_on_saturday_and_monday_is_the_substitute() -> None:
    assert date(2026, 12, 28) in bank_holidays(2026)
    assert not is_working_day(date(2026, 12, 28))


def test_scotland_differs_from_england() -> None:
    assert date(2026, 1, 2) in bank_holidays(2026, "SCT")
    assert is_working_day(date(2026, 1, 2), "ENG")


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="XX"):
        bank_holidays(2025, "XX")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 10, 14), True),  # Tuesday
        (date(2025, 10, 18), False),  # Saturday
        (date(2025, 10, 19), False),  # Sunday
        (date(2025, 5, 26), False),  # spring bank holiday
        (date(2025, 12, 24), True),  # Christmas Eve is an ordinary working day
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 10, 14), 0, date(2025, 10, 14)),
        (date(2025, 10, 14), 3, date(2025, 10, 17)),  # Tue + 3 = Fri
        (date(2025, 10, 17), 1, date(2025, 10, 20)),  # Fri + 1 = Mon
        (date(2025, 10, 18), 1, date(2025, 10, 20)),  # from a Saturday
        # Easter 2025: Thu 17 April + 1 skips Good Friday, the weekend and Easter Monday.
        (date(2025, 4, 17), 1, date(2025, 4, 22)),
        (date(2025, 4, 17), 3, date(2025, 4, 24)),
        # Christmas 2025: Wed 24 Dec + 1 skips Thu 25, Fri 26 and the weekend.
        (date(2025, 12, 24), 1, date(2025, 12, 29)),
        # New Year: Wed 31 Dec 2025 + 1 skips 1 Jan 2026.
        (date(2025, 12, 31), 1, date(2026, 1, 2)),
        # Christmas 2026: Thu 24 Dec + 1 skips Christmas, the weekend and Boxing Day observed (Mon 28).
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        # Early May 2026: Fri 1 May + 1 skips the weekend and Mon 4 May.
        (date(2026, 5, 1), 1, date(2026, 5, 5)),
        # Spring 2026: Fri 22 May + 2 skips the weekend and Mon 25 May.
        (date(2026, 5, 22), 2, date(2026, 5, 27)),
        # Summer 2025: Fri 22 Aug + 1 skips the weekend and Mon 25 Aug.
        (date(2025, 8, 22), 1, date(2025, 8, 26)),
        # Backwards: Tue 22 April 2025 - 1 is Thu 17 April.
        (date(2025, 4, 22), -1, date(2025, 4, 17)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2025, 10, 14), date(2025, 10, 14), 0),
        (date(2025, 10, 14), date(2025, 10, 21), 5),
        (date(2025, 4, 17), date(2025, 4, 22), 1),  # Easter
        (date(2025, 12, 19), date(2026, 1, 5), 8),  # Christmas and New Year
        (date(2025, 4, 22), date(2025, 4, 17), -1),
        # Whole years: 261 weekdays less 8 bank holidays on weekdays; in 2026 Boxing Day falls on a
        # Saturday and its substitute (Mon 28 Dec) is the eighth.
        (date(2024, 12, 31), date(2025, 12, 31), 253),
        (date(2025, 12, 31), date(2026, 12, 31), 253),
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert working_days_between(a, b) == expected


def test_between_is_the_inverse_of_add_over_two_years() -> None:
    start = date(2025, 1, 1)
    for offset in range(0, 730, 3):
        end = start + timedelta(days=offset)
        counted = working_days_between(start, end)
        naive = sum(1 for n in range(1, offset + 1) if is_working_day(start + timedelta(days=n)))
        assert counted == naive
        if is_working_day(end):
            assert add_working_days(start, counted) == end
