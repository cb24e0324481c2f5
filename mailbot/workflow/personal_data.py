"""What removing personal data means, table by table; shared by retention (on a timetable) and erasure
(for one person, on request).

Kept: every row (the audit trail and the URN register stay whole), ids, states, timestamps, the URN,
the request type and the missing-item codes, the social workers' addresses, sent emails' headers.
Removed: raw emails and attachments (files in storage), what was read from them (document facts,
file names, problem details, the facts of the request), sent emails' bodies and attachments, the
children's names, dates of birth, LCS ids and postcodes, lead professionals' and allocated workers'
names and contact details on an anonymised case, and the old and new values staff typed on the
console when they corrected a fact or rectified a child (the events keep who, when, which field and
why).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.models import (
    Allocation,
    Case,
    Child,
    Document,
    Event,
    LeadProfessional,
    Message,
    Outbox,
    Request,
)
from mailbot.register.storage import Storage

#: ``messages.raw_path`` of a message whose stored file was removed.
PURGED = "purged"
#: What a removed name or file name reads as.
REMOVED = "(removed)"
_BODY_HEADERS = ("content-type", "content-transfer-encoding", "content-disposition", "mime-version")
#: The keys of a console correction's event that hold what was typed (``rectified``, ``fact_corrected``).
_TYPED_VALUES = ("was", "now", "value")


def headers_only(raw: bytes, why: str, now: datetime) -> bytes:
    """The headers of ``raw`` (who, when, subject, Message-ID, threading) with no body or attachments."""
    headers = BytesHeaderParser(policy=policy.SMTP).parsebytes(raw)
    kept = [(name, value) for name, value in headers.items() if name.lower() not in _BODY_HEADERS]
    lines = [f"{name}: {value}" for name, value in kept]
    lines.append(f"X-Mailbot-Body-Removed: {now.isoformat(timespec='seconds')} ({why})")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def mentions(raw: bytes, needles: Iterable[str]) -> bool:
    """True when a text part of the email ``raw`` contains one of ``needles`` (case-insensitive)."""
    wanted = [needle.casefold() for needle in needles if needle]
    for part in BytesParser(policy=policy.default).parsebytes(raw).walk():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text":
            try:
                text = str(part.get_content()).casefold()
            except (LookupError, ValueError):
                continue
            if any(needle in text for needle in wanted):
                return True
    return False


@dataclass
class Forgotten:
    """What one removal did, for the audit event (counts only: the event itself holds no personal data)."""

    messages: int = 0
    documents: int = 0
    files: int = 0
    emails: int = 0
    requests: int = 0
    children: int = 0
    paths: set[str] = field(default_factory=set)

    def absorb(self, other: Forgotten) -> None:
        """Add ``other``'s counts and files to these."""
        for key, value in other.detail().items():
            setattr(self, key, getattr(self, key) + value)
        self.paths |= other.paths

    def detail(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "documents": self.documents,
            "files": self.files,
            "emails": self.emails,
            "requests": self.requests,
            "children": self.children,
        }


def forget_message(message: Message, forgotten: Forgotten) -> None:
    """The message's stored raw file is to go; the row stays as ``purged``."""
    if message.raw_path != PURGED:
        forgotten.paths.add(message.raw_path)
        message.raw_path = PURGED
        forgotten.messages += 1


def forget_document(document: Document, forgotten: Forgotten) -> None:
    """The attachment's file, what was read from it and its file name go; kind and problem codes stay."""
    if document.stored_path:
        forgotten.paths.add(document.stored_path)
    document.stored_path = None
    document.filename = REMOVED
    document.facts = {"kind": document.kind}
    document.problems = [{"code": p.get("code", ""), "detail": ""} for p in document.problems]
    forgotten.documents += 1


def _forget_typed_values(event: Event) -> None:
    event.detail = {
        key: REMOVED if key in _TYPED_VALUES else value for key, value in (event.detail or {}).items()
    }


def forget_request(session: Session, request: Request, forgotten: Forgotten) -> None:
    """What was read from the request's emails goes, with the facts staff corrected on it; its type,
    state and missing-item codes stay."""
    request.facts = {"bodies": []}
    corrections = select(Event).where(Event.kind == "fact_corrected", Event.request_id == request.id)
    for event in session.execute(corrections).scalars():
        _forget_typed_values(event)
    forgotten.requests += 1


def remove_body(row: Outbox, why: str, now: datetime, forgotten: Forgotten) -> None:
    """A sent (or failed) email keeps its headers only."""
    if row.body_removed_at is None:
        row.raw = headers_only(row.raw, why, now)
        row.body_removed_at = now
        forgotten.emails += 1


def anonymise_child(session: Session, child: Child, forgotten: Forgotten) -> None:
    """The child's register details go, with the values any rectification of them recorded."""
    child.name = child.date_of_birth = child.lcs_id = child.postcode = None
    rectified = select(Event).where(Event.kind == "rectified", Event.case_id == child.case_id)
    for event in session.execute(rectified).scalars():
        if (event.detail or {}).get("child") == child.id:
            _forget_typed_values(event)
    forgotten.children += 1


def anonymise_people_of_case(session: Session, case: Case) -> None:
    """Lead professionals' and allocated workers' names and contacts on the case (roles and agencies stay)."""
    for lp in session.execute(select(LeadProfessional).where(LeadProfessional.case_id == case.id)).scalars():
        lp.name = lp.email = lp.phone = None
    for allocation in session.execute(select(Allocation).where(Allocation.case_id == case.id)).scalars():
        allocation.worker_name, allocation.worker_email = REMOVED, None


def forget_requests(
    session: Session, requests: list[Request], now: datetime, why: str, forgotten: Forgotten
) -> None:
    """Everything read from or sent about ``requests``: raw mail, documents, facts, email bodies."""
    ids = [request.id for request in requests]
    if not ids:
        return
    for request in requests:
        forget_request(session, request, forgotten)
    for message in session.execute(select(Message).where(Message.request_id.in_(ids))).scalars():
        forget_message(message, forgotten)
    for document in session.execute(select(Document).where(Document.request_id.in_(ids))).scalars():
        forget_document(document, forgotten)
    for row in session.execute(select(Outbox).where(Outbox.request_id.in_(ids))).scalars():
        remove_body(row, why, now, forgotten)


def delete_files(session: Session, storage: Storage, forgotten: Forgotten, *, shared_too: bool) -> None:
    """Delete the files ``forgotten`` collected. A content-addressed file that another, kept row still
    points at stays, unless ``shared_too`` (erasure: the same bytes are the same person's data; the
    other rows are then marked as removed too)."""
    for path in sorted(forgotten.paths):
        other_messages = list(session.execute(select(Message).where(Message.raw_path == path)).scalars())
        other_documents = list(
            session.execute(select(Document).where(Document.stored_path == path)).scalars()
        )
        if (other_messages or other_documents) and not shared_too:
            continue
        for message in other_messages:
            forget_message(message, forgotten)
        for document in other_documents:
            forget_document(document, forgotten)
        if storage.delete(path):
            forgotten.files += 1
