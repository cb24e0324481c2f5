"""The register as plain data for ``mailbot register export`` and ``register show`` (read-only).

The export streams: the cases (then requests, outbox, review items) are read in pages of
``PAGE`` rows by primary key (keyset pagination: each page is an index range, never an OFFSET), the
related rows of a page — children, current lead professionals, request URNs — with one IN query per
table per page, and each record is written as soon as it is built. Memory holds one page; time
grows with the register, linearly. ``EXPORTERS`` maps each ``--format`` to its writer, so another
format (a council's own CSV) is one more writer.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.models import (
    Allocation,
    Case,
    Child,
    Document,
    Event,
    LeadProfessional,
    Outbox,
    Request,
    ReviewItem,
)

#: Rows read per page (and per IN list of related rows).
PAGE = 1000


class TextSink(Protocol):
    def write(self, text: str, /) -> Any: ...


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


def _child(child: Child) -> dict[str, Any]:
    return {
        "id": child.id,
        "name": child.name,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "lcs_id": child.lcs_id,
        "postcode": child.postcode,
    }


def _case_record(case: Case, children: list[Child], lp: LeadProfessional | None) -> dict[str, Any]:
    return {
        "urn": case.urn,
        "children": [_child(c) for c in children],
        "lead_professional": _lead_professional(lp),
        "status": case.status,
        "district": case.district,
        "created_at": case.created_at.isoformat(),
    }


def case_record(case: Case) -> dict[str, Any]:
    return _case_record(case, list(case.children), case.current_lead_professional)


def request_record(request: Request, urn: str | None = None) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "mailbox": request.mailbox,
        "type": request.type,
        "state": request.state,
        "urn": urn if urn is not None else (request.case.urn if request.case else None),
        "missing": list(request.missing),
        "sender": request.sender,
        "chase_count": request.chase_count,
        "created_at": request.created_at.isoformat(),
    }


def _pages(session: Session, query: Any, key: Any) -> Iterator[list[Any]]:
    """Rows of ``query`` in pages of ``PAGE`` by ``key`` (keyset pagination), as ORM rows."""
    after = 0  # ids start at 1; "key > after" makes even the first page an index range
    while True:
        page = list(session.execute(query.where(key > after).order_by(key).limit(PAGE)).all())
        if not page:
            return
        yield page
        after = page[-1][0].id
        session.expunge_all()  # nothing read so far is needed again: keep the identity map small
        if len(page) < PAGE:
            return


def iter_cases(session: Session) -> Iterator[tuple[Case, list[Child], LeadProfessional | None]]:
    """Every case with its children and current lead professional, a page at a time."""
    for page in _pages(session, select(Case), Case.id):
        case_ids = [case.id for (case,) in page]
        children: dict[int, list[Child]] = {case_id: [] for case_id in case_ids}
        for child in session.execute(
            select(Child).where(Child.case_id.in_(case_ids)).order_by(Child.case_id, Child.id)
        ).scalars():
            children[child.case_id].append(child)
        current: dict[int, LeadProfessional] = {}
        for lp in session.execute(
            select(LeadProfessional)
            .where(LeadProfessional.case_id.in_(case_ids), LeadProfessional.ended_at.is_(None))
            .order_by(LeadProfessional.case_id, LeadProfessional.id)
        ).scalars():
            current[lp.case_id] = lp  # the last one recorded is current (``Case.current_lead_professional``)
        for (case,) in page:
            yield case, children[case.id], current.get(case.id)


def iter_case_records(session: Session) -> Iterator[dict[str, Any]]:
    for case, children, lp in iter_cases(session):
        yield _case_record(case, children, lp)


def iter_request_records(session: Session) -> Iterator[dict[str, Any]]:
    query = select(Request, Case.urn).outerjoin(Case, Case.id == Request.case_id)
    for page in _pages(session, query, Request.id):
        for request, urn in page:
            yield request_record(request, urn)


def iter_outbox_records(session: Session) -> Iterator[dict[str, Any]]:
    # Not the raw message bytes: the export never loads them.
    columns = select(
        Outbox.id,
        Outbox.recipients,
        Outbox.subject,
        Outbox.template,
        Outbox.state,
        Outbox.message_id,
        Outbox.request_id,
    )
    after = 0
    while page := session.execute(columns.where(Outbox.id > after).order_by(Outbox.id).limit(PAGE)).all():
        for row in page:
            yield {
                "to": list(row.recipients),
                "subject": row.subject,
                "template": row.template,
                "state": row.state,
                "message_id": row.message_id,
                "reference": f"SD-{row.request_id:06d}" if row.request_id else None,
            }
        after = page[-1].id


def iter_review_records(session: Session) -> Iterator[dict[str, Any]]:
    for page in _pages(session, select(ReviewItem), ReviewItem.id):
        for (item,) in page:
            yield {
                "id": item.id,
                "reason": item.reason,
                "state": item.state,
                "request_id": item.request_id,
                "detail": item.detail,
            }


SECTIONS: tuple[tuple[str, Callable[[Session], Iterator[dict[str, Any]]]], ...] = (
    ("cases", iter_case_records),
    ("requests", iter_request_records),
    ("outbox", iter_outbox_records),
    ("review", iter_review_records),
)


def export_register(session: Session) -> dict[str, Any]:
    """Cases, requests, outbox and review items in the contract shape, in memory (small registers,
    tests); ``write_json`` streams the same document."""
    return {name: list(records(session)) for name, records in SECTIONS}


def write_json(session: Session, out: TextSink) -> None:
    """Write ``export_register``'s document to ``out`` record by record, laid out exactly as
    ``json.dumps(..., indent=2, ensure_ascii=False)`` lays it out."""
    out.write("{")
    for number, (name, records) in enumerate(SECTIONS):
        out.write(f"{',' if number else ''}\n  {json.dumps(name)}: [")
        empty = True
        for record in records(session):
            text = json.dumps(record, indent=2, ensure_ascii=False).replace("\n", "\n    ")
            out.write(f"{'' if empty else ','}\n    {text}")
            empty = False
        out.write("]" if empty else "\n  ]")
    out.write("\n}\n")


CSV_HEADER = (
    "urn",
    "status",
    "district",
    "child_name",
    "date_of_birth",
    "lcs_id",
    "postcode",
    "lead_professional",
    "lead_professional_agency",
)


def write_csv(session: Session, out: TextSink) -> None:
    """One row per child per case (a case without children has one row): the CAF team's sheet."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for case, children, lp in iter_cases(session):
        rows: list[Child | None] = [*children] if children else [None]
        for child in rows:
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


#: ``mailbot register export --format NAME`` → the writer that streams that format.
EXPORTERS: dict[str, Callable[[Session, TextSink], None]] = {"json": write_json, "csv": write_csv}


def export_to(fmt: str, session: Session, out: TextSink) -> None:
    """Stream the register in format ``fmt`` (a key of ``EXPORTERS``) to ``out``."""
    EXPORTERS[fmt](session, out)


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
