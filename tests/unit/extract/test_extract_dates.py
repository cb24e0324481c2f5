"""British dates as social workers write them."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.extract import parse_british_date
from mailbot.extract.dates import latest_written_year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04/2015", date(2015, 4, 3)),
        ("3/4/2015", date(2015, 4, 3)),
        ("03.04.15", date(2015, 4, 3)),
        ("03-04-2015", date(2015, 4, 3)),
        ("3rd April 2015", date(2015, 4, 3)),
        ("3 Apr 15", date(2015, 4, 3)),
        ("3rd of April, 2015", date(2015, 4, 3)),
        ("Tuesday 3 April 2015 at 10am", date(2015, 4, 3)),
        ("April 3rd, 2015", date(2015, 4, 3)),
        ("2015-04-03", date(2015, 4, 3)),
        ("DOB: 12/11/2019 (age 5)", date(2019, 11, 12)),
        ("31 Sept 2020", None),
        ("31/02/2015", None),
        ("3rd April", None),
        ("Level 2", None),
        ("01772 123456", None),
        ("", None),
    ],
)
def test_parse_british_date(text: str, expected: date | None) -> None:
    assert parse_british_date(text) == expected


def test_two_digit_year_defaults_to_this_century() -> None:
    assert parse_british_date("01/02/99") == date(2099, 2, 1)


def test_two_digit_year_of_birth_pivots_on_latest_year_written() -> None:
    assert parse_british_date("01/02/99", latest_year=2024) == date(1999, 2, 1)
    assert parse_british_date("01/02/24", latest_year=2024) == date(2024, 2, 1)
    assert parse_british_date("01/02/25", latest_year=2024) == date(1925, 2, 1)


def test_latest_written_year_ignores_phone_numbers_and_short_years() -> None:
    assert latest_written_year("Meeting 12/05/2025, tel 01772 123456, DOB 03/04/15") == 2025
    assert latest_written_year("no years here") is None
