"""Small RFC 5322 messages for transport and source tests (no personal data: invented addresses only)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

_counter = itertools.count(1)


def simple_message(
    sender: str = "sw.one@lancashire.gov.uk",
    to: str = "caf@lancashire.gov.uk",
    *,
    subject: str | None = None,
    body: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """A short text/plain message with CRLF line ends; each call gets a fresh Message-ID and body."""
    n = next(_counter)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject or f"Test message {n}"
    message["Date"] = format_datetime(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(f"test{n}", domain="tests.mailbot.invalid")
    message.set_content(body or f"Body of test message {n}.\n")
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
