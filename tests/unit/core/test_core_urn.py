"""UrnScheme and the ISO 7064 MOD 37,36 check character: formatting, finding and catching typing slips."""

from __future__ import annotations

import pytest

from mailbot.domain.urn import ALPHABET, UrnCandidate, UrnScheme, check_character

SCHEME = UrnScheme()
SAMPLE_URNS = ("LAN-000001-5", "LAN-004217-K", "LAN-123456-I", "LAN-999999-M", "LAN-070707-E")


def _verifies(full: str) -> bool:
    """ISO 7064 hybrid-system verification (run over body + check): the last sum must be 1."""
    product, total = 36, 0
    for char in full:
        total = (product + ALPHABET.index(char)) % 36 or 36
        product = (total * 2) % 37
    return total == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A12425GABC1234002", "M"),  # the published GRid example (Wikipedia) uses MOD 37,36
        ("RABD", "A"),
        ("X0H", "X"),
        ("LAN004217", "K"),
        ("lan004217", "K"),
    ],
)
def test_check_character_known_values(body: str, expected: str) -> None:
    assert check_character(body) == expected


@pytest.mark.parametrize("body", ["LAN-004217", "LAN 004217", "LAN004217£", "ZOË1"])
def test_check_character_rejects_characters_outside_the_alphabet(body: str) -> None:
    with pytest.raises(ValueError, match="cannot appear in a URN"):
        check_character(body)


@pytest.mark.parametrize("sequence", [1, 2, 9, 10, 217, 4217, 99999, 123456, 999999])
def test_format_gives_a_urn_that_verifies_independently(sequence: int) -> None:
    urn = SCHEME.format(sequence)
    prefix, digits, check = urn.split("-")
    assert prefix == "LAN"
    assert digits == f"{sequence:06d}"
    assert len(check) == 1
    assert _verifies(prefix + digits + check)
    assert SCHEME.is_valid(urn)
    assert SCHEME.normalise(urn) == urn


def test_format_known_urns() -> None:
    assert SCHEME.format(1) == "LAN-000001-5"
    assert SCHEME.format(217) == "LAN-000217-A"
    assert SCHEME.format(4217) == "LAN-004217-K"
    assert UrnScheme("BPL", 5).format(42) == "BPL-00042-D"


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000])
def test_format_refuses_a_sequence_that_does_not_fit(sequence: int) -> None:
    with pytest.raises(ValueError, match="does not fit a 6-digit URN"):
        SCHEME.format(sequence)


@pytest.mark.parametrize("urn", SAMPLE_URNS)
def test_every_single_character_substitution_is_detected(urn: str) -> None:
    assert SCHEME.is_valid(urn)
    undetected = []
    tried = 0
    for index, original in enumerate(urn):
        if original == "-":
            continue
        for replacement in ALPHABET:
            if replacement == original:
                continue
            typo = urn[:index] + replacement + urn[index + 1 :]
            tried += 1
            if SCHEME.is_valid(typo) or SCHEME.normalise(typo) is not None:
                undetected.append(typo)
    assert tried == 10 * 35
    assert undetected == []


@pytest.mark.parametrize("urn", SAMPLE_URNS)
def test_every_adjacent_transposition_is_detected(urn: str) -> None:
    undetected = []
    tried = 0
    for written in (urn, urn.replace("-", "")):
        for index in range(len(written) - 1):
            if written[index] == written[index + 1] or "-" in written[index : index + 2]:
                continue  # swapping a separator does not change the URN's characters
            swapped = written[:index] + written[index + 1] + written[index] + written[index + 2 :]
            tried += 1
            if SCHEME.is_valid(swapped) or SCHEME.normalise(swapped) is not None:
                undetected.append(swapped)
    assert tried >= 6  # LAN twice, and (written compactly) N/first digit and last digit/check
    assert undetected == []


def test_a_transposition_across_the_separator_is_caught() -> None:
    # The last digit and a digit check character swapped: still URN-shaped, so it must be a failing candidate.
    assert SCHEME.find("LAN-000005-1") == [
        UrnCandidate(as_written="LAN-000005-1", normalised="LAN-000005-1", valid=False, start=0)
    ]


@pytest.mark.parametrize(
    "written",
    [
        "LAN-004217-K",
        "LAN 004217 K",
        "lan004217k",
        "LAN004217K",
        "LAN/004217/K",
        "LAN_004217_K",
        "LAN.004217.K",
        "lan-004217-k",
        "Lan-004217-k",
        "LAN--004217--K",
        "LAN004217 K",
        "  LAN-004217-K  ",
    ],
)
def test_separator_and_case_variants_are_the_same_urn(written: str) -> None:
    assert SCHEME.is_valid(written)
    assert SCHEME.normalise(written) == "LAN-004217-K"
    assert SCHEME.find(written) == [
        UrnCandidate(
            as_written=written.strip(),
            normalised="LAN-004217-K",
            valid=True,
            start=written.index(written.strip()),
        )
    ]


@pytest.mark.parametrize("written", ["LAN - 004217 - K", "LAN – 004217 – K"])
def test_spaced_hyphen_and_en_dash_separators_are_recognised(written: str) -> None:
    # "URN LAN - 004217 - K" is how people type it; Outlook's AutoCorrect turns " - " into " – ".
    assert SCHEME.normalise(written) == "LAN-004217-K"


def test_find_in_free_text_reports_position_and_as_written() -> None:
    text = "Hi, the URN is lan 004217 k. Sibling is LAN-000217-A."
    assert SCHEME.find(text) == [
        UrnCandidate(as_written="lan 004217 k", normalised="LAN-004217-K", valid=True, start=15),
        UrnCandidate(as_written="LAN-000217-A", normalised="LAN-000217-A", valid=True, start=40),
    ]
    assert SCHEME.is_valid(text) is False  # two URNs and other words: not "exactly one URN"
    assert SCHEME.normalise(text) is None


def test_the_same_urn_twice_is_one_candidate() -> None:
    found = SCHEME.find("URN LAN-004217-K (LAN 004217 K)")
    assert [c.normalised for c in found] == ["LAN-004217-K"]
    assert SCHEME.normalise("URN LAN-004217-K (LAN 004217 K)") == "LAN-004217-K"
    assert SCHEME.is_valid("URN LAN-004217-K") is False  # valid URN, but the text is more than the URN


@pytest.mark.parametrize(
    ("text", "as_written", "normalised"),
    [
        ("URN LAN-004217 please", "LAN-004217", "LAN-004217"),
        ("URN: LAN004217.", "LAN004217", "LAN-004217"),
        ("lan-004217", "lan-004217", "LAN-004217"),
    ],
)
def test_a_number_without_its_check_character_is_an_invalid_candidate(
    text: str, as_written: str, normalised: str
) -> None:
    assert SCHEME.find(text) == [
        UrnCandidate(as_written=as_written, normalised=normalised, valid=False, start=text.index(as_written))
    ]
    assert SCHEME.normalise(text) is None
    assert SCHEME.is_valid(as_written) is False


def test_a_wrong_check_character_is_an_invalid_candidate() -> None:
    assert SCHEME.find("LAN-004217-X") == [
        UrnCandidate(as_written="LAN-004217-X", normalised="LAN-004217-X", valid=False, start=0)
    ]
    assert SCHEME.normalise("LAN-004217-X") is None


@pytest.mark.parametrize(
    "text",
    ["", "no urn here", "ULAN-004217-K", "LAN-04217-K", "LAN-0042171-K5", "XLAN004217K", "LAN-00421A-K"],
)
def test_text_that_is_not_urn_shaped_finds_nothing(text: str) -> None:
    assert [c for c in SCHEME.find(text) if c.valid] == []
    assert SCHEME.is_valid(text) is False
    assert SCHEME.normalise(text) is None


def test_other_prefix_and_width() -> None:
    scheme = UrnScheme("BPL", 5)
    assert scheme.is_valid("bpl 00042 d")
    assert scheme.normalise("BPL00042D") == "BPL-00042-D"
    assert scheme.find("LAN-004217-K") == []
    assert scheme.is_valid("BPL-00042-E") is False
