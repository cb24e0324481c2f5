"""Postcodes to council districts: normalising messy postcodes and the most specific config key wins."""

from __future__ import annotations

import pytest

from mailbot.rules.districts import (
    UNKNOWN_DISTRICT,
    DistrictMap,
    district_for_postcode,
    normalise_postcode,
    postcode_district,
)

CONFIG = {
    "PR1": "Preston",
    "PR25": "Leyland",
    "PR": "Preston and area",
    "BB": "East Lancashire",
    "pr7 1": "Chorley town",  # a sector, written with its space
    "EC1": "Islington border",
    "FY 1": "Blackpool",  # a district written with a stray space
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PR1 2AB", "PR1 2AB"),
        ("pr12ab", "PR1 2AB"),
        ("  PR1   2AB ", "PR1 2AB"),
        ("PR25 3XY", "PR25 3XY"),
        ("PR253XY", "PR25 3XY"),
        ("pr1-2ab.", "PR1 2AB"),
        ("PR1 OAB", "PR1 0AB"),  # letter O typed for the sector digit
        ("EC1A 1BB", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("PR1", None),
        ("not a postcode", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_postcode(raw: str | None, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("PR1 2AB", "PR1"), ("pr253xy", "PR25"), ("PR1", "PR1"), ("ec1a1bb", "EC1A"), ("12345", None)],
)
def test_postcode_district(raw: str, expected: str | None) -> None:
    assert postcode_district(raw) == expected


@pytest.mark.parametrize(
    ("postcode", "district"),
    [
        ("PR1 2AB", "Preston"),  # exact district
        ("PR25 3XY", "Leyland"),  # exact district beats the area
        ("PR2 5AB", "Preston and area"),  # no PR2 key: the area, never PR25 or PR1
        ("PR26 1AA", "Preston and area"),
        ("PR7 1AA", "Chorley town"),  # the sector beats the area
        ("PR7 2AA", "Preston and area"),
        ("bb11 1aa", "East Lancashire"),
        ("EC1A 1BB", "Islington border"),  # sub-district letter dropped
        ("FY1 1AA", "Blackpool"),
        ("LA1 1AA", UNKNOWN_DISTRICT),
        ("rubbish", UNKNOWN_DISTRICT),
        (None, UNKNOWN_DISTRICT),
    ],
)
def test_district_for_postcode(postcode: str | None, district: str) -> None:
    assert DistrictMap.from_config(CONFIG).district_for(postcode) == district
    assert district_for_postcode(postcode, CONFIG) == district


def test_config_problems_name_keys_that_can_never_match() -> None:
    assert DistrictMap.problems({**CONFIG, "Preston": "x", "PR1 2AB": "y"}) == [
        "districts.Preston: not a postcode area (PR), district (PR25) or sector ('PR1 2')",
        "districts.PR1 2AB: not a postcode area (PR), district (PR25) or sector ('PR1 2')",
    ]
    assert DistrictMap.problems(CONFIG) == []
