"""The register as plain data for ``mailbot register export`` and ``register show`` (read-only)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.models import (
    Allocation,
    Case,
    Document,
    Event,
    LeadProfessional,
    Outbox,
    Request,
    ReviewItem,
)


def _lead_professional(lp: LeadProfessional | None) -> dict[str, Any] | None:
    if lp is None:
        return None
    return {
        "name": lp.name,
        "role": lp.role,
        "agency": lp.agency,
        "email": lp.email,
        "phone": lp.phone,
        "recorded_at": lp.recorded_at.isoformat(),
    }


def case_record(case: Case) -> dict[str, Any]:
    return {
        "urn": case.urn,
        "children": [
            {
                "name": c.name,
                "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
                "lcs_id": c.lcs_id,
                "postcode": c.postcode,
            }
            for c in case.children
        ],
        "lead_professional": _lead_professional(case.current_lead_professional),
        "status": case.status,
        "district": case.district,
        "created_at": case.created_at.isoformat(),
    }


def request_record(request: Request) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "mailbox": request.mailbox,
        "type": request.type,
        "state": request.state,
        "urn": request.case.urn if request.case else None,
        "missing": list(request.missing),
        "sender": request.sender,
        "chase_count": request.chase_count,
        "created_at": request.created_at.isoformat(),
    }


def export_register(session: Session) -> dict[str, Any]:
    """Cases, requests and outbox in the contract shape (more keys may be added; these stay)."""
    cases = session.execute(select(Case).order_by(Case.id)).scalars()
    requests = session.execute(select(Request).order_by(Request.id)).scalars()
    outbox = session.execute(select(Outbox).order_by(Outbox.id)).scalars()
    reviews = session.execute(select(ReviewItem).order_by(ReviewItem.id)).scalars()
    return {
        "cases": [case_record(c) for c in cases],
        "requests": [request_record(r) for r in requests],
        "outbox": [
            {
                "to": list(o.recipients),
                "subject": o.subject,
                "template": o.template,
                "state": o.state,
                "message_id": o.message_id,
                "reference": f"SD-{o.request_id:06d}" if o.request_id else None,
            }
            for o in outbox
        ],
        "review": [
            {"id": r.id, "reason": r.reason, "state": r.state, "request_id": r.request_id, "detail": r.detail}
            for r in reviews
        ],
    }


def export_csv(session: Session) -> str:
    """One row per child per case: the shape the CAF team pastes into a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "urn",
            "status",
            "district",
            "child_name",
            "date_of_birth",
            "lcs_id",
            "postcode",
            "lead_professional",
            "lead_professional_agency",
        ]
    )
    for case in session.execute(select(Case).order_by(Case.id)).scalars():
        lp = case.current_lead_professional
        children: list[Any] = list(case.children) or [None]
        for child in children:
            writer.writerow(
                [
                    case.urn,
                    case.status,
                    case.district or "",
                    child.name if child else "",
                    child.date_of_birth.isoformat() if child and child.date_of_birth else "",
                    child.lcs_id if child else "",
                    child.postcode if child else "",
                    lp.name if lp else "",
                    lp.agency if lp else "",
                ]
            )
    return buffer.getvalue()


def show_case(session: Session, urn: str) -> dict[str, Any] | None:
    """Everything about one case: children, LP history, requests, documents, allocations, audit."""
    case = session.execute(select(Case).where(Case.urn == urn)).scalar_one_or_none()
    if case is None:
        return None
    record = case_record(case)
    record["lead_professional_history"] = [_lead_professional(lp) for lp in case.lead_professionals]
    requests = list(
        session.execute(select(Request).where(Request.case_id == case.id).order_by(Request.id)).scalars()
    )
    record["requests"] = [request_record(r) for r in requests]
    record["documents"] = [
        {"file": d.filename, "kind": d.kind, "problems": d.problems, "received": d.created_at.isoformat()}
        for d in session.execute(
            select(Document).where(Document.case_id == case.id).order_by(Document.id)
        ).scalars()
    ]
    record["allocations"] = [
        {"worker": a.worker_name, "email": a.worker_email, "team": a.team, "at": a.allocated_at.isoformat()}
        for a in session.execute(select(Allocation).where(Allocation.case_id == case.id)).scalars()
    ]
    record["events"] = [
        {"at": e.at.isoformat(), "kind": e.kind, "detail": e.detail}
        for e in session.execute(
            select(Event).where(Event.request_id.in_([r.id for r in requests])).order_by(Event.id)
        ).scalars()
    ]
    return record


def health(session: Session, now: Any) -> dict[str, Any]:
    """Counts an operator or a monitoring check wants: what is waiting, stuck, failed or open."""
    from datetime import timedelta

    from sqlalchemy import func

    from mailbot.register.models import Message
    from mailbot.service.mailbox_health import mailbox_health

    def count(query: Any) -> int:
        return int(session.execute(query).scalar_one())

    waiting = select(func.count(Message.id)).where(Message.direction == "in", Message.state == "received")
    oldest = session.execute(
        select(func.min(Message.received_at)).where(Message.direction == "in", Message.state == "received")
    ).scalar_one()
    return {
        "messages_waiting": count(waiting),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "messages_failed": count(select(func.count(Message.id)).where(Message.state == "failed")),
        "outbox_pending": count(
            select(func.count(Outbox.id)).where(Outbox.state.in_(("pending", "sending")))
        ),
        "outbox_failed": count(select(func.count(Outbox.id)).where(Outbox.state == "failed")),
        "outbox_stuck": count(
            select(func.count(Outbox.id)).where(
                Outbox.state.in_(("pending", "sending")), Outbox.created_at < now - timedelta(hours=1)
            )
        ),
        "review_open": count(select(func.count(ReviewItem.id)).where(ReviewItem.state == "open")),
        "mailboxes": mailbox_health(session),
        "requests_by_state": dict(
            (row[0], row[1])
            for row in session.execute(select(Request.state, func.count(Request.id)).group_by(Request.state))
        ),
    }
