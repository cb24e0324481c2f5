"""Open attachments that hold other attachments: winmail.dat (TNEF), Outlook .msg and forwarded .eml.

Outlook wraps a step down in these more often than anyone would like: a forward "as attachment"
arrives as a .msg or .eml, and Exchange with rich text turned on sends winmail.dat. Each container
yields its own body text (``media="email"``) when it has one, then every inner attachment read by the
dispatcher, with a name that says where it came from (``winmail.dat/assessment.docx``). Containers
nest at most ``MAX_DEPTH`` deep; deeper ones get a problem rather than recursion without end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import extract_msg
from extract_msg.enums import AttachmentType
from striprtf.striprtf import rtf_to_text
from tnefparse.tnef import TNEF

from mailbot.documents.legacy import decode_text, html_to_text
from mailbot.domain.content import DocumentContent, InputFile, Paragraph
from mailbot.mail.parse import parse_message

#: A forward of a forward of a forward is real; a fourth level is almost certainly a loop or a trick.
MAX_DEPTH = 3

#: The dispatcher's reader, passed in so this module does not import it back.
ReadInner = Callable[[InputFile, int], list[DocumentContent]]


def inner_name(container: str, name: str) -> str:
    """``winmail.dat/plan.pdf``: where an inner file came from, for the social worker and the register."""
    return f"{container}/{name or 'attachment'}"


def body_content(container: str, text: str) -> list[DocumentContent]:
    """The container's own message text as a ``media="email"`` document, or nothing when it is blank."""
    blocks = [
        Paragraph(line.strip(), f"line {number}")
        for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1)
    ]
    if not blocks:
        return []
    return [DocumentContent(file=container, media="email", blocks=tuple(blocks))]


def read_tnef(file: InputFile, depth: int, read_inner: ReadInner) -> list[DocumentContent]:
    """Read winmail.dat: its body (plain, else HTML, else RTF) and its attachments."""
    tnef = TNEF(file.payload, do_checksum=False)
    contents = body_content(file.filename, _tnef_body(tnef))
    for attachment in tnef.attachments:
        name = _as_text(attachment.long_filename()) or _as_text(attachment.name)
        data = attachment.data if isinstance(attachment.data, bytes) else b""
        inner = InputFile(inner_name(file.filename, name), "application/octet-stream", data)
        contents.extend(read_inner(inner, depth + 1))
    return contents


def _tnef_body(tnef: TNEF) -> str:
    if tnef.body:
        return _as_text(tnef.body)
    if tnef.htmlbody:
        return html_to_text(_as_text(tnef.htmlbody))
    rtf = tnef.rtfbody
    if rtf:
        return str(rtf_to_text(_as_text(rtf), errors="ignore"))  # type: ignore[no-untyped-call]
    return ""


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return decode_text(value).strip("\x00").strip()
    return "" if value is None else str(value).strip("\x00").strip()


def read_msg(file: InputFile, depth: int, read_inner: ReadInner) -> list[DocumentContent]:
    """Read an Outlook .msg: its body and its attachments (an embedded .msg is read in turn)."""
    message = extract_msg.openMsg(file.payload, delayAttachments=False)
    try:
        return _msg_contents(message, file.filename, depth, read_inner)
    finally:
        message.close()


def _msg_contents(message: Any, name: str, depth: int, read_inner: ReadInner) -> list[DocumentContent]:
    body = message.body or ""
    if not body.strip() and message.htmlBody:
        body = html_to_text(_as_text(message.htmlBody))
    contents = body_content(name, body)
    for attachment in message.attachments:
        attachment_name = _as_text(attachment.longFilename or attachment.shortFilename or attachment.name)
        if attachment.type == AttachmentType.MSG and attachment.data is not None:
            embedded_name = inner_name(name, attachment_name or "message.msg")
            if depth + 1 > MAX_DEPTH:
                contents.extend(
                    read_inner(InputFile(embedded_name, "application/vnd.ms-outlook", b""), depth + 1)
                )
            else:
                contents.extend(_msg_contents(attachment.data, embedded_name, depth + 1, read_inner))
            continue
        data = attachment.data
        if not isinstance(data, bytes):
            continue  # web links and signed wrappers carry no file of their own
        inner = InputFile(inner_name(name, attachment_name), "application/octet-stream", data)
        contents.extend(read_inner(inner, depth + 1))
    return contents


def read_eml(file: InputFile, depth: int, read_inner: ReadInner) -> list[DocumentContent]:
    """Read a forwarded message (.eml, message/rfc822) with the same MIME parser as incoming mail."""
    message = parse_message(file.payload)
    contents = body_content(file.filename, message.body_text)
    for attachment in message.attachments:
        inner = InputFile(
            inner_name(file.filename, attachment.filename),
            attachment.content_type,
            attachment.payload,
            dict(attachment.extra),
        )
        contents.extend(read_inner(inner, depth + 1))
    return contents
