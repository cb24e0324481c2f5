"""``apply``: carry out a Decision in the caller's transaction (the imperative shell's one writer).

Everything a decision changes — request, case, children, lead professional, documents, outbox rows,
review items, events and the message's state — is written in the same transaction, so a crash
leaves either all of it or none (invariants 1 and 2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.domain.facts import Child as ChildFacts
from mailbot.domain.facts import DocumentFacts
from mailbot.errors import UrnCapacityError
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
    ReviewItem,
)
from mailbot.register.models import (
    Sequence as SequenceRow,
)
from mailbot.rules.actions import (
    AttachCase,
    Decision,
    Ignore,
    IssueUrn,
    MarkOutboxFailed,
    QueueForAllocation,
    RecordAllocation,
    RecordLeadProfessional,
    ReuseUrn,
    Review,
    Send,
)
from mailbot.rules.districts import district_for_postcode
from mailbot.rules.urn_capacity import urn_capacity
from mailbot.transports.outgoing import Shell, queue_email, request_documents

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    """Facts of one attachment and where its bytes are stored (None for files inside containers)."""

    facts: DocumentFacts
    stored_path: str | None


def next_urn(session: Session, settings: Settings) -> str:
    """Take the next URN from the shared sequence with one atomic UPDATE (safe across instances).

    Raises ``UrnCapacityError`` when the configured width holds no further number: the caller's
    transaction is rolled back and the message waits for an operator to widen ``[urn] width``
    (``mailbot status`` has warned from 90 % on).
    """
    table = cast(Table, SequenceRow.__table__)
    # A plain UPDATE on the session's connection: no unit-of-work flush, no ORM synchronisation.
    result = (
        session.connection()
        .execute(
            update(table)
            .where(table.c.name == "urn")
            .values(last_value=table.c.last_value + 1)
            .returning(table.c.last_value)
        )
        .scalar_one_or_none()
    )
    if result is None:
        session.add(SequenceRow(name="urn", last_value=1))
        session.flush()
        result = 1
    capacity = urn_capacity(settings.urn)
    if result > capacity:
        raise UrnCapacityError(
            f"URN {result:,} does not fit the {settings.urn.width}-digit width ({capacity:,} issued): "
            "widen [urn] width in the config"
        )
    return settings.urn.format(result)


def _case(session: Session, urn: str) -> Case:
    return session.execute(select(Case).where(Case.urn == urn)).scalar_one()


def _add_children(session: Session, case: Case, children: Sequence[ChildFacts]) -> None:
    for child in children:
        case.children.append(
            Child(
                name=child.name,
                date_of_birth=child.date_of_birth,
                lcs_id=child.lcs_id,
                postcode=child.postcode,
            )
        )


@dataclass(frozen=True)
class Incoming:
    """The message being applied: its register row, ids for threading, facts of its body and files."""

    row: Message
    sender_name: str | None
    message_id: str | None
    references: tuple[str, ...]
    body: DocumentFacts
    documents: tuple[StoredDocument, ...]
    #: the message's fingerprint for the reply limits (``mailbot.rules.limits.message_pattern``)
    pattern: str | None = None


def apply(
    session: Session,
    shell: Shell,
    decision: Decision,
    incoming: Incoming,
    request: Request | None,
    now: datetime,
) -> Request | None:
    """Carry out ``decision`` for ``incoming``; returns the request it now belongs to (if any)."""
    settings = shell.settings
    message = incoming.row
    if decision.request_type is not None and request is None:
        # Written once with its final values (an INSERT, then no UPDATE of the same row).
        request = Request(
            mailbox=message.mailbox,
            type=decision.request_type,
            state=decision.state,
            sender=message.sender or "",
            missing=list(decision.missing),
            facts={"bodies": [incoming.body.to_json()]},
            chase_count=0,
            last_activity_at=now,
            meeting_date=decision.meeting_date,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        session.flush()
        message.request_id = request.id
    elif request is not None:
        request.state = decision.state
        request.missing = list(decision.missing)
        request.facts = {
            **request.facts,
            "bodies": [*request.facts.get("bodies", []), incoming.body.to_json()],
        }
        request.last_activity_at = now
        request.updated_at = now
        request.meeting_date = decision.meeting_date or request.meeting_date
        message.request_id = request.id
    # The message's documents are added once the request's case is settled (so they are written
    # with it, not updated after) and before anything that reads them (attachments, "filed").
    documents_added = False
    for action in decision.actions:
        if not documents_added and not isinstance(action, IssueUrn | ReuseUrn | AttachCase):
            _add_documents(session, incoming, request, now)
            documents_added = True
        if isinstance(action, IssueUrn):
            district = (
                district_for_postcode(action.district_postcode, settings.districts)
                if action.district_postcode
                else None
            )
            case = Case(
                urn=next_urn(session, settings),
                status="open",
                district=district,
                created_at=now,
                updated_at=now,
                children=[],
            )
            _add_children(session, case, action.children)
            session.add(case)
            session.flush()
            _link_case(session, request, case)
        elif isinstance(action, ReuseUrn):
            case = _case(session, action.urn)
            _add_children(session, case, action.new_children)
            _link_case(session, request, case)
        elif isinstance(action, AttachCase):
            _link_case(session, request, _case(session, action.urn))
        elif isinstance(action, RecordLeadProfessional):
            record_lead_professional(
                session, _case(session, action.urn), action.lead_professional, request, now
            )
        elif isinstance(action, RecordAllocation):
            pass  # allocations are applied by mailbot.workflow.allocation, which owns that workflow
        elif isinstance(action, QueueForAllocation):
            session.add(
                Event(
                    at=now,
                    kind="queued_for_allocation",
                    request_id=request.id if request else None,
                    detail={},
                )
            )
        elif isinstance(action, Send):
            attachments = (
                request_documents(session, shell, request)
                if action.attach_documents_of_request and request
                else []
            )
            to_sender = bool(action.to) and action.to[0] == message.sender
            context = dict(action.context)
            if action.template == "filed" and request is not None:
                context.setdefault("documents", _documents_context(session, request))
            queue_email(
                session,
                shell,
                template=action.template,
                to=action.to,
                context=context,
                recipient_name=incoming.sender_name if to_sender else None,
                dedupe_key=f"m{message.id}:{action.template}:{action.key}",
                mailbox_name=message.mailbox,
                request=request,
                now=now,
                personal=action.personal,
                in_reply_to=incoming.message_id if to_sender else None,
                references=incoming.references,
                attachments=attachments,
                counterpart=message.sender,
                pattern=incoming.pattern,
            )
        elif isinstance(action, Review):
            if action.hold_key and open_hold(session, action.hold_key):
                continue  # one review item per hold: a flood or a loop is one item, not one per message
            session.add(
                ReviewItem(
                    reason=action.reason,
                    detail=action.detail,
                    state="open",
                    request_id=request.id if request else None,
                    message_row_id=message.id,
                    hold_key=action.hold_key or None,
                    created_at=now,
                )
            )
        elif isinstance(action, MarkOutboxFailed):
            session.execute(
                update(Outbox)
                .where(Outbox.message_id == action.message_id)
                .values(state="failed", last_error="bounced: delivery failed")
            )
        elif isinstance(action, Ignore):
            pass
    if not documents_added:
        _add_documents(session, incoming, request, now)
    message.state = decision.message_state
    message.processed_at = now
    session.add(
        Event(
            at=now,
            kind="decision",
            request_id=request.id if request else None,
            case_id=request.case_id if request else None,
            message_row_id=message.id,
            detail={
                "request_type": decision.request_type,
                "state": decision.state,
                "actions": [type(a).__name__ for a in decision.actions],
                "explanation": list(decision.explanation),
            },
        )
    )
    return request


def open_hold(session: Session, hold_key: str) -> bool:
    """True when a review item holding emails under ``hold_key`` is open (``mailbot.rules.limits``)."""
    return (
        session.execute(
            select(ReviewItem.id).where(ReviewItem.hold_key == hold_key, ReviewItem.state == "open").limit(1)
        ).first()
        is not None
    )


def _documents_context(session: Session, request: Request) -> list[dict[str, str]]:
    rows = session.execute(
        select(Document).where(Document.request_id == request.id).order_by(Document.id)
    ).scalars()
    return [
        {
            "filename": d.filename,
            "kind": d.kind if d.kind in ("taf_minutes", "assessment", "plan") else "other",
        }
        for d in rows
    ]


def _add_documents(session: Session, incoming: Incoming, request: Request | None, now: datetime) -> None:
    case_id = (request.case.id if request.case is not None else request.case_id) if request else None
    for stored in incoming.documents:
        session.add(
            Document(
                message_row_id=incoming.row.id,
                request_id=request.id if request else None,
                case_id=case_id,
                filename=stored.facts.file,
                kind=stored.facts.kind,
                sha256=stored.facts.sha256,
                stored_path=stored.stored_path,
                facts=stored.facts.to_json(),
                problems=[p.to_json() for p in stored.facts.problems],
                created_at=now,
            )
        )


def _link_case(session: Session, request: Request | None, case: Case) -> None:
    if request is None:
        return
    request.case = case  # the relationship, so templates see the case without a reload
    # Documents of earlier messages of the request (this message's are written with the case). A
    # plain UPDATE: rows loaded before keep their old case id in memory, and nothing here reads it.
    session.flush()
    documents = cast(Table, Document.__table__)
    session.connection().execute(
        update(documents).where(documents.c.request_id == request.id).values(case_id=case.id)
    )


def record_lead_professional(
    session: Session, case: Case, lead_professional: Any, request: Request | None, now: datetime
) -> LeadProfessional:
    """End the case's current LP (kept as history) and make ``lead_professional`` current."""
    session.execute(
        update(LeadProfessional)
        .where(LeadProfessional.case_id == case.id, LeadProfessional.ended_at.is_(None))
        .values(ended_at=now)
    )
    row = LeadProfessional(
        case_id=case.id,
        name=lead_professional.name,
        role=lead_professional.role,
        agency=lead_professional.agency,
        email=lead_professional.email,
        phone=lead_professional.phone,
        recorded_at=now,
        request_id=request.id if request else None,
    )
    session.add(row)
    case.updated_at = now
    session.flush()
    return row


def record_allocation(
    session: Session, request: Request, action: RecordAllocation, source: str, now: datetime
) -> Allocation:
    """Write an allocation row for ``request`` (the allocation workflow sends the emails)."""
    assert request.case_id is not None
    row = Allocation(
        request_id=request.id,
        case_id=request.case_id,
        worker_name=action.worker_name,
        worker_email=action.worker_email,
        team=action.team,
        source=source,
        allocated_at=now,
    )
    session.add(row)
    session.flush()
    return row
