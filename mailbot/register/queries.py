"""Read-only queries that build the RegisterView a decision needs (no writes here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from mailbot.domain.facts import Child as ChildFacts
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.facts import LeadProfessional as LeadProfessionalFacts
from mailbot.domain.urn import UrnScheme
from mailbot.register.models import Case, Child, Document, Outbox, Request, ReviewItem
from mailbot.register.staff import staff_holding
from mailbot.register.urn_sequence import urns_remaining
from mailbot.rules.allocation_route import ALLOCATING_ROLES
from mailbot.rules.limits import ReplyCounts, hold_keys
from mailbot.rules.view import (
    AllocationTarget,
    CaseView,
    ChildCandidate,
    HandoffView,
    RegisterView,
    RequestView,
)

#: Our own emails that answer into an allocation: replies to them carry allocation lines.
ALLOCATION_PROMPTS = ("weekly_digest", "meeting_alert")
#: Our own emails from one mailbox that carry work for the other (processed, never ignored as a loop).
HANDOFF_TEMPLATES = ("caf_lp_update",)


def case_view(case: Case) -> CaseView:
    lp = case.current_lead_professional
    return CaseView(
        urn=case.urn,
        children=tuple(ChildFacts(c.name, c.date_of_birth, c.lcs_id, c.postcode) for c in case.children),
        lead_professional=LeadProfessionalFacts(lp.name, lp.role, lp.agency, lp.email, lp.phone)
        if lp
        else None,
        status=case.status,
        district=case.district,
    )


def request_view(session: Session, request: Request) -> RequestView:
    documents = session.execute(
        select(Document).where(Document.request_id == request.id).order_by(Document.id)
    ).scalars()
    return RequestView(
        id=request.id,
        reference=request.reference,
        type=request.type,
        state=request.state,
        mailbox=request.mailbox,
        sender=request.sender,
        urn=request.case.urn if request.case else None,
        chase_count=request.chase_count,
        documents=tuple(DocumentFacts.from_json(d.facts) for d in documents),
        bodies=tuple(DocumentFacts.from_json(b) for b in request.facts.get("bodies", [])),
    )


def find_thread_request(
    session: Session, mailbox: str, references: Sequence[str], thread_ids: Sequence[str]
) -> Request | None:
    """The request a reply belongs to: by ``[SD-000123]`` tag first, then In-Reply-To/References.

    A tag is only trusted for a request of the same mailbox, so a typo cannot graft a reply onto
    another team's request.
    """
    for reference in references:
        digits = reference.upper().removeprefix("SD-").lstrip("0")
        if digits.isdigit():
            request = session.get(Request, int(digits))
            if request is not None and request.mailbox == mailbox:
                return request
    if thread_ids:
        row = session.execute(
            select(Outbox.request_id)
            .where(Outbox.message_id.in_(list(thread_ids)), Outbox.request_id.is_not(None))
            .order_by(Outbox.id.desc())
        ).first()
        if row is not None:
            request = session.get(Request, row[0])
            if request is not None and request.mailbox == mailbox:
                return request
    return None


def answers_allocation_prompt(session: Session, subject: str, thread_ids: Sequence[str]) -> bool:
    """True when a message answers one of our digests or meeting alerts (WD- tag, In-Reply-To/References)."""
    if "[WD-" in subject.upper():
        return True
    if not thread_ids:
        return False
    return (
        session.execute(
            select(Outbox.id).where(
                Outbox.message_id.in_(list(thread_ids)), Outbox.template.in_(ALLOCATION_PROMPTS)
            )
        ).first()
        is not None
    )


def allocation_targets(session: Session) -> dict[str, AllocationTarget]:
    """Every step down waiting for allocation, by URN (the oldest request for a URN wins)."""
    rows = session.execute(
        select(Request.id, Request.state, Case.urn)
        .join(Case, Request.case_id == Case.id)
        .where(Request.state == "awaiting_allocation")
        .order_by(Request.id.desc())
    ).all()
    return {
        urn: AllocationTarget(request_id, f"SD-{request_id:06d}", urn, state)
        for request_id, state, urn in rows
    }


def handoff_view(session: Session, message_id: str | None, mailbox: str, address: str) -> HandoffView | None:
    """The hand-off a message is, when it is one of our own emails from another mailbox to ``address``.

    Only an outbox row proves it: the Message-ID is ours, the template is a hand-off, it was sent by
    another of our mailboxes and to this one. Anything else carrying our Message-ID is a loop.
    """
    if not message_id:
        return None
    row = session.execute(
        select(Outbox).where(Outbox.message_id == message_id, Outbox.template.in_(HANDOFF_TEMPLATES))
    ).scalar_one_or_none()
    if row is None or row.mailbox == mailbox or address.lower() not in [r.lower() for r in row.recipients]:
        return None
    request = session.get(Request, row.request_id) if row.request_id is not None else None
    case = request.case if request is not None else None
    lp = case.current_lead_professional if case is not None else None
    return HandoffView(
        template=row.template,
        urn=case.urn if case is not None else None,
        lead_professional=LeadProfessionalFacts(lp.name, lp.role, lp.agency, lp.email, lp.phone)
        if lp
        else None,
    )


@dataclass(frozen=True)
class ViewQuery:
    """What the shell knows about a message before deciding: what it names and where it threads."""

    request: Request | None
    urns: Sequence[str]
    children: Sequence[ChildFacts]
    sender: str | None
    now: datetime
    allocation_reply: bool = False
    handoff: HandoffView | None = None
    urn_scheme: UrnScheme | None = None
    urn_next_number: int = 1
    #: the message's fingerprint for the reply limits (``mailbot.rules.limits``).
    pattern: str | None = None
    #: for a reply to the digest: console sign-ins since then with an allocating role count as allocators
    #: (None: only the configured list).
    allocators_since: datetime | None = None


def build_view(session: Session, query: ViewQuery) -> RegisterView:
    """Gather what the register knows about the URNs and children a message mentions."""
    urns = [*query.urns, *([query.handoff.urn] if query.handoff and query.handoff.urn else [])]
    cases: dict[str, CaseView] = {}
    if urns:
        for case in session.execute(select(Case).where(Case.urn.in_(list(urns)))).scalars():
            cases[case.urn] = case_view(case)
    if query.request is not None and query.request.case is not None:
        cases.setdefault(query.request.case.urn, case_view(query.request.case))
    return RegisterView(
        open_request=request_view(session, query.request) if query.request is not None else None,
        cases=cases,
        child_candidates=child_candidates(session, query.children),
        reply_counts=reply_counts(
            session,
            sender=query.sender,
            request_id=query.request.id if query.request is not None else None,
            patterns=[query.pattern] if query.pattern else [],
            now=query.now,
        ),
        threads_to_digest=query.allocation_reply,
        allocation_targets=allocation_targets(session) if query.allocation_reply else {},
        today=query.now.date(),
        urns_remaining=(
            urns_remaining(session, query.urn_scheme, query.urn_next_number) if query.urn_scheme else None
        ),
        handoff=query.handoff,
        console_allocators=(
            staff_holding(session, ALLOCATING_ROLES, query.allocators_since)
            if query.allocation_reply and query.allocators_since is not None
            else frozenset()
        ),
    )


# The per-message queries are built once, with bound parameters: building a statement and its cache
# key costs more CPU than SQLite takes to answer it. An empty IN list matches nothing.
_CHILD_CANDIDATES = (
    select(Child.name, Child.date_of_birth, Child.lcs_id, Child.postcode, Case.urn)
    .join(Case, Case.id == Child.case_id)
    .where(
        or_(
            func.upper(Child.lcs_id).in_(bindparam("lcs_ids", expanding=True)),
            Child.date_of_birth.in_(bindparam("dobs", expanding=True)),
        )
    )
    .order_by(Child.id)
)


def child_candidates(session: Session, children: Sequence[ChildFacts]) -> tuple[ChildCandidate, ...]:
    """Children on the register who may be the ones named: same LCS id (in any letter case), or
    same date of birth (the rules compare names). Each condition is answered from its own index
    (``ix_children_lcs_id_upper``, ``ix_children_date_of_birth``); only the columns are read."""
    lcs_ids = sorted({key for c in children if c.lcs_id and (key := c.lcs_id.strip().upper())})
    dobs = sorted({c.date_of_birth for c in children if c.date_of_birth})
    if not lcs_ids and not dobs:
        return ()
    rows = session.execute(_CHILD_CANDIDATES, {"lcs_ids": lcs_ids, "dobs": dobs}).all()
    return tuple(
        ChildCandidate(urn, ChildFacts(name, born, lcs_id, postcode))
        for name, born, lcs_id, postcode, urn in rows
    )


def _count(*conditions: Any) -> Any:
    return select(func.count(literal_column("1"))).select_from(Outbox).where(*conditions).scalar_subquery()


_DAY: BindParameter[datetime] = bindparam("day")
_HOUR: BindParameter[datetime] = bindparam("hour")
#: Each count is its own subquery, answered from its own index, all in one round trip.
_REPLY_COUNTS = select(
    _count(
        Outbox.request_id == bindparam("request_id"),
        Outbox.counterpart.is_not(None),
        Outbox.created_at >= _DAY,
    ).label("thread_last_day"),
    _count(Outbox.pattern.in_(bindparam("patterns", expanding=True)), Outbox.created_at >= _DAY).label(
        "pattern_last_day"
    ),
    _count(Outbox.counterpart == bindparam("who"), Outbox.created_at >= _HOUR).label("sender_last_hour"),
    _count(Outbox.counterpart == bindparam("who"), Outbox.created_at >= _DAY).label("sender_last_day"),
)


def reply_counts(
    session: Session, *, sender: str | None, request_id: int | None, patterns: Sequence[str], now: datetime
) -> ReplyCounts:
    """What was already sent because of this sender, thread and patterns, and the open holds.

    The one query behind every reply limit (``mailbot.rules.limits``): the decisions on incoming mail
    and the chase job both count here, so replies, chase-ups and escalations share the limits. An
    open hold decides on its own (``check_limits`` looks at it first), so then nothing is counted.
    """
    who = sender.lower() if sender else None
    held = open_holds(session, hold_keys(who, request_id, patterns))
    if held:
        return ReplyCounts(held=held)
    if request_id is None and not patterns and not who:
        return ReplyCounts()
    row = session.execute(
        _REPLY_COUNTS,
        {
            # Values no row has stand for "not counted": id 0, no pattern, the empty address.
            "request_id": request_id if request_id is not None else 0,
            "patterns": list(patterns),
            "who": who or "",
            "day": now - timedelta(days=1),
            "hour": now - timedelta(hours=1),
        },
    ).one()
    return ReplyCounts(
        thread_last_day=int(row.thread_last_day),
        pattern_last_day=int(row.pattern_last_day),
        sender_last_hour=int(row.sender_last_hour),
        sender_last_day=int(row.sender_last_day),
    )


_OPEN_HOLDS = (
    select(ReviewItem.hold_key)
    .where(
        ReviewItem.state == "open",
        ReviewItem.hold_key.is_not(None),
        ReviewItem.hold_key.in_(bindparam("keys", expanding=True)),
    )
    .order_by(ReviewItem.id)
)


def open_holds(session: Session, keys: Sequence[str] | None = None) -> tuple[str, ...]:
    """Hold keys with an open review item, oldest first: among ``keys``, or all of them."""
    if keys is not None:
        return tuple(key for key in session.execute(_OPEN_HOLDS, {"keys": list(keys)}).scalars() if key)
    query = select(ReviewItem.hold_key).where(ReviewItem.state == "open", ReviewItem.hold_key.is_not(None))
    return tuple(key for key in session.execute(query.order_by(ReviewItem.id)).scalars() if key)


def request_patterns(session: Session, request_id: int) -> list[str]:
    """The patterns of the messages that made mailbot write about this request (for the chase job)."""
    rows = session.execute(
        select(Outbox.pattern).where(Outbox.request_id == request_id, Outbox.pattern.is_not(None)).distinct()
    ).scalars()
    return [p for p in rows if p]
