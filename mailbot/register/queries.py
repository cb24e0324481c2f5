"""Read-only queries that build the RegisterView a decision needs (no writes here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from mailbot.domain.facts import Child as ChildFacts
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.facts import LeadProfessional as LeadProfessionalFacts
from mailbot.register.models import Case, Child, Document, Outbox, Request, ReviewItem, normalise_lcs_id
from mailbot.rules.limits import ReplyCounts, hold_keys
from mailbot.rules.view import CaseView, ChildCandidate, RegisterView, RequestView


def case_view(case: Case) -> CaseView:
    lp = case.current_lead_professional
    return CaseView(
        urn=case.urn,
        children=tuple(ChildFacts(c.name, c.date_of_birth, c.lcs_id, c.postcode) for c in case.children),
        lead_professional=LeadProfessionalFacts(lp.name, lp.role, lp.agency, lp.email, lp.phone)
        if lp
        else None,
        status=case.status,
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


def build_view(
    session: Session,
    *,
    request: Request | None,
    urns: Sequence[str],
    children: Sequence[ChildFacts],
    sender: str | None,
    now: datetime,
    pattern: str | None = None,
) -> RegisterView:
    """Gather what the register knows about the URNs and children a message mentions."""
    cases: dict[str, CaseView] = {}
    if urns:
        for case in session.execute(select(Case).where(Case.urn.in_(list(urns)))).scalars():
            cases[case.urn] = case_view(case)
    candidates = child_candidates(session, children)
    return RegisterView(
        open_request=request_view(session, request) if request is not None else None,
        cases=cases,
        child_candidates=tuple(candidates),
        reply_counts=reply_counts(
            session,
            sender=sender,
            request_id=request.id if request is not None else None,
            patterns=[pattern] if pattern else [],
            now=now,
        ),
        today=now.date(),
    )


# The per-message queries are built once, with bound parameters: building a statement and its cache
# key costs more CPU than SQLite takes to answer it. An empty IN list matches nothing.
_CHILD_CANDIDATES = (
    select(Child.name, Child.date_of_birth, Child.lcs_id, Child.postcode, Case.urn)
    .join(Case, Case.id == Child.case_id)
    .where(
        or_(
            Child.lcs_id_normalised.in_(bindparam("lcs_ids", expanding=True)),
            Child.date_of_birth.in_(bindparam("dobs", expanding=True)),
        )
    )
    .order_by(Child.id)
)


def child_candidates(session: Session, children: Sequence[ChildFacts]) -> tuple[ChildCandidate, ...]:
    """Children on the register who may be the ones named: same LCS id (as normalised), or same
    date of birth (the rules compare names). Each condition is answered from its own index."""
    lcs_ids = sorted({key for c in children if (key := normalise_lcs_id(c.lcs_id))})
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
