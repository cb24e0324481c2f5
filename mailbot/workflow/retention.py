"""Retention: personal data is removed on the council's timetable (``[retention]``), and each purge is
recorded in the audit log.

Three clocks, each off when set to 0:
- ``raw_mail_days`` after an incoming message was processed, once its request is finished (or it
  had none): its raw file, its attachments, what was read from them and from the request's emails.
- ``sent_mail_days`` after an email was sent (or failed): its body and attachments; headers stay.
- ``closed_case_days`` after a case's last request finished, with none still open: the children's
  details, the lead professionals' and workers' names and contacts, and everything above for every
  request of the case, whatever its own clock says. The URN, the rows and the audit trail stay.
Nothing still being worked on is touched: an unfinished request keeps everything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from mailbot.config import RetentionSection
from mailbot.register.database import Register
from mailbot.register.models import Case, Child, Document, Event, Message, Outbox, Request
from mailbot.register.storage import Storage
from mailbot.rules.decide import FINISHED_STATES
from mailbot.workflow.personal_data import (
    PURGED,
    Forgotten,
    anonymise_child,
    anonymise_people_of_case,
    delete_files,
    forget_document,
    forget_message,
    forget_request,
    forget_requests,
    remove_body,
)

log = logging.getLogger(__name__)
#: Rows handled per transaction, so a first purge of years of mail neither holds locks long nor fails whole.
BATCH = 200

__all__ = [
    "PURGED",
    "PurgeResult",
    "anonymise_case",
    "purge",
    "purge_closed_cases",
    "purge_raw_mail",
    "purge_sent_mail",
]


@dataclass
class PurgeResult:
    """Counts per clock (``messages`` and ``files`` kept for callers of the first version)."""

    raw_mail: Forgotten = field(default_factory=Forgotten)
    sent_mail: Forgotten = field(default_factory=Forgotten)
    closed_cases: int = 0

    @property
    def messages(self) -> int:
        return self.raw_mail.messages

    @property
    def files(self) -> int:
        return self.raw_mail.files


def _record(session: Session, now: datetime, stage: str, days: int, forgotten: Forgotten) -> None:
    session.add(
        Event(at=now, kind="retention_purge", detail={"stage": stage, "days": days, **forgotten.detail()})
    )


def purge_raw_mail(register: Register, storage: Storage, days: int, now: datetime) -> Forgotten:
    """Raw messages and documents of finished requests processed more than ``days`` ago."""
    total = Forgotten()
    if days <= 0:
        return total
    cutoff = now - timedelta(days=days)
    while True:
        forgotten = Forgotten()
        with register.transaction() as session:
            messages = list(
                session.execute(
                    select(Message)
                    .where(
                        Message.direction == "in",
                        Message.processed_at.is_not(None),
                        Message.processed_at < cutoff,
                        Message.raw_path != PURGED,
                        or_(
                            Message.request_id.is_(None),
                            exists(
                                select(Request.id).where(
                                    Request.id == Message.request_id, Request.state.in_(FINISHED_STATES)
                                )
                            ),
                        ),
                    )
                    .order_by(Message.id)
                    .limit(BATCH)
                ).scalars()
            )
            for message in messages:
                forget_message(message, forgotten)
                for document in message_documents(session, message):
                    forget_document(document, forgotten)
            for request in _requests_without_raw_mail(
                session, {m.request_id for m in messages if m.request_id}
            ):
                forget_request(session, request, forgotten)
            delete_files(session, storage, forgotten, shared_too=False)
            if messages:
                _record(session, now, "raw_mail", days, forgotten)
        total.absorb(forgotten)
        if len(messages) < BATCH:
            return total


def message_documents(session: Session, message: Message) -> list[Document]:
    return list(session.execute(select(Document).where(Document.message_row_id == message.id)).scalars())


def _requests_without_raw_mail(session: Session, ids: set[int]) -> list[Request]:
    """Of ``ids``, the requests none of whose incoming messages still has its raw file."""
    if not ids:
        return []
    kept = select(Message.id).where(
        Message.request_id == Request.id, Message.direction == "in", Message.raw_path != PURGED
    )
    return list(session.execute(select(Request).where(Request.id.in_(ids), ~exists(kept))).scalars())


def purge_sent_mail(register: Register, days: int, now: datetime) -> Forgotten:
    """Bodies and attachments of emails sent (or failed) more than ``days`` ago; headers stay."""
    total = Forgotten()
    if days <= 0:
        return total
    cutoff = now - timedelta(days=days)
    done = or_(
        (Outbox.state == "sent") & (Outbox.sent_at < cutoff),
        (Outbox.state == "failed") & (Outbox.created_at < cutoff),
    )
    while True:
        forgotten = Forgotten()
        with register.transaction() as session:
            rows = list(
                session.execute(
                    select(Outbox)
                    .where(done, Outbox.body_removed_at.is_(None))
                    .order_by(Outbox.id)
                    .limit(BATCH)
                ).scalars()
            )
            for row in rows:
                remove_body(row, "retention", now, forgotten)
            if rows:
                _record(session, now, "sent_mail", days, forgotten)
        total.absorb(forgotten)
        if len(rows) < BATCH:
            return total


def anonymise_case(session: Session, case: Case, now: datetime, why: str) -> Forgotten:
    """Remove the personal data of one case and everything sent or received about it; the URN stays."""
    forgotten = Forgotten()
    for child in session.execute(select(Child).where(Child.case_id == case.id)).scalars():
        anonymise_child(session, child, forgotten)
    anonymise_people_of_case(session, case)
    requests = list(session.execute(select(Request).where(Request.case_id == case.id)).scalars())
    forget_requests(session, requests, now, why, forgotten)
    for document in session.execute(select(Document).where(Document.case_id == case.id)).scalars():
        forget_document(document, forgotten)
    case.anonymised_at = now
    case.status = "anonymised"
    case.updated_at = now
    return forgotten


def purge_closed_cases(register: Register, storage: Storage, days: int, now: datetime) -> int:
    """Anonymise cases whose requests are all finished and whose last one finished ``days`` ago."""
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    still_active = select(Request.id).where(
        Request.case_id == Case.id,
        or_(Request.state.not_in(FINISHED_STATES), Request.updated_at >= cutoff),
    )
    count = 0
    while True:
        with register.transaction() as session:
            cases = list(
                session.execute(
                    select(Case)
                    .where(Case.anonymised_at.is_(None), Case.updated_at < cutoff, ~exists(still_active))
                    .order_by(Case.id)
                    .limit(BATCH)
                ).scalars()
            )
            for case in cases:
                forgotten = anonymise_case(session, case, now, "retention")
                delete_files(session, storage, forgotten, shared_too=False)
                session.add(
                    Event(
                        at=now,
                        kind="case_anonymised",
                        case_id=case.id,
                        detail={"urn": case.urn, "reason": "retention", "days": days, **forgotten.detail()},
                    )
                )
        count += len(cases)
        if len(cases) < BATCH:
            return count


def purge(register: Register, storage: Storage, retention: RetentionSection, now: datetime) -> PurgeResult:
    """Run the three clocks (closed cases first, so a case's mail goes with it); returns the counts."""
    result = PurgeResult(closed_cases=purge_closed_cases(register, storage, retention.closed_case_days, now))
    result.raw_mail = purge_raw_mail(register, storage, retention.raw_mail_days, now)
    result.sent_mail = purge_sent_mail(register, retention.sent_mail_days, now)
    log.info(
        "retention purge cases=%s messages=%s files=%s emails=%s",
        result.closed_cases,
        result.raw_mail.messages,
        result.raw_mail.files,
        result.sent_mail.emails,
    )
    return result
