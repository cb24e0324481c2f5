"""compose: outgoing bytes parse back with the stdlib, carry the anti-loop headers and thread correctly."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from typing import Any

from mailbot.mail.compose import FileToAttach, compose, deterministic_message_id

WHEN = datetime(2025, 3, 12, 9, 30, tzinfo=timezone(timedelta(hours=0)))
MID = "<mailbot.9e02a261f23ac38a708d042fb1ca4d35@lancashire.gov.uk>"


def text_of(part: object) -> str:
    """A text part's content with the wire's CRLF line ends read back as newlines."""
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def build(**overrides: Any) -> bytes:
    values: dict[str, Any] = {
        "from_address": "CAF@lancashire.gov.uk",
        "from_name": "CAF Database Team",
        "to": ["jane.doe@lancashire.gov.uk"],
        "subject": "URN issued [SD-000007]",
        "text": "The URN is LAN-004217-K.\n",
        "html": None,
        "message_id": MID,
        "date": WHEN,
    }
    values.update(overrides)
    return compose(**values)


def test_deterministic_message_id_is_stable_and_distinct() -> None:
    first = deterministic_message_id("request-7:chase-0", "lancashire.gov.uk")
    assert first == MID  # the same key must give the same id in every release (crash recovery)
    assert deterministic_message_id("request-7:chase-0", "lancashire.gov.uk") == first
    assert deterministic_message_id("request-7:chase-1", "lancashire.gov.uk") != first
    other_domain = deterministic_message_id("request-7:chase-0", "example.org")
    assert other_domain == MID.replace("lancashire.gov.uk", "example.org")
    assert re.fullmatch(r"<mailbot\.[0-9a-f]{32}@lancashire\.gov\.uk>", first)


def test_plain_reply_headers_and_body() -> None:
    raw = build()
    assert b"\r\n" in raw  # SMTP policy: CRLF line ends on the wire
    message = parse(raw)
    assert message["From"] == "CAF Database Team <CAF@lancashire.gov.uk>"
    assert message["To"] == "jane.doe@lancashire.gov.uk"
    assert message["Subject"] == "URN issued [SD-000007]"
    assert message["Message-ID"] == MID
    assert parsedate_to_datetime(message["Date"]) == WHEN
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert message.get_content_type() == "text/plain"
    assert text_of(message) == "The URN is LAN-004217-K.\n"


def test_threading_headers_put_in_reply_to_last_once() -> None:
    message = parse(
        build(
            in_reply_to="<b@x.gov.uk>",
            references=["<a@x.gov.uk>", "<b@x.gov.uk>", "<c@x.gov.uk>"],
        )
    )
    assert message["In-Reply-To"] == "<b@x.gov.uk>"
    assert message["References"] == "<a@x.gov.uk> <c@x.gov.uk> <b@x.gov.uk>"


def test_in_reply_to_without_references_starts_the_references() -> None:
    message = parse(build(in_reply_to="<b@x.gov.uk>"))
    assert message["References"] == "<b@x.gov.uk>"


def test_auto_submitted_value_can_be_auto_generated() -> None:
    assert parse(build(auto_submitted="auto-generated"))["Auto-Submitted"] == "auto-generated"


def test_several_recipients_and_non_ascii() -> None:
    message = parse(
        build(
            to=["a@lancashire.gov.uk", "b@nhs.net"],
            from_name="Équipe CAF",
            subject="Réponse — URN LAN-004217-K",
            text="Zoë’s URN is LAN-004217-K.\n",
            date=datetime(2025, 3, 12, 9, 30, tzinfo=UTC),
        )
    )
    assert message["To"] == "a@lancashire.gov.uk, b@nhs.net"
    assert message["From"] == "Équipe CAF <CAF@lancashire.gov.uk>"
    assert message["Subject"] == "Réponse — URN LAN-004217-K"
    assert text_of(message) == "Zoë’s URN is LAN-004217-K.\n"


def test_html_alternative_and_attachments_round_trip() -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    docx = b"PK\x03\x04" + b"\x00\xff" * 300
    raw = build(
        html="<p>The URN is <b>LAN-004217-K</b>.</p>",
        attachments=[
            FileToAttach("Early Help Assessment.pdf", pdf, "application/pdf"),
            FileToAttach("plan.docx", docx),
        ],
    )
    message = parse(raw)
    assert message.get_content_type() == "multipart/mixed"
    assert message["Auto-Submitted"] == "auto-replied"
    body = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text_of(body) == "The URN is LAN-004217-K.\n"
    assert text_of(html) == "<p>The URN is <b>LAN-004217-K</b>.</p>\n"
    attachments = [
        (a.get_filename(), a.get_content_type(), a.get_content()) for a in message.iter_attachments()
    ]
    assert attachments == [
        ("Early Help Assessment.pdf", "application/pdf", pdf),
        ("plan.docx", "application/octet-stream", docx),
    ]


def test_compose_is_deterministic_apart_from_multipart_boundaries() -> None:
    assert build() == build()
    boundary = re.compile(rb"===============\d+==")
    first = build(html="<p>x</p>", attachments=[FileToAttach("a.txt", b"a", "text/plain")])
    second = build(html="<p>x</p>", attachments=[FileToAttach("a.txt", b"a", "text/plain")])
    assert len(boundary.findall(first)) >= 4
    assert boundary.sub(b"B", first) == boundary.sub(b"B", second)


def test_greeting_names_drop_organisations_and_reorder_directory_names() -> None:
    from mailbot.transports.outgoing import greeting_name

    assert greeting_name("Nurse Kim (LANCASHIRE AND SOUTH CUMBRIA NHS FOUNDATION TRUST)") == "Nurse Kim"
    assert greeting_name("Worker, Sam") == "Sam Worker"
    assert greeting_name('"Sam Worker [CSC]"') == "Sam Worker"
    assert greeting_name("sam.worker@lancashire.gov.uk") is None
    assert greeting_name("") is None
