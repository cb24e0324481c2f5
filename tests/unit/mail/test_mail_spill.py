"""Taking a big email apart in a stream: large parts out byte for byte, the rest parsed as before."""

from __future__ import annotations

import io
import os
from email.message import EmailMessage
from email.policy import SMTP

from mailbot.mail.parse import parse_message
from mailbot.mail.spill import placeholder, skeleton_of, spilled_token

MB = 1024 * 1024


class Collect:
    """A Spill that keeps each part's bytes in memory (the service writes them to storage)."""

    def __init__(self) -> None:
        self.parts: dict[str, bytearray] = {}
        self._current = ""

    def begin(self) -> str:
        self._current = str(len(self.parts) + 1)
        self.parts[self._current] = bytearray()
        return self._current

    def write(self, decoded: bytes) -> None:
        self.parts[self._current] += decoded

    def end(self) -> None:
        self._current = ""


def _message(*attachments: tuple[str, str, bytes], html: bool = True) -> bytes:
    message = EmailMessage()
    message["From"] = "Sam Worker <sw.one@lancashire.gov.uk>"
    message["To"] = "caf@lancashire.gov.uk"
    message["Subject"] = "URN request"
    message["Message-ID"] = "<big@outlook.example.net>"
    message.set_content("Please can I request a URN. Consent has been given.")
    if html:
        message.add_alternative("<p>Please can I request a URN. Consent has been given.</p>", subtype="html")
    for name, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def test_a_large_part_is_streamed_out_and_the_rest_parses_as_before() -> None:
    scan = os.urandom(3 * MB)
    plan = b"%PDF-1.4 a small plan" + os.urandom(2000)
    raw = _message(
        ("Assessment.docx", "application/octet-stream", scan), ("Plan.pdf", "application/pdf", plan)
    )
    spill = Collect()
    skeleton = skeleton_of(io.BytesIO(raw), MB, spill)
    assert len(skeleton) < 200 * 1024 < len(raw)
    assert list(spill.parts) == ["1"] and bytes(spill.parts["1"]) == scan
    whole, parts = parse_message(raw), parse_message(skeleton)
    assert (parts.subject, parts.body_text, parts.sender) == (whole.subject, whole.body_text, whole.sender)
    assert [a.filename for a in parts.attachments] == ["Assessment.docx", "Plan.pdf"]
    assert spilled_token(parts.attachments[0].payload) == "1"
    assert parts.attachments[1].payload == plan and spilled_token(plan) is None


def test_a_small_message_is_copied_unchanged() -> None:
    raw = _message(("Plan.pdf", "application/pdf", b"%PDF-1.4" + os.urandom(5000)))
    spill = Collect()
    assert skeleton_of(io.BytesIO(raw), MB, spill) == raw
    assert spill.parts == {}


def test_several_large_parts_each_get_a_token() -> None:
    first, second = os.urandom(2 * MB), os.urandom(MB + 100)
    raw = _message(
        ("a.docx", "application/octet-stream", first), ("b.pdf", "application/pdf", second), html=False
    )
    spill = Collect()
    parsed = parse_message(skeleton_of(io.BytesIO(raw), MB, spill))
    assert [spilled_token(a.payload) for a in parsed.attachments] == ["1", "2"]
    assert (bytes(spill.parts["1"]), bytes(spill.parts["2"])) == (first, second)


def test_a_forwarded_message_is_kept_whole() -> None:
    inner = _message(("inner.docx", "application/octet-stream", os.urandom(2 * MB)), html=False)
    outer = EmailMessage()
    outer["From"] = "Sam Worker <sw.one@lancashire.gov.uk>"
    outer["To"] = "caf@lancashire.gov.uk"
    outer["Subject"] = "FW: URN request"
    outer.set_content("Forwarding this one.")
    outer.add_attachment(inner, maintype="message", subtype="rfc822")
    raw = outer.as_bytes(policy=SMTP)
    spill = Collect()
    assert skeleton_of(io.BytesIO(raw), MB, spill) == raw
    assert spill.parts == {}


def test_a_placeholder_is_recognised_only_exactly() -> None:
    assert spilled_token(placeholder("7")) == "7"
    assert spilled_token(placeholder("7")[:-1]) is None
    assert spilled_token(b"mailbot-spilled-part:7\n") is None
