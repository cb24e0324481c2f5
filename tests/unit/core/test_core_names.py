"""Name normalising and "is this the same child?" for matching children to existing URNs."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.domain.facts import Child
from mailbot.rules.names import names_match, normalise_name, same_child

DOB = date(2016, 5, 4)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Zoë O'Neill-Smith", "zoe oneill smith"),
        ("ZOË O’NEILL-SMITH", "zoe oneill smith"),  # curly apostrophe from Word/Outlook
        ("  Amelia-Rose   Brown ", "amelia rose brown"),
        ("Siân Llŷr", "sian llyr"),
        ("Jayden Smith (aka JJ)", "jayden smith aka jj"),
        ("Mia 2nd", "mia nd"),
        ("", ""),
        ("---", ""),
    ],
)
def test_normalise_name(written: str, expected: str) -> None:
    assert normalise_name(written) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jayden Smith", "Jayden Smith"),
        ("jayden smith", "JAYDEN SMITH"),
        ("Jon Smith", "John Smith"),  # one dropped letter in a short name
        ("Jayden Smith", "Jaden Smith"),
        ("Zoe O'Neill-Smith", "Zoë ONeill Smith"),
        ("Ava Mae Brown", "Ava Brown"),  # a middle name in one only
        ("Katherine Johnson", "Katharine Jonson"),
    ],
)
def test_names_match_allows_small_slips(a: str, b: str) -> None:
    assert names_match(a, b) is True
    assert names_match(b, a) is True


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Liam Smith", "Noah Smith"),  # twins: same surname, different first names
        ("Jayden Smith", "Jayden Jones"),
        ("Jayden", "Jayden Smith"),  # a single name is compared as a surname
        ("", "Jayden Smith"),
        ("Jayden Smith", "---"),
    ],
)
def test_names_that_do_not_match(a: str, b: str) -> None:
    assert names_match(a, b) is False


def test_names_match_threshold_is_a_parameter() -> None:
    assert names_match("Oliver Smith", "Oliver Smyth") is False
    assert names_match("Oliver Smith", "Oliver Smyth", threshold=0.6) is True


def test_surname_first_with_a_comma_matches_the_same_name() -> None:
    # Forms and LCS print "SMITH, Jayden"; mailbot.rules.digest.initials already turns that round. If the
    # names do not match, a child already on the register (same DOB) gets a second URN.
    assert names_match("SMITH, Jayden", "Jayden Smith") is True


def test_same_child_by_lcs_id_ignores_names_and_dates() -> None:
    a = Child(name="Jayden Smith", date_of_birth=DOB, lcs_id=" lcs123 ")
    b = Child(name="J Smyth", date_of_birth=date(2017, 1, 1), lcs_id="LCS123")
    assert same_child(a, b) is True


def test_different_lcs_ids_are_different_children_even_with_same_name_and_dob() -> None:
    a = Child(name="Jayden Smith", date_of_birth=DOB, lcs_id="LCS123")
    b = Child(name="Jayden Smith", date_of_birth=DOB, lcs_id="LCS999")
    assert same_child(a, b) is False


def test_same_child_by_dob_and_close_name() -> None:
    assert same_child(Child("Jayden Smith", DOB), Child("Jaden Smith", DOB)) is True


def test_a_different_dob_is_a_different_child() -> None:
    assert same_child(Child("Jayden Smith", DOB), Child("Jayden Smith", date(2016, 5, 5))) is False


def test_a_missing_dob_on_one_side_lets_the_name_decide() -> None:
    assert same_child(Child("Jayden Smith", DOB), Child("Jayden Smith", None)) is True
    assert same_child(Child("Jayden Smith", None), Child("Jayden Smith", None)) is True
    assert same_child(Child("Jayden Smith", None), Child("Noah Smith", None)) is False


def test_one_lcs_id_only_falls_back_to_dob_and_name() -> None:
    assert same_child(Child("Jayden Smith", DOB, lcs_id="LCS1"), Child("Jayden Smith", DOB)) is True
    assert same_child(Child("Jayden Smith", DOB, lcs_id="LCS1"), Child("Noah Smith", DOB)) is False


def test_no_names_no_match() -> None:
    assert same_child(Child(None, DOB), Child(None, DOB)) is False
    assert same_child(Child(), Child()) is False
