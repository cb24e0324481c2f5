"""The subject-access bundle: everything the register holds about one child, as one zip file.

``data.json`` (the child, the case, lead professionals, requests, emails in and out, documents,
allocations, the audit trail), ``data.csv`` (the same, one row per item), and the original emails
(``emails/``) and documents (``documents/``) as received. Other children on the same case (siblings)
are left out of the data; their names may still appear inside the original emails and documents,
which information governance reviews before release.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailbot.register.models import Allocation, Child, Document, Event, Message, Outbox, Request
from mailbot.register.storage import Storage


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _rows(items: list[Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{name: _plain(getattr(item, name)) for name in fields} for item in items]


def bundle_data(session: Session, child: Child) -> dict[str, Any]:
    """The register's data about ``child`` as plain values (no other child's identity in it)."""
    case = child.case
    requests = list(
        session.execute(select(Request).where(Request.case_id == case.id).order_by(Request.id)).scalars()
    )
    ids = [r.id for r in requests]
    messages = (
        list(
            session.execute(
                select(Message)
                .where(Message.request_id.in_(ids), Message.direction == "in")
                .order_by(Message.id)
            ).scalars()
        )
        if ids
        else []
    )
    replies = (
        list(session.execute(select(Outbox).where(Outbox.request_id.in_(ids)).order_by(Outbox.id)).scalars())
        if ids
        else []
    )
    documents = list(
        session.execute(select(Document).where(Document.case_id == case.id).order_by(Document.id)).scalars()
    )
    allocations = list(
        session.execute(
            select(Allocation).where(Allocation.case_id == case.id).order_by(Allocation.id)
        ).scalars()
    )
    events = list(
        session.execute(
            select(Event).where(or_(Event.case_id == case.id, Event.request_id.in_(ids))).order_by(Event.id)
        ).scalars()
    )
    return {
        "child": _rows([child], ("name", "date_of_birth", "lcs_id", "postcode"))[0],
        "case": {
            "urn": case.urn,
            "status": case.status,
            "district": case.district,
            "created_at": _plain(case.created_at),
        },
        "lead_professionals": _rows(
            list(case.lead_professionals),
            ("name", "role", "agency", "email", "phone", "recorded_at", "ended_at"),
        ),
        "requests": [
            {
                "reference": r.reference,
                "type": r.type,
                "state": r.state,
                "sender": r.sender,
                "created_at": _plain(r.created_at),
            }
            for r in requests
        ],
        "emails_received": _rows(messages, ("id", "sender", "message_id", "received_at", "state")),
        "emails_sent": _rows(
            replies, ("recipients", "subject", "template", "state", "created_at", "sent_at")
        ),
        "documents": _rows(documents, ("id", "filename", "kind", "created_at")),
        "allocations": _rows(
            allocations, ("worker_name", "worker_email", "team", "source", "allocated_at", "undone_at")
        ),
        "events": _rows(events, ("at", "kind", "actor")),
    }


def _csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "field", "value"])
    for section, value in data.items():
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            for key, field_value in item.items():
                label = f"{section}[{index}]" if isinstance(value, list) else section
                writer.writerow(
                    [label, key, json.dumps(field_value) if isinstance(field_value, list) else field_value]
                )
    return buffer.getvalue()


def build_bundle(session: Session, storage: Storage, child: Child) -> bytes:
    """The zip file for ``child``."""
    data = bundle_data(session, child)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr("data.csv", _csv(data))
        for row in data["emails_received"]:
            message = session.get(Message, row["id"])
            if message is not None:
                archive.writestr(f"emails/message-{message.id}.eml", storage.get(message.raw_path))
        for row in data["documents"]:
            document = session.get(Document, row["id"])
            if document is not None and document.stored_path:
                name = document.filename.rpartition("/")[2] or "file"
                archive.writestr(f"documents/{document.id}-{name}", storage.get(document.stored_path))
    return buffer.getvalue()
