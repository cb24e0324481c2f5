"""URN capacity: how full the number space of the configured width is, and when to say so."""

from __future__ import annotations

from mailbot.domain.urn import UrnScheme
from mailbot.rules.urn_capacity import capacity_of, urn_capacity


def test_the_capacity_is_the_largest_number_the_width_holds() -> None:
    assert urn_capacity(UrnScheme(width=6)) == 999_999
    assert urn_capacity(UrnScheme(width=1)) == 9


def test_no_warning_below_ninety_percent() -> None:
    assert capacity_of(899_998, UrnScheme(width=6)).warning() is None


def test_a_warning_from_ninety_percent_says_how_many_are_left_and_what_to_do() -> None:
    warning = capacity_of(900_000, UrnScheme(width=6)).warning()
    assert warning is not None
    assert "90% used" in warning and "99,999 left" in warning and "[urn] width" in warning


def test_exhausted_when_every_number_is_issued() -> None:
    assert not capacity_of(998_999, UrnScheme(width=6)).exhausted
    assert capacity_of(999_999, UrnScheme(width=6)).exhausted
    assert "0 left" in (capacity_of(999_999, UrnScheme(width=6)).warning() or "")
