"""The trust rule judges parsed, plain addresses; trusted domains accept ``*.`` patterns."""

from __future__ import annotations

import pytest

from mailbot.mail.parse import parse_message, sender_problem
from mailbot.rules.trust import address_domain, domain_matches, domain_pattern_problem, is_trusted_address

TRUSTED = ("lancashire.gov.uk", "nhs.net", "*.lancs.sch.uk")


@pytest.mark.parametrize(
    "address",
    [
        "sam.worker@lancashire.gov.uk",
        "<Kim@Schools.Lancashire.gov.uk>",
        "nurse.kim@nhs.net",
        "head@stmarys.lancs.sch.uk",
        "office@a.b.lancs.sch.uk",
        "o'brien+caf@lancashire.gov.uk",
    ],
)
def test_trusted(address: str) -> None:
    assert is_trusted_address(address, TRUSTED)


@pytest.mark.parametrize(
    "address",
    [
        "@lancashire.gov.uk",  # empty local part
        "<@lancashire.gov.uk>",
        "a%evil.com@lancashire.gov.uk",  # percent hack: some relays route it on to a@evil.com
        "evil.com!a@lancashire.gov.uk",  # UUCP bang path
        '"evil@example.com, x"@lancashire.gov.uk',  # quoted local part with a comma
        '"a,b"@lancashire.gov.uk',
        "evil@example.com@lancashire.gov.uk",  # a second @
        "Jane <jane@lancashire.gov.uk>",  # a display name means it was never parsed
        "jane @lancashire.gov.uk",
        "jane@lancashire.gov.uk.",  # trailing dot
        "jane@lancashire.gov.uk.evil.com",
        "jane@evil-lancashire.gov.uk",
        "jane@[192.0.2.1]",
        "jane@lancashire",
        "jdöe@lancashire.gov.uk",
        "jane@xn--mchine-bua.lancashire.gov.uk.",
        "lancs.sch.uk@lancs.sch.uk",  # *.lancs.sch.uk is the subdomains only
        "jane@lancs.sch.uk",
        "no-domain",
        "",
    ],
)
def test_not_trusted(address: str) -> None:
    assert not is_trusted_address(address, TRUSTED)


def test_address_domain_is_lower_case_and_plain() -> None:
    assert address_domain("Sam@Lancashire.GOV.uk") == "lancashire.gov.uk"
    assert address_domain("a%b@lancashire.gov.uk") is None


@pytest.mark.parametrize(
    ("domain", "pattern", "expected"),
    [
        ("lancashire.gov.uk", "lancashire.gov.uk", True),
        ("school.lancashire.gov.uk", "lancashire.gov.uk", True),
        ("school.lancashire.gov.uk", "@lancashire.gov.uk", True),
        ("x.lancs.sch.uk", "*.lancs.sch.uk", True),
        ("lancs.sch.uk", "*.lancs.sch.uk", False),
        ("evillancs.sch.uk", "*.lancs.sch.uk", False),
    ],
)
def test_domain_patterns(domain: str, pattern: str, expected: bool) -> None:
    assert domain_matches(domain, pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("lancashire.gov.uk", True),
        ("*.lancs.sch.uk", True),
        ("@nhs.net", True),
        ("lancs.*.uk", False),
        ("*lancs.sch.uk", False),
        ("localhost", False),
        ("lancashire gov uk", False),
    ],
)
def test_pattern_problems(pattern: str, ok: bool) -> None:
    assert (domain_pattern_problem(pattern) is None) is ok


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Sam Worker <sw@lancashire.gov.uk>", None),
        ("=?utf-8?Q?Worker=2C_Sam?= <sw@lancashire.gov.uk>", None),  # the comma is inside an encoded word
        ('"Worker, Sam" <sw@lancashire.gov.uk>', None),
        # The display-name trick: a lenient parser reads the trusted text as the first address.
        ("sw@lancashire.gov.uk <evil@example.com>", "malformed From header"),
        ("Worker, Sam <sw@lancashire.gov.uk>", "malformed From header"),
        ("Big Bug bb@bug.com", "malformed From header"),
        ("<@lancashire.gov.uk>", "malformed From header"),
        ("a@example.org, b@lancashire.gov.uk", "From names more than one mailbox"),
    ],
)
def test_from_header_must_be_one_plain_mailbox(value: str, problem: str | None) -> None:
    assert sender_problem([value]) == problem


def test_two_from_headers_are_a_problem() -> None:
    raw = b"From: a@lancashire.gov.uk\r\nFrom: b@example.org\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse_message(raw).sender_problem == "more than one From header"


def test_display_name_trick_parsed_from_a_message() -> None:
    raw = b"From: sw@lancashire.gov.uk <evil@example.com>\r\nSubject: URN request\r\n\r\nbody\r\n"
    message = parse_message(raw)
    assert message.sender_problem == "malformed From header"
