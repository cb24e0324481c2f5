"""Writing the case's lasting records: its lead professional (with history), allocations, and the
TAF minutes CAF@ waits for. Shared by ``apply`` and the allocation workflow, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbot.domain.facts import LeadProfessional as LeadProfessionalFacts
from mailbot.errors import AllocationError
from mailbot.register.models import Allocation, Case, Event, LeadProfessional, Request
from mailbot.rules.actions import RecordAllocation

#: The state of a request that waits for the new LP's first TAF minutes.
AWAITING_TAF = "awaiting_taf"


def _same_person(row: LeadProfessional, lead_professional: LeadProfessionalFacts) -> bool:
    same_name = (row.name or "").casefold().split() == (lead_professional.name or "").casefold().split()
    emails = {(row.email or "").lower(), (lead_professional.email or "").lower()} - {""}
    return same_name and len(emails) <= 1


def record_lead_professional(
    session: Session,
    case: Case,
    lead_professional: LeadProfessionalFacts,
    request: Request | None,
    now: datetime,
) -> LeadProfessional:
    """Make ``lead_professional`` the case's current LP; the previous one is kept, ended, as history.

    Recording the LP the case already has changes nothing but gaps filled in (WPEHS's allocation
    records the worker, then its update to CAF@ names the same worker again).
    """
    current = (
        session.execute(
            select(LeadProfessional)
            .where(LeadProfessional.case_id == case.id, LeadProfessional.ended_at.is_(None))
            .order_by(LeadProfessional.id.desc())
        )
        .scalars()
        .first()
    )
    if current is not None and _same_person(current, lead_professional):
        current.role = current.role or lead_professional.role
        current.agency = current.agency or lead_professional.agency
        current.email = current.email or lead_professional.email
        current.phone = current.phone or lead_professional.phone
        return current
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
    session.expire(case, ["lead_professionals"])
    return row


def record_allocation(
    session: Session, request: Request, action: RecordAllocation, source: str, now: datetime
) -> Allocation:
    """Write an allocation row for ``request`` (the allocation workflow sends the emails)."""
    if request.case_id is None:
        raise AllocationError(f"request {request.reference} has no case to allocate")
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


def close_taf_expectations(
    session: Session, case: Case, now: datetime, *, state: str, keep: Request | None = None
) -> int:
    """End every request on ``case`` still waiting for TAF minutes (except ``keep``); returns how many."""
    waiting = session.execute(
        select(Request).where(Request.case_id == case.id, Request.state == AWAITING_TAF)
    ).scalars()
    closed = 0
    for request in waiting:
        if keep is not None and request.id == keep.id:
            continue
        request.state = state
        request.missing = []
        request.updated_at = now
        session.add(
            Event(at=now, kind=f"taf_expectation_{state}", request_id=request.id, case_id=case.id, detail={})
        )
        closed += 1
    return closed
