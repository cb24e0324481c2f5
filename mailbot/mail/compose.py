"""Building the exact bytes of an outgoing email (pure: the caller passes the time and the ids)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr

#: UTF-8 bodies as quoted-printable: readable in any mail source view, and 7-bit safe.
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP

#: compat32 with CRLF line ends, as SMTP wants them.
SMTP_COMPAT = compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class FileToAttach:
    filename: str
    payload: bytes
    content_type: str = "application/octet-stream"


def deterministic_message_id(dedupe_key: str, domain: str) -> str:
    """The Message-ID for an outbox row: the same key always gives the same id (invariant 2).

    After a crash the Sent folder is searched for this id to tell whether the row already went.
    """
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    return f"<mailbot.{digest}@{domain}>"


#: A msg-id as RFC 5322 section 3.6.4 allows it on the wire: printable ASCII in angle brackets.
_WIRE_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,995}>")


def threading_ids(in_reply_to: str | None, references: Sequence[str]) -> tuple[str | None, list[str]]:
    """The In-Reply-To and References ids that may go on the wire; others are left out.

    They come from the incoming message, which may carry control characters or 8-bit bytes in its
    ids; threading is a courtesy, so a bad id is dropped rather than failing the reply.
    """
    usable = [ref for ref in references if _WIRE_MESSAGE_ID.fullmatch(ref)]
    if in_reply_to is None or not _WIRE_MESSAGE_ID.fullmatch(in_reply_to):
        return None, usable
    return in_reply_to, usable


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, UTF8_QP)  # sets the charset and Content-Transfer-Encoding: quoted-printable
    return part


def compose(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str = "auto-replied",
    attachments: Sequence[FileToAttach] = (),
) -> bytes:
    """Return the RFC 5322 bytes of one outgoing email.

    ``Auto-Submitted`` (RFC 3834) tells other robots not to answer us; ``X-Auto-Response-Suppress``
    asks Exchange not to send out-of-office replies to it: together they stop mail loops at both ends.
    """
    # Built with the compat32 MIME classes: the same bytes a modern policy would give for these
    # headers, at a fraction of the cost (the header registry re-parses every value it is given).
    text = text if text.endswith("\n") else text + "\n"
    body: MIMEBase = _text_part(text, "plain")
    if html:
        alternative = MIMEMultipart("alternative")
        alternative.attach(body)
        alternative.attach(_text_part(html if html.endswith("\n") else html + "\n", "html"))
        body = alternative
    if attachments:
        mixed = MIMEMultipart("mixed")
        mixed.attach(body)
        for item in attachments:
            maintype, _, subtype = item.content_type.partition("/")
            part = MIMEBase(maintype, subtype or "octet-stream")
            part.set_payload(item.payload)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", item.filename))
            mixed.attach(part)
        body = mixed
    body["From"] = formataddr((from_name, from_address), charset="utf-8")
    body["To"] = ", ".join(to)
    body["Subject"] = subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    body["Date"] = format_datetime(date)
    body["Message-ID"] = message_id
    in_reply_to, references = threading_ids(in_reply_to, references)
    if in_reply_to:
        body["In-Reply-To"] = in_reply_to
        body["References"] = " ".join([*[r for r in references if r != in_reply_to], in_reply_to])
    body["Auto-Submitted"] = auto_submitted
    body["X-Auto-Response-Suppress"] = "All"
    if "MIME-Version" not in body:
        body["MIME-Version"] = "1.0"
    return body.as_bytes(policy=SMTP_COMPAT)
