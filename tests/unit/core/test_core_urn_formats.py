"""Configured URN formats: digits-only and check-free issued formats, legacy patterns matched exactly,
bare (digits-only) URNs found only next to a URN label."""

from __future__ import annotations

import pytest

from mailbot.domain.urn import LegacyUrnFormat, UrnScheme, legacy_pattern_problem

DIGITS = UrnScheme(prefix="", width=6, check=False)
NO_CHECK = UrnScheme(prefix="LAN", width=6, check=False)
LEGACY = UrnScheme(legacy=(LegacyUrnFormat(r"\d{6}"), LegacyUrnFormat(r"CAF\d{5}")))


def valid(scheme: UrnScheme, text: str, *, labelled: bool = False) -> list[str]:
    return [c.normalised for c in scheme.find(text, labelled=labelled) if c.valid]


def test_a_format_without_a_check_character_does_not_ask_for_one() -> None:
    assert NO_CHECK.format(4217) == "LAN-004217"
    assert NO_CHECK.normalise("lan 004217") == "LAN-004217"
    assert valid(NO_CHECK, "Step down for LAN-004217 please") == ["LAN-004217"]
    assert [c.problem for c in UrnScheme().find("LAN-004217")] == ["no_check_character"]


def test_a_digits_only_format_is_found_only_next_to_a_urn_label() -> None:
    assert DIGITS.format(123456) == "123456"
    assert valid(DIGITS, "Step down for URN 123456, thanks") == ["123456"]
    assert valid(DIGITS, "Our URN: 123456") == ["123456"]
    assert valid(DIGITS, "The CAF number is 123456.") == ["123456"]
    # Six digits loose in the text are a phone number, an LCS id or a case number, never guessed a URN.
    assert valid(DIGITS, "Call me on 123456 or see LCS 654321") == []
    assert valid(DIGITS, "123456", labelled=True) == ["123456"]
    assert DIGITS.normalise(" 123456 ") == "123456"


def test_legacy_formats_are_matched_exactly() -> None:
    assert valid(LEGACY, "URN 123456") == ["123456"]
    assert valid(LEGACY, "URN 1234567") == []  # seven digits is not the six-digit pattern
    assert valid(LEGACY, "Please file for caf12345") == ["CAF12345"]  # a lettered pattern is distinctive
    assert valid(LEGACY, "Please file for CAF12345X") == []
    assert valid(LEGACY, "URN: LAN-004217-K and URN 123456") == ["LAN-004217-K", "123456"]
    # A legacy URN carries no check character and none is asked for.
    found = LEGACY.find("URN 123456")
    assert [(c.valid, c.problem, c.legacy) for c in found] == [(True, None, True)]


def test_the_issued_format_wins_over_a_legacy_pattern_on_the_same_text() -> None:
    scheme = UrnScheme(legacy=(LegacyUrnFormat(r"LAN-?\d{6}-?[0-9A-Z]"),))
    assert [c.normalised for c in scheme.find("LAN-004217-K")] == ["LAN-004217-K"]


def test_exact_is_the_fast_path_for_a_register_column() -> None:
    assert LEGACY.exact("123456") == "123456"
    assert LEGACY.exact("LAN-004217-K") == "LAN-004217-K"
    assert LEGACY.exact("LAN-004217-X") is None
    assert LEGACY.exact("12345") is None
    assert LEGACY.exact("caf12345") == "CAF12345"


def test_capacity_and_number_of() -> None:
    assert UrnScheme(width=4).capacity == 9999
    assert UrnScheme().number_of("LAN-004217-K") == 4217
    assert UrnScheme().number_of("123456") is None
    with pytest.raises(ValueError, match="does not fit"):
        UrnScheme(width=4).format(10_000)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("[0-9", "not a regular expression"),
        ("\\d*", "matches the empty text"),
        ("(?P<n>\\d{6})", "named groups are not allowed"),
        ("\\d{6}", None),
    ],
)
def test_legacy_pattern_problems_are_explained(pattern: str, problem: str | None) -> None:
    found = legacy_pattern_problem(pattern)
    assert (found is None) if problem is None else (found is not None and problem in found)
