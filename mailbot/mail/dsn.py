"""Read delivery status notifications (RFC 3464) and the bounces that are not quite DSNs (pure).

From a bounce mailbot needs two things: which of our messages failed (its Message-ID) and for
which recipients. Real bounces say it in different places: the ``message/delivery-status`` part
(Postfix, Sendmail, Exchange, Gmail), ``message/global-delivery-status`` (RFC 6533), an
``X-Failed-Recipients`` header (Exim, Gmail), the returned message as ``message/rfc822`` or
``text/rfc822-headers``, or only quoted inline in the text (Exim, qmail).
"""

from __future__ import annotations

import re

from mailbot.mail.message import ParsedMessage
from mailbot.mail.parse import parse_message_ids

#: MIME types of the per-recipient status parts (RFC 3464 and its internationalised form, RFC 6533).
STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status")

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,30}")
_ORIGINAL_ID_LINE = re.compile(r"^message-id:[ \t]*(.+(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def _token(value: str | None) -> str:
    if not value:
        return ""
    match = _TOKEN.search(value.split(";", 1)[0])
    return match.group(0).lower() if match else ""


def _unfolded_lines(block: str) -> list[str]:
    lines: list[str] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        elif line.strip():
            lines.append(line.strip())
    return lines


def status_field_groups(message: ParsedMessage) -> list[dict[str, str]]:
    """The field groups of every delivery-status part (RFC 3464 section 2), names lower-cased."""
    groups: list[dict[str, str]] = []
    for attachment in message.attachments:
        if attachment.content_type not in STATUS_TYPES:
            continue
        text = attachment.payload.decode("utf-8", "replace").replace("\r\n", "\n")
        for block in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            for line in _unfolded_lines(block):
                name, _, value = line.partition(":")
                if value:
                    fields.setdefault(name.strip().lower(), value.strip())
            if fields:
                groups.append(fields)
    return groups


def _address_of(field: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org`` (RFC 3464 address-type; address)."""
    _, _, address = field.rpartition(";")
    return address.strip().strip("<>").strip()


def failed_recipients(message: ParsedMessage) -> tuple[list[str], bool]:
    """Addresses reported failed, and whether the DSN reported only delays (no failure at all)."""
    failed: list[str] = []
    delayed = False
    for fields in status_field_groups(message):
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        action = _token(fields.get("action"))
        if recipient and action == "failed":
            address = _address_of(recipient)
            if address and address.lower() not in (a.lower() for a in failed):
                failed.append(address)
        elif recipient and action == "delayed":
            delayed = True
    for value in message.header_all("x-failed-recipients"):  # Exim, and Gmail's bounces
        for address in re.split(r"[,\s]+", value):
            if "@" in address and address.lower() not in (a.lower() for a in failed):
                failed.append(address.strip("<>"))
    return failed, delayed and not failed


def original_message_id(message: ParsedMessage) -> str | None:
    """Message-ID of the returned message: the message/rfc822 or text/rfc822-headers part, else the
    text (Exim and qmail quote the returned headers inline), else In-Reply-To.
    """
    for attachment in message.attachments:
        if attachment.content_type in ("message/rfc822", "text/rfc822-headers"):
            head = re.split(rb"\r?\n\r?\n", attachment.payload, maxsplit=1)[0]
            match = _ORIGINAL_ID_LINE.search(head.decode("utf-8", "replace"))
            if match:
                ids = parse_message_ids(match.group(1))
                if ids:
                    return ids[0]
    match = _ORIGINAL_ID_LINE.search(message.body_text)
    if match:
        ids = parse_message_ids(match.group(1))
        if ids:
            return ids[0]
    return message.in_reply_to
