"""Erasure on request: ``mailbot erase --urn URN | --child ID --reason "..."`` removes one person's data
now, for a subject's right to erasure where the law allows it (the council decides that, not mailbot).

What goes is what retention removes (``personal_data.py``), at once and for everything about the
person: the case's (or child's) register details, every raw email and attachment of the case's
requests (a family's documents name every child), what was read from them, the bodies of the emails
sent about them, and the same in any other request whose facts or documents name the child. Files
shared with other rows are deleted too (the same bytes are the same person's data). The case's open
requests are closed as ``erased`` and its unsent emails are not sent. The URN, the rows and an
``erased`` event with the reason stay: write the reason without the person's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from mailbot.errors import ErasureError
from mailbot.register.models import Case, Child, Document, Event, Outbox, Request, ReviewItem
from mailbot.register.storage import Storage
from mailbot.rules.decide import FINISHED_STATES
from mailbot.workflow.personal_data import (
    Forgotten,
    anonymise_child,
    delete_files,
    forget_requests,
    mentions,
    remove_body,
)
from mailbot.workflow.retention import anonymise_case


@dataclass(frozen=True)
class Erasure:
    """What an erasure did (counts and the URN; nothing that names the person)."""

    urn: str
    children: int
    requests_closed: int
    other_requests: int
    forgotten: Forgotten


def _close_open_requests(session: Session, case: Case, now: datetime) -> int:
    """Open requests of the case are closed as ``erased``; their unsent emails are never sent."""
    requests = session.execute(
        select(Request).where(Request.case_id == case.id, Request.state.not_in(FINISHED_STATES))
    ).scalars()
    closed = 0
    for request in requests:
        request.state, request.updated_at = "erased", now
        for row in session.execute(
            select(Outbox).where(Outbox.request_id == request.id, Outbox.state == "pending")
        ).scalars():
            row.state, row.last_error = "failed", "not sent: the person's data was erased"
        closed += 1
    return closed


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` as the JSON columns store it (non-ASCII escaped, wildcards literal)."""
    stored = json.dumps(text)[1:-1]
    return "%" + stored.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _requests_naming(session: Session, names: list[str], exclude_case: int) -> list[Request]:
    """Requests outside the case whose facts or documents name one of ``names`` (as written)."""
    patterns = [_like(name) for name in names if name and len(name.strip()) >= 3]
    if not patterns:
        return []
    in_facts = or_(*(cast(Request.facts, Text).ilike(p, escape="\\") for p in patterns))
    in_documents = select(Document.request_id).where(
        Document.request_id.is_not(None),
        or_(*(cast(Document.facts, Text).ilike(p, escape="\\") for p in patterns)),
    )
    return list(
        session.execute(
            select(Request).where(
                or_(Request.case_id.is_(None), Request.case_id != exclude_case),
                or_(in_facts, Request.id.in_(in_documents)),
            )
        ).scalars()
    )


def _unlinked_emails_naming(
    session: Session, needles: list[str], now: datetime, forgotten: Forgotten
) -> None:
    """Emails about no one request (the weekly digest, review alerts) that name the person or the URN."""
    rows = session.execute(
        select(Outbox).where(Outbox.request_id.is_(None), Outbox.body_removed_at.is_(None))
    ).scalars()
    for row in rows:
        if mentions(row.raw, needles):
            remove_body(row, "erasure", now, forgotten)


def _erase_elsewhere(
    session: Session, case: Case, names: list[str], now: datetime, forgotten: Forgotten
) -> int:
    """Remove the person's data from requests outside the case, each with a review item to check it."""
    others = _requests_naming(session, names, case.id)
    forget_requests(session, others, now, "erasure", forgotten)
    for request in others:
        session.add(
            ReviewItem(
                reason="erasure_elsewhere",
                detail=f"data removed because it named a person erased from {case.urn}; check this request",
                state="open",
                request_id=request.id,
                created_at=now,
            )
        )
    _unlinked_emails_naming(session, [*names, case.urn], now, forgotten)
    return len(others)


def erase_case(session: Session, storage: Storage, urn: str, reason: str, now: datetime) -> Erasure:
    """Erase every child of the case ``urn``; raises ErasureError when there is no such case."""
    case = session.execute(select(Case).where(Case.urn == urn)).scalar_one_or_none()
    if case is None:
        raise ErasureError(f"no case with URN {urn}")
    names = [child.name for child in case.children if child.name]
    closed = _close_open_requests(session, case, now)
    forgotten = anonymise_case(session, case, now, "erasure")
    others = _erase_elsewhere(session, case, names, now, forgotten)
    delete_files(session, storage, forgotten, shared_too=True)
    _record(session, case, None, reason, now, forgotten, closed, others)
    return Erasure(case.urn, forgotten.children, closed, others, forgotten)


def erase_child(session: Session, storage: Storage, child_id: int, reason: str, now: datetime) -> Erasure:
    """Erase one child (register id ``child_id``); the case's other children keep their register
    details, but the case's emails and documents go (they name every child)."""
    child = session.get(Child, child_id)
    if child is None:
        raise ErasureError(f"no child with id {child_id}")
    case = child.case
    names = [child.name] if child.name else []
    closed = _close_open_requests(session, case, now)
    forgotten = Forgotten()
    anonymise_child(session, child, forgotten)
    if not any(other.name or other.date_of_birth for other in case.children if other.id != child.id):
        forgotten.absorb(anonymise_case(session, case, now, "erasure"))
    else:
        requests = list(session.execute(select(Request).where(Request.case_id == case.id)).scalars())
        forget_requests(session, requests, now, "erasure", forgotten)
    others = _erase_elsewhere(session, case, names, now, forgotten)
    delete_files(session, storage, forgotten, shared_too=True)
    _record(session, case, child_id, reason, now, forgotten, closed, others)
    return Erasure(case.urn, 1, closed, others, forgotten)


def _record(
    session: Session,
    case: Case,
    child_id: int | None,
    reason: str,
    now: datetime,
    forgotten: Forgotten,
    closed: int,
    others: int,
) -> None:
    detail = {"urn": case.urn, "reason": reason, "requests_closed": closed, "other_requests": others}
    if child_id is not None:
        detail["child"] = child_id
    session.add(Event(at=now, kind="erased", case_id=case.id, detail={**detail, **forgotten.detail()}))
