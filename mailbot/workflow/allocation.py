"""Recording a WPEHS allocation and everything that follows it (Lancashire's process, in order).

Allocation → feedback to the social worker "for LCS recording" → the worker recorded as the case's
new lead professional → CAF@ told, with the assessment and plan attached. All in one transaction, so
either the whole step happens or none of it. A worker allocated to attend a multi-agency meeting
(``meeting_representation``) is not the lead professional: the meeting agrees who is, and the social
worker then tells CAF@ (the multi-agency route), so only the feedback goes out. An allocation comes from ``mailbot allocate`` or, decided
by the pure core (``rules.allocation_route``), from a manager's reply to the digest.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.domain.facts import LeadProfessional
from mailbot.errors import AllocationError
from mailbot.register.models import Case, Event, Message, Request
from mailbot.rules.actions import RecordAllocation
from mailbot.transports.outgoing import Shell, queue_email, request_documents
from mailbot.workflow.records import record_allocation, record_lead_professional

log = logging.getLogger(__name__)

ALLOCATABLE_STATES = ("awaiting_allocation",)
#: The request type whose allocated worker attends a multi-agency meeting instead of becoming the LP.
MEETING_REQUEST = "meeting_representation"


@dataclass(frozen=True)
class AllocationOutcome:
    request_reference: str
    urn: str
    allocation_id: int = 0


def waiting_request(session: Session, urn: str) -> Request | None:
    """The oldest step down for ``urn`` waiting for allocation."""
    return (
        session.execute(
            select(Request)
            .join(Case, Request.case_id == Case.id)
            .where(Case.urn == urn, Request.state.in_(ALLOCATABLE_STATES))
            .order_by(Request.id)
        )
        .scalars()
        .first()
    )


def allocate(
    session: Session,
    shell: Shell,
    *,
    urn: str,
    worker_name: str,
    worker_email: str | None,
    team: str | None,
    source: str,
    now: datetime,
    request_id: int | None = None,
) -> AllocationOutcome:
    """Allocate the step down waiting for ``urn`` (the oldest, or ``request_id`` when given, as the
    console's board does); raises AllocationError when there is none."""
    settings = shell.settings
    request = waiting_request(session, urn)
    if request_id is not None:
        chosen = session.get(Request, request_id, with_for_update=True)
        ready = chosen is not None and chosen.state in ALLOCATABLE_STATES
        request = chosen if ready and chosen is not None and chosen.case and chosen.case.urn == urn else None
    if request is None or request.case is None:
        raise AllocationError(f"no step down for {urn} is waiting for allocation")
    case = request.case
    allocation = record_allocation(
        session, request, RecordAllocation(urn, worker_name, worker_email, team), source, now
    )
    meeting = request.type == MEETING_REQUEST
    if not meeting:
        agency = team or settings.mailbox_by_role("wpehs").team_name
        lead = LeadProfessional(worker_name, "Early Help worker", agency, worker_email, None)
        record_lead_professional(session, case, lead, request, now)
    request.state = "allocated"
    request.updated_at = now
    session.flush()
    session.refresh(request)
    context = {
        "worker_name": worker_name,
        "worker_team": team,
        "worker_email": worker_email,
        "allocated_on": now.astimezone(settings.zone).date(),
        "meeting": meeting,
        "meeting_date": request.meeting_date,
    }
    last_in = (
        session.execute(
            select(Message.message_id)
            .where(Message.request_id == request.id, Message.direction == "in")
            .order_by(Message.id)
        )
        .scalars()
        .first()
    )
    queue_email(
        session,
        shell,
        template="allocation_feedback",
        to=[request.sender],
        context=context,
        dedupe_key=f"a{allocation.id}:allocation_feedback",
        mailbox_name=request.mailbox,
        request=request,
        now=now,
        in_reply_to=last_in,
    )
    if not meeting:
        _tell_caf(session, shell, request, allocation.id, context, now)
    session.add(
        Event(
            at=now,
            kind="allocated",
            request_id=request.id,
            case_id=case.id,
            detail={"source": source, "allocation": allocation.id, "attends_meeting": meeting},
        )
    )
    log.info("allocation recorded request=%s source=%s", request.id, source)
    return AllocationOutcome(request.reference, urn, allocation.id)


def _tell_caf(
    session: Session,
    shell: Shell,
    request: Request,
    allocation_id: int,
    context: Mapping[str, object],
    now: datetime,
) -> None:
    """CAF@ gets the new lead professional with the assessment and plan attached."""
    settings = shell.settings
    attachments = request_documents(session, shell, request)
    queue_email(
        session,
        shell,
        template="caf_lp_update",
        to=[settings.mailbox_by_role("caf").address],
        context={**context, "attachments": [a.filename for a in attachments]},
        dedupe_key=f"a{allocation_id}:caf_lp_update",
        mailbox_name=request.mailbox,
        request=request,
        now=now,
        attachments=attachments,
        auto_submitted="auto-generated",
    )
