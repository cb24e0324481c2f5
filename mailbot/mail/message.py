"""A parsed incoming email as the pure core sees it (values only; parsing lives in ``mailbot.mail.parse``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mailbot.domain.content import InputFile

#: What kind of automatic mail a message is, if any (RFC 3834, RFC 3464 and what Exchange really sends):
#: ``feedback_report`` is an ARF spam complaint about our mail; ``notification`` a machine notice from a
#: no-reply mailbox or an Exchange agent, or a machine report of another kind.
AutomaticKind = Literal["auto_reply", "bounce", "mailing_list", "loop", "feedback_report", "notification"]


@dataclass(frozen=True)
class Address:
    """A mailbox address; ``display_name`` may be a person's name, so it never goes to the logs.

    ``problem`` says why mail cannot be sent to it (``mailbot.mail.addresses``); None when it can, and
    then ``email`` is the form to send to (domain in ASCII). An unusable address keeps the text read.
    """

    email: str
    display_name: str = ""
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class ParsedMessage:
    """One email, decoded.

    ``body_text`` is the text/plain part, or the HTML part reduced to text when there is no plain one
    (Outlook often sends HTML only). ``attachments`` are the real attachments, with inline images
    (``Content-Disposition: inline`` images referenced by ``cid:``) left out. ``headers`` keeps every
    header, lower-cased names, for loop and bounce detection. ``sender_problem`` is set when the From
    header is not exactly one plain mailbox under strict RFC 5322 parsing: such a sender is never
    trusted, whatever its domain.
    """

    message_id: str | None
    subject: str
    sender: Address | None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    date: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    body_text: str = ""
    attachments: tuple[InputFile, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    defects: tuple[str, ...] = field(default=())
    #: Why ``sender`` cannot be trusted as the one author (a malformed or ambiguous From), or None.
    sender_problem: str | None = None

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]


@dataclass(frozen=True)
class AutomaticMail:
    """Why a message is automatic and must never be answered (invariant 3).

    For a bounce, ``original_message_id`` is the Message-ID of our outgoing mail that failed, when the
    DSN says (RFC 3464 ``message/rfc822`` or ``text/rfc822-headers`` part), and ``failed_recipients``
    the addresses the DSN reports as failed.
    """

    kind: AutomaticKind
    reason: str
    original_message_id: str | None = None
    failed_recipients: tuple[str, ...] = ()
