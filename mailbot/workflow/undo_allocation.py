"""Undo an allocation made at the weekly meeting (a slip of the hand on the board, a change of mind).

Within the meeting (``undo_minutes`` after it was made) the allocation is marked undone, the step
down goes back on the board, the worker stops being the case's lead professional (the one before is
current again), and its emails are stopped if they have not gone; if they have, the social worker
and CAF@ are told to disregard them (``allocation_withdrawn``), so nobody records it on LCS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailbot.register.models import Allocation, Event, LeadProfessional, Outbox, Request
from mailbot.transports.outgoing import Shell, queue_email
from mailbot.workflow.person import WorkflowError

ALLOCATION_TEMPLATES = ("allocation_feedback", "caf_lp_update")


@dataclass(frozen=True)
class Undone:
    request_reference: str
    cancelled: int
    withdrawn: int


def _restore_lead_professional(session: Session, allocation: Allocation, now: datetime) -> None:
    session.execute(
        update(LeadProfessional)
        .where(
            LeadProfessional.case_id == allocation.case_id,
            LeadProfessional.request_id == allocation.request_id,
            LeadProfessional.recorded_at == allocation.allocated_at,
            LeadProfessional.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    session.execute(
        update(LeadProfessional)
        .where(
            LeadProfessional.case_id == allocation.case_id,
            LeadProfessional.ended_at == allocation.allocated_at,
        )
        .values(ended_at=None)
    )


def undo_allocation(
    session: Session, shell: Shell, allocation_id: int, window: timedelta, now: datetime
) -> Undone:
    """Undo allocation ``allocation_id``; WorkflowError when it is undone already or too old."""
    allocation = session.get(Allocation, allocation_id, with_for_update=True)
    if allocation is None:
        raise WorkflowError(f"no allocation {allocation_id}")
    if allocation.undone_at is not None:
        raise WorkflowError("this allocation has already been undone")
    if now - allocation.allocated_at > window:
        raise WorkflowError("this allocation was made too long ago to undo here; allocate again instead")
    request = session.get(Request, allocation.request_id)
    if request is None or request.state != "allocated":
        raise WorkflowError("the step down is no longer in the allocated state")
    allocation.undone_at = now
    request.state = "awaiting_allocation"
    request.updated_at = now
    _restore_lead_professional(session, allocation, now)
    cancelled = withdrawn = 0
    for template in ALLOCATION_TEMPLATES:
        key = f"a{allocation.id}:{template}"
        stopped = session.execute(
            update(Outbox)
            .where(Outbox.dedupe_key == key, Outbox.state == "pending")
            .values(state="cancelled")
        )
        if stopped.rowcount:  # type: ignore[attr-defined]
            cancelled += 1
            continue
        row = session.execute(select(Outbox).where(Outbox.dedupe_key == key)).scalar_one_or_none()
        if row is None:
            continue
        queued = queue_email(
            session,
            shell,
            template="allocation_withdrawn",
            to=list(row.recipients),
            context={"worker_name": allocation.worker_name},
            dedupe_key=f"a{allocation.id}:withdrawn:{template}",
            mailbox_name=request.mailbox,
            request=request,
            now=now,
            in_reply_to=row.message_id,
            references=(row.message_id,),
            auto_submitted="auto-generated",
        )
        withdrawn += queued is not None
    session.add(
        Event(
            at=now,
            kind="allocation_undone",
            request_id=request.id,
            case_id=allocation.case_id,
            detail={"allocation": allocation.id, "cancelled": cancelled, "withdrawn": withdrawn},
        )
    )
    session.flush()
    return Undone(request.reference, cancelled, withdrawn)
