"""Thread an incoming email to the request it belongs to: request references and Message-ID chains (pure).

Our outgoing subjects carry the request reference as ``[SD-000123]``. People retype or mangle it
("Ref SD-000123", "sd 000123", "SD000123"), mail clients prepend "RE:"/"AW:" and gateways prepend
"[EXTERNAL]" or a government security marking, so matching is tolerant and the subject is tried before
the body.
"""

from __future__ import annotations

import re

from mailbot.mail.message import ParsedMessage

REQUEST_PREFIX = "SD"
REQUEST_DIGITS = 6

# "SD-000123", "[SD-000123]", "sd 000123", "SD000123", "SD/000123", "Ref: SD - 000123"
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])SD\s?[\-_/.:#]?\s?(\d{6,12})(?!\d)", re.IGNORECASE)

# One reply/forward prefix, in the languages UK public-sector mail arrives in, plus the tags mail
# gateways and the Government Security Classifications add ("[EXTERNAL]", "OFFICIAL-SENSITIVE:").
_PREFIX = re.compile(
    r"^\s*(?:"
    r"(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|res|enc)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    r"|\[\s*(?:external|ext|external email|caution[^\]]*)\s*\]"
    r"|\*+\s*external\s*\*+"
    r"|external\s*:"
    r"|\[\s*official(?:[\s\-]+sensitive)?\s*\]"
    r"|official(?:[\s\-]+sensitive)?\s*:"
    r"|official[\s\-]+sensitive(?=\s)"
    r")\s*",
    re.IGNORECASE,
)


def format_request_reference(request_id: int) -> str:
    """``123`` → ``"SD-000123"``; raises ValueError for an id below 1 (ids come from the register)."""
    if request_id < 1:
        raise ValueError(f"request id {request_id} is not a register id")
    return f"{REQUEST_PREFIX}-{request_id:0{REQUEST_DIGITS}d}"


def parse_request_reference(reference: str) -> int | None:
    """``"SD-000123"`` (or any tolerant spelling) → ``123``; None when it is not one."""
    match = _REFERENCE.fullmatch(reference.strip().strip("[]").strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if number >= 1 else None


def find_request_references(subject: str, body_text: str) -> list[str]:
    """Request references in the subject, then the body, normalised (``"SD-000123"``) and de-duplicated.

    Give the body as the sender wrote it or whole; references in our own quoted chase-up name the same
    request, so they are harmless. ``SD-000000`` is never a reference.
    """
    found: list[str] = []
    for text in (subject, body_text):
        for match in _REFERENCE.finditer(text):
            number = int(match.group(1))
            if number < 1:
                continue
            reference = format_request_reference(number)
            if reference not in found:
                found.append(reference)
    return found


def thread_message_ids(message: ParsedMessage) -> list[str]:
    """Message-IDs this message answers, best first: In-Reply-To, then References newest-first.

    References lists the thread oldest-first (RFC 5322 section 3.6.4), so the last one is the message
    directly replied to; reversing it finds the nearest of our messages first.
    """
    ids: list[str] = []
    for message_id in (message.in_reply_to, *reversed(message.references)):
        if message_id and message_id not in ids:
            ids.append(message_id)
    return ids


def strip_reply_prefixes(subject: str) -> str:
    """``"RE: RE: [EXTERNAL] FW: Step down"`` → ``"Step down"``: every leading reply, forward and
    gateway tag removed, repeatedly. The ``[SD-000123]`` tag is kept.
    """
    text = " ".join(subject.split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped
