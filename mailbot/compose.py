"""Building the exact bytes of an outgoing email (pure: the caller passes the time and the ids)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr


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
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((from_name, from_address))
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*[r for r in references if r != in_reply_to], in_reply_to])
    message["Auto-Submitted"] = auto_submitted
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.payload, maintype=maintype, subtype=subtype or "octet-stream", filename=item.filename
        )
    return message.as_bytes()
