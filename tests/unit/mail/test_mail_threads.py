"""Request references, Message-ID chains and subject prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.mail.message import ParsedMessage
from mailbot.mail.parse import parse_message
from mailbot.mail.threads import (
    find_request_references,
    format_request_reference,
    parse_request_reference,
    strip_reply_prefixes,
    thread_message_ids,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"


def test_format_request_reference() -> None:
    assert format_request_reference(123) == "SD-000123"
    assert format_request_reference(1234567) == "SD-1234567"
    with pytest.raises(ValueError):
        format_request_reference(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SD-000123", 123),
        ("[SD-000123]", 123),
        ("sd 000123", 123),
        ("SD000123", 123),
        ("SD-123", None),
        ("X", None),
    ],
)
def test_parse_request_reference(text: str, expected: int | None) -> None:
    assert parse_request_reference(text) == expected


def test_find_request_references_subject_first_and_tolerant() -> None:
    assert find_request_references(
        "RE: [SD-000124] Step down",
        "Ref SD-000125, also sd 000126 and SD/000127; USD1234567, SD-12, SD-000000, SD-0000124 again",
    ) == ["SD-000124", "SD-000125", "SD-000126", "SD-000127"]
    assert find_request_references("Step down", "") == []


def test_thread_message_ids_newest_first() -> None:
    message = ParsedMessage(
        message_id="<m@x>",
        subject="",
        sender=None,
        in_reply_to="<c@x>",
        references=("<a@x>", "<b@x>", "<c@x>"),
    )
    assert thread_message_ids(message) == ["<c@x>", "<b@x>", "<a@x>"]


def test_thread_message_ids_from_fixture() -> None:
    message = parse_message((FIXTURES / "reply_to_chase.eml").read_bytes())
    assert thread_message_ids(message) == [
        "<mailbot.5d41402abc4b2a76b9719d911017c592@mailbot.lancashire.gov.uk>",
        "<mailbot.7d793037a0760186574b0282f2f435e7@mailbot.lancashire.gov.uk>",
    ]
    assert find_request_references(message.subject, message.body_text) == ["SD-000123"]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("RE: RE: [EXTERNAL] FW: Step down", "Step down"),
        ("AW: WG: Sv: [SD-000123] Step down", "[SD-000123] Step down"),
        ("Fwd: Re[2]: plan", "plan"),
        ("[EXTERNAL] OFFICIAL-SENSITIVE: RE: FW: Health visitor report", "Health visitor report"),
        ("OFFICIAL: Re: x", "x"),
        ("Official visit", "Official visit"),
        ("External review meeting", "External review meeting"),
        ("Regarding the plan", "Regarding the plan"),
        ("RE:", ""),
    ],
)
def test_strip_reply_prefixes(subject: str, expected: str) -> None:
    assert strip_reply_prefixes(subject) == expected
