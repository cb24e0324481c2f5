"""``apply``: carry out a Decision in the caller's transaction (the imperative shell's one writer).

Everything a decision changes — request, case, children, lead professional, allocations, documents,
outbox rows, review items, events and the message's state — is written in the same transaction, so a
crash leaves either all of it or none (invariants 1 and 2). Each action has one handler; ``match``
with ``assert_never`` makes an action nobody handles a type error, not a silent no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from mailbot.domain.facts import Child as ChildFacts
from mailbot.domain.facts import DocumentFacts
from mailbot.errors import AllocationError
from mailbot.register.models import Case, Child, Document, Event, Message, Outbox, Request, ReviewItem
from mailbot.register.urn_sequence import issue_urn
from mailbot.rules.actions import (
    Action,
    AttachCase,
    Decision,
    ExpectTafMinutes,
    Ignore,
    IssueUrn,
    MarkOutboxFailed,
    QueueForAllocation,
    RecordAllocation,
    RecordLeadProfessional,
    ReuseUrn,
    Review,
    SatisfyTafExpectation,
    Send,
)
from mailbot.rules.districts import district_for_postcode
from mailbot.transports.outgoing import Shell, queue_email, request_documents
from mailbot.workflow.allocation import allocate
from mailbot.workflow.records import AWAITING_TAF, close_taf_expectations, record_lead_professional

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    """Facts of one attachment and where its bytes are stored (None for files inside containers)."""

    facts: DocumentFacts
    stored_path: str | None


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


#: Actions that settle which case the request is on; they come first in a decision, and a
#: message's documents are written after them, with the case.
CASE_SETTLING = (IssueUrn, ReuseUrn, AttachCase)


@dataclass(frozen=True)
class Origin:
    """What a decision answers, for threading and deduplicating its emails: a message that arrived
    (``m<row id>``) or a person's action on the console (``r<review item>``, ``p<request>``...)."""

    dedupe_prefix: str
    mailbox: str
    message_row_id: int | None
    sender: str | None
    sender_name: str | None = None
    message_id: str | None = None
    references: tuple[str, ...] = ()
    #: the message's fingerprint for the reply limits (``mailbot.rules.limits.message_pattern``)
    pattern: str | None = None

    @classmethod
    def of(cls, incoming: Incoming) -> Origin:
        row = incoming.row
        return cls(
            f"m{row.id}",
            row.mailbox,
            row.id,
            row.sender,
            incoming.sender_name,
            incoming.message_id,
            incoming.references,
            incoming.pattern,
        )


@dataclass
class _Applying:
    """One decision being carried out: what every handler needs."""

    session: Session
    shell: Shell
    origin: Origin
    request: Request | None
    now: datetime
    #: set when carrying out an action found something a person must see (the decision did not know)
    needs_review: bool = False


def _case(session: Session, urn: str) -> Case:
    return session.execute(select(Case).where(Case.urn == urn)).scalar_one()


def _add_children(case: Case, children: Sequence[ChildFacts]) -> None:
    for child in children:
        case.children.append(
            Child(
                name=child.name,
                date_of_birth=child.date_of_birth,
                lcs_id=child.lcs_id,
                postcode=child.postcode,
            )
        )


def apply(
    session: Session,
    shell: Shell,
    decision: Decision,
    incoming: Incoming,
    request: Request | None,
    now: datetime,
) -> Request | None:
    """Carry out ``decision`` for ``incoming``; returns the request it now belongs to (if any).

    A decision with no request type (automatic mail, an allocation reply) touches no request, even
    when the message threads to one (a reply to a meeting alert carries the step down's tag).
    """
    message = incoming.row
    request_type = decision.request_type
    if request_type and request is None:
        request = _new_request(session, request_type, decision, incoming, now)
    elif request_type and request is not None:
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
    else:
        request = None
    # The message's documents are added once the request's case is settled (so they are written with
    # it, not updated after) and before anything that reads them (attachments, "filed").
    settling = 0
    while settling < len(decision.actions) and isinstance(decision.actions[settling], CASE_SETTLING):
        settling += 1
    origin = Origin.of(incoming)
    needs_review = carry_out(session, shell, decision.actions[:settling], request, origin, now)
    _add_documents(session, incoming, request, now)
    needs_review = carry_out(session, shell, decision.actions[settling:], request, origin, now) or needs_review
    message.state = "review" if needs_review else decision.message_state
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


def _new_request(
    session: Session, request_type: str, decision: Decision, incoming: Incoming, now: datetime
) -> Request:
    """A request for the message, written once with its final values (an INSERT, then no UPDATE of
    the same row)."""
    message = incoming.row
    request = Request(
        mailbox=message.mailbox,
        type=request_type,
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
    return request


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


def carry_out(
    session: Session,
    shell: Shell,
    actions: Sequence[Action],
    request: Request | None,
    origin: Origin,
    now: datetime,
) -> bool:
    """Carry out ``actions`` for ``request``: the one place a decision's actions become rows, whether
    the decision answered a message (``apply``) or a person made it on the console. True when carrying
    them out found something a person must see that the decision did not know (a lost allocation race).
    """
    applying = _Applying(session, shell, origin, request, now)
    for action in actions:
        _carry_out(applying, action)
    return applying.needs_review


def _carry_out(applying: _Applying, action: Action) -> None:
    session, request, now = applying.session, applying.request, applying.now
    match action:
        case IssueUrn():
            _issue_urn(applying, action)
        case ReuseUrn():
            case = _case(session, action.urn)
            _add_children(case, action.new_children)
            _link_case(session, request, case)
        case AttachCase():
            _link_case(session, request, _case(session, action.urn))
        case RecordLeadProfessional():
            record_lead_professional(
                session, _case(session, action.urn), action.lead_professional, request, now
            )
        case ExpectTafMinutes():
            _expect_taf_minutes(applying, action)
        case SatisfyTafExpectation():
            close_taf_expectations(session, _case(session, action.urn), now, state="done", keep=request)
        case RecordAllocation():
            _record_allocation(applying, action)
        case QueueForAllocation():
            session.add(
                Event(
                    at=now,
                    kind="queued_for_allocation",
                    request_id=request.id if request else None,
                    detail={},
                )
            )
        case Send():
            _send(applying, action)
        case Review():
            if action.hold_key and open_hold(session, action.hold_key):
                return  # one review item per hold: a flood or a loop is one item, not one per message
            _review(applying, action.reason, action.detail, action.hold_key)
        case MarkOutboxFailed():
            session.execute(
                update(Outbox)
                .where(Outbox.message_id == action.message_id)
                .values(state="failed", last_error="bounced: delivery failed")
            )
        case Ignore():
            pass
        case _:
            assert_never(action)


def _issue_urn(applying: _Applying, action: IssueUrn) -> None:
    session, now = applying.session, applying.now
    settings = applying.shell.settings
    district = (
        district_for_postcode(action.district_postcode, settings.districts)
        if action.district_postcode
        else None
    )
    case = Case(
        urn=issue_urn(session, settings.urn, settings.urn_next_number),
        status="open",
        district=district,
        created_at=now,
        updated_at=now,
        children=[],
    )
    _add_children(case, action.children)
    session.add(case)
    session.flush()
    _link_case(session, applying.request, case)


def open_hold(session: Session, hold_key: str) -> bool:
    """True when a review item holding emails under ``hold_key`` is open (``mailbot.rules.limits``)."""
    return (
        session.execute(
            select(ReviewItem.id).where(ReviewItem.hold_key == hold_key, ReviewItem.state == "open").limit(1)
        ).first()
        is not None
    )


def _review(applying: _Applying, reason: str, detail: str, hold_key: str = "") -> None:
    applying.session.add(
        ReviewItem(
            reason=reason,
            detail=detail,
            state="open",
            request_id=applying.request.id if applying.request else None,
            message_row_id=applying.origin.message_row_id,
            hold_key=hold_key or None,
            created_at=applying.now,
        )
    )


def _send(applying: _Applying, action: Send) -> None:
    session, shell, request, origin = applying.session, applying.shell, applying.request, applying.origin
    attachments = (
        request_documents(session, shell, request) if action.attach_documents_of_request and request else []
    )
    to_sender = bool(action.to) and action.to[0] == origin.sender
    context = dict(action.context)
    if action.template == "filed" and request is not None:
        context.setdefault("documents", _documents_context(session, request))
    queue_email(
        session,
        shell,
        template=action.template,
        to=action.to,
        context=context,
        recipient_name=origin.sender_name if to_sender else None,
        dedupe_key=f"{origin.dedupe_prefix}:{action.template}:{action.key}",
        mailbox_name=origin.mailbox,
        request=request,
        now=applying.now,
        personal=action.personal,
        in_reply_to=origin.message_id if to_sender else None,
        references=origin.references,
        attachments=attachments,
        counterpart=origin.sender,
        pattern=origin.pattern,
        auto_submitted="auto-replied" if to_sender else "auto-generated",
    )


def _record_allocation(applying: _Applying, action: RecordAllocation) -> None:
    try:
        allocate(
            applying.session,
            applying.shell,
            urn=action.urn,
            worker_name=action.worker_name,
            worker_email=action.worker_email,
            team=action.team,
            source="email",
            now=applying.now,
        )
    except AllocationError:
        # Allocated by someone else between the view and now (the console, a second reply). ``allocate``
        # raises before it writes anything, so there is nothing to undo.
        _review(applying, "allocation_unreadable", f"{action.urn}: no step down for this URN is waiting now")
        applying.needs_review = True


def _expect_taf_minutes(applying: _Applying, action: ExpectTafMinutes) -> None:
    """Open the request that waits for the new LP's TAF minutes and, when allowed, email the LP."""
    session, shell, now = applying.session, applying.shell, applying.now
    case = _case(session, action.urn)
    close_taf_expectations(session, case, now, state="superseded")
    caf = shell.settings.mailbox_by_role("caf")
    lp = action.lead_professional
    waiting = Request(
        mailbox=caf.name,
        type="taf_minutes",
        state=AWAITING_TAF,
        sender=(lp.email or "").lower(),
        case=case,
        missing=["taf_document"],
        facts={"bodies": [], "lead_professional": lp.to_json()},
        chase_count=0,
        due_on=action.due_on,
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(waiting)
    session.flush()
    session.add(
        Event(
            at=now,
            kind="taf_minutes_expected",
            request_id=waiting.id,
            case_id=case.id,
            detail={"due_on": action.due_on.isoformat(), "lead_professional_told": action.notify},
        )
    )
    if action.notify and lp.email:
        queue_email(
            session,
            shell,
            template="lead_professional_welcome",
            to=[lp.email],
            context={"lead_professional": lp.to_json(), "taf_due_on": action.due_on},
            dedupe_key=f"r{waiting.id}:lead_professional_welcome",
            mailbox_name=caf.name,
            request=waiting,
            now=now,
            recipient_name=lp.name,
            auto_submitted="auto-generated",
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
