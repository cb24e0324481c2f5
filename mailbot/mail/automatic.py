"""Tell automatic mail (auto-replies, bounces, mailing lists, our own mail looping back) from human mail.

Invariant 3 (DESIGN.md): mailbot never answers an automatic message. Detection is by headers, in the
order bounce → loop → auto-reply → mailing list, because a bounce must reach the outbox (it marks our
outgoing message failed) even when it also looks like an auto-reply.

Decisions worth knowing (each one checked against what real mailers send):

- ``Auto-Submitted`` other than ``no`` (RFC 3834), ``X-Autoreply``/``X-Autorespond``, ``Precedence:
  auto_reply|bulk|junk`` and a null ``Return-Path: <>`` (RFC 3834 section 3.3 and every DSN use the
  null reverse path; a person's mail never has it) are enough on their own.
- ``X-Auto-Response-Suppress`` is a *request* from the sender that we do not auto-reply ([MS-OXCMAIL]
  2.1.3.2.20: DR, NDR, RN, NRN, OOF, AutoReply, All); it does not say the message is automatic. Exchange
  stamps it on human mail expanded through a distribution group, so alone it classifies nothing. It
  (or ``X-MS-Exchange-Inbox-Rules-Loop``) only supports a subject that reads like an auto-reply or
  bounce. Exchange's own Out-of-Office replies carry ``Auto-Submitted: auto-replied`` anyway.
- Subjects ("Automatic reply:", "Out of Office", "Undeliverable:") are never enough alone: a social
  worker may well write "Out of office next week - step down for ...". They count only with a
  supporting header.
- A ``References``/``In-Reply-To`` naming one of our Message-IDs is what a human reply to our
  chase-up looks like, so it is not a loop; a loop is a message that itself carries our Message-ID,
  comes from one of our own addresses, or names our mailbox in ``X-Loop``/
  ``X-MS-Exchange-Inbox-Rules-Loop``.

Reasons are short fixed phrases plus header tokens, never a name, address or subject.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from mailbot.mail.message import AutomaticMail, ParsedMessage
from mailbot.mail.parse import normalise_message_id, parse_message_ids

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,30}")

_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:automatic reply|auto(?:matic)?[ -]?reply|auto[ -]?response|out of (?:the )?office|"
    r"abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|"
    r"risposta automatica)\s*:|out of (?:the )?office (?:auto[ -]?)?reply\b)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail returned to sender|"
    r"delivery status notification \((?:failure|delay)\)|"
    r"mail delivery failed|returned mail|delivery has failed|failure notice|message not delivered|"
    r"delivery failure|non remis|unzustellbar|mail delivery subsystem)",
    re.IGNORECASE,
)
_ORIGINAL_ID_LINE = re.compile(r"^message-id:[ \t]*(.+(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


#: The left-hand prefix of every Message-ID our outbox mints.
OWN_MESSAGE_ID_PREFIX = "mailbot."


def is_own_message_id(message_id: str, own_domain: str) -> bool:
    """True when ``message_id`` (brackets optional) was minted by our outbox.

    Our outbox writes ``<mailbot.<hash>@own_domain>`` (``mailbot.mail.compose.deterministic_message_id``).
    The domain alone is not enough: the council's own staff send from the same domain, and some
    Outlook set-ups mint Message-IDs on it too.
    """
    normalised = normalise_message_id(message_id)
    domain = own_domain.strip().lstrip("@").lower()
    if not normalised or not domain:
        return False
    local, _, right = normalised[1:-1].rpartition("@")
    return right.lower() == domain and local.lower().startswith(OWN_MESSAGE_ID_PREFIX)


def _token(value: str | None) -> str:
    """The first word of a header value (lower case), safe to put in a reason."""
    if not value:
        return ""
    match = _TOKEN.search(value.split(";", 1)[0])
    return match.group(0).lower() if match else ""


def _content_type(message: ParsedMessage) -> tuple[str, str]:
    """Top-level (type, report-type) from the Content-Type header."""
    value = message.header("content-type") or ""
    ctype = value.split(";", 1)[0].strip().lower()
    report = re.search(r"report-type\s*=\s*\"?([A-Za-z0-9_\-]+)", value, re.IGNORECASE)
    return ctype, report.group(1).lower() if report else ""


def _null_return_path(message: ParsedMessage) -> bool:
    value = message.header("return-path")
    if value is None:
        return False
    return value.replace(" ", "") in ("<>", "<<>>", "")


def _local_part(message: ParsedMessage) -> str:
    if message.sender is None:
        return ""
    return message.sender.email.rpartition("@")[0].lower() or message.sender.email.lower()


def _delivery_status_fields(message: ParsedMessage) -> list[dict[str, str]]:
    """The per-recipient field groups of every message/delivery-status attachment (RFC 3464 section 2)."""
    groups: list[dict[str, str]] = []
    for attachment in message.attachments:
        if attachment.content_type != "message/delivery-status":
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


def _unfolded_lines(block: str) -> list[str]:
    lines: list[str] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        elif line.strip():
            lines.append(line.strip())
    return lines


def _address_of(field: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org`` (RFC 3464 address-type; address)."""
    _, _, address = field.rpartition(";")
    return address.strip().strip("<>").strip()


def _failed_recipients(message: ParsedMessage) -> tuple[list[str], bool]:
    """Addresses reported failed, and whether the DSN reported only delays (no failure at all)."""
    failed: list[str] = []
    delayed = False
    for fields in _delivery_status_fields(message):
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


def _original_message_id(message: ParsedMessage) -> str | None:
    """Message-ID of the returned message: the message/rfc822 or text/rfc822-headers part, else the body."""
    for attachment in message.attachments:
        if attachment.content_type in ("message/rfc822", "text/rfc822-headers"):
            head = re.split(rb"\r?\n\r?\n", attachment.payload, maxsplit=1)[0]
            match = _ORIGINAL_ID_LINE.search(head.decode("utf-8", "replace"))
            if match:
                ids = parse_message_ids(match.group(1))
                if ids:
                    return ids[0]
    match = _ORIGINAL_ID_LINE.search(message.body_text)  # Exim/qmail quote the returned headers inline
    if match:
        ids = parse_message_ids(match.group(1))
        if ids:
            return ids[0]
    return message.in_reply_to


def _bounce(message: ParsedMessage, reason: str) -> AutomaticMail:
    failed, only_delayed = _failed_recipients(message)
    if only_delayed:
        reason += "; delivery delayed, not failed"
    return AutomaticMail(
        kind="bounce",
        reason=reason,
        original_message_id=_original_message_id(message),
        failed_recipients=tuple(failed),
    )


def _bounce_reason(message: ParsedMessage) -> str | None:
    ctype, report_type = _content_type(message)
    if ctype == "multipart/report" and report_type == "delivery-status":
        return "delivery status notification (RFC 3464 multipart/report)"
    if any(a.content_type == "message/delivery-status" for a in message.attachments):
        return "delivery status notification (message/delivery-status part)"
    if message.header("x-ms-exchange-message-is-ndr") is not None:
        return "Exchange non-delivery report"
    if message.header("x-failed-recipients") is not None:
        return "bounce (X-Failed-Recipients)"
    if message.header("x-mailer-daemon") is not None:
        return "bounce (X-Mailer-Daemon)"
    local = _local_part(message)
    bounce_subject = bool(_BOUNCE_SUBJECT.search(message.subject))
    if local == "mailer-daemon":
        return "bounce from MAILER-DAEMON"
    if local == "postmaster" and (bounce_subject or _null_return_path(message)):
        return "bounce from postmaster"
    if bounce_subject and _null_return_path(message):
        return "bounce (null Return-Path and bounce subject)"
    return None


def _loop_reason(message: ParsedMessage, own: set[str], own_message_id_domain: str | None) -> str | None:
    if message.sender is not None and message.sender.email.lower() in own:
        # A mailbox writing to itself is a loop. One of our mailboxes writing to the other is not:
        # WPEHS staff email CAF@ from preventionearlyhelp@ with a new lead professional's details.
        recipients = {a.email.lower() for a in (*message.to, *message.cc)}
        if message.sender.email.lower() in recipients or not recipients:
            return "sent from one of our own addresses"
    if (
        own_message_id_domain
        and message.message_id
        and is_own_message_id(message.message_id, own_message_id_domain)
    ):
        return "carries one of our own Message-IDs"
    for name in ("x-loop", "x-ms-exchange-inbox-rules-loop"):
        for value in message.header_all(name):
            if any(part.strip().strip("<>").lower() in own for part in re.split(r"[,\s]+", value)):
                return f"{name} names our mailbox"
    return None


def _auto_reply_reason(message: ParsedMessage) -> str | None:
    ctype, report_type = _content_type(message)
    if ctype == "multipart/report" and report_type == "disposition-notification":
        return "read receipt (RFC 8098 disposition notification)"
    auto_submitted = _token(message.header("auto-submitted"))
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated"):
        value = message.header(name)
        if value is not None and _token(value) not in ("no", "false", "0"):
            return f"{name} header"
    precedence = _token(message.header("precedence"))
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    if _null_return_path(message):
        return "null Return-Path"
    return None


def _list_reason(message: ParsedMessage) -> str | None:
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if message.header(name) is not None:
            return f"{name} header"
    if _token(message.header("precedence")) == "list":
        return "Precedence: list"
    return None


def classify_automatic(
    message: ParsedMessage,
    own_addresses: Collection[str],
    *,
    own_message_id_domain: str | None = None,
) -> AutomaticMail | None:
    """Return why ``message`` is automatic mail that must never be answered, or None for human mail.

    ``own_addresses`` are our mailboxes (CAF@, preventionearlyhelp@); ``own_message_id_domain`` is the
    right-hand side of the Message-IDs our outbox mints (config ``message_id_domain``). For a bounce the
    result names the failed recipients and the Message-ID of our message that failed, when the DSN says.
    """
    own = {address.strip().lower() for address in own_addresses if address.strip()}
    reason = _bounce_reason(message)
    if reason:
        return _bounce(message, reason)
    reason = _loop_reason(message, own, own_message_id_domain)
    if reason:
        return AutomaticMail(kind="loop", reason=reason)
    reason = _auto_reply_reason(message)
    if reason:
        return AutomaticMail(kind="auto_reply", reason=reason)
    reason = _list_reason(message)
    if reason:
        return AutomaticMail(kind="mailing_list", reason=reason)
    precedence = _token(message.header("precedence"))
    if precedence in ("bulk", "junk"):
        return AutomaticMail(kind="auto_reply", reason=f"Precedence: {precedence}")
    supporting = [
        name
        for name in ("x-auto-response-suppress", "x-ms-exchange-inbox-rules-loop")
        if message.header(name) is not None
    ]
    if supporting and _AUTO_REPLY_SUBJECT.search(message.subject):
        return AutomaticMail(kind="auto_reply", reason=f"auto-reply subject with {supporting[0]}")
    if supporting and _BOUNCE_SUBJECT.search(message.subject):
        return _bounce(message, f"bounce subject with {supporting[0]}")
    return None
