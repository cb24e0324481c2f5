"""check_address: whether mail can be sent to an address over plain SMTP, and in what form (pure)."""

from __future__ import annotations

import pytest

from mailbot.mail.addresses import check_address, hides_another_address
from mailbot.mail.compose import threading_ids
from mailbot.mail.parse import parse_message, parse_sender


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sw.one@lancashire.gov.uk", "sw.one@lancashire.gov.uk"),
        ("  Jo.Bloggs@Lancashire.GOV.UK ", "Jo.Bloggs@lancashire.gov.uk"),  # domain case folded only
        ("jo@mächine.example", "jo@xn--mchine-bua.example"),  # IDNA: plain SMTP can carry it
        ("nurse+caf@nhs.net", "nurse+caf@nhs.net"),
    ],
)
def test_a_sendable_address_comes_back_in_its_sending_form(text: str, expected: str) -> None:
    assert check_address(text).address == expected
    assert check_address(text).problem is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("josé@example.org", "SMTPUTF8"),
        ("jdöe@mächine.example", "SMTPUTF8"),
        ("Big Bug bb@bug.com", "SPACE"),
        ("sw\x01one@lancashire.gov.uk", "control characters"),
        ("sw.one@lancashire.gov.uk\r\nRCPT TO:<x@y>", "control characters"),
        ('"sam worker"@lancashire.gov.uk', "Quoting"),
        ("sw.one@lancashire.gov.uk.", "period"),
        ("MAILER-DAEMON", "@-sign"),
        ("", "no address"),
        ("x@host.invalid", "special-use"),
    ],
)
def test_an_address_mail_cannot_be_sent_to_says_why(text: str, words: str) -> None:
    checked = check_address(text)
    assert checked.address is None
    assert checked.problem is not None and words in checked.problem


def test_a_non_ascii_local_part_is_sendable_where_smtputf8_is_used() -> None:
    assert check_address("josé@example.org", smtputf8=True).address == "josé@example.org"


def test_the_parsed_sender_carries_the_problem_and_keeps_the_text_read() -> None:
    sender = parse_sender("Big Bug bb@bug.com")
    assert sender is not None and not sender.usable
    assert sender.email == "Big Bug bb@bug.com" and "SPACE" in (sender.problem or "")
    parsed = parse_message(b"From: Jo <Jo@M\xc3\xa4chine.example>\r\nSubject: x\r\n\r\nhi\r\n")
    assert parsed.sender is not None and parsed.sender.usable
    assert (parsed.sender.email, parsed.sender.display_name) == ("Jo@xn--mchine-bua.example", "Jo")


def test_threading_ids_that_cannot_go_on_the_wire_are_left_out() -> None:
    assert threading_ids("<a@b>", ["<r1@x>", "<r\x01@x>", "<caf\u00e9@x>", "<a b@x>"]) == (
        "<a@b>",
        ["<r1@x>"],
    )
    assert threading_ids("<a\x01@b>", ["<r1@x>"]) == (None, ["<r1@x>"])
    assert threading_ids(None, []) == (None, [])


@pytest.mark.parametrize(
    ("text", "hides"),
    [
        ('"evil@evil.example, x"@lancashire.gov.uk', True),
        ('"sam worker"@lancashire.gov.uk', False),
        ("sw.one@lancashire.gov.uk", False),
        ("Big Bug bb@bug.com", False),
    ],
)
def test_an_address_hiding_another_in_its_local_part_is_recognised(text: str, hides: bool) -> None:
    assert hides_another_address(text) is hides
