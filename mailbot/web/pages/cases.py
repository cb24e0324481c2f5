"""The start page (search and what is waiting), search results, and the case page with its print view.

The case page tells a case's whole story in time order: every request, message in and out,
document, reply, allocation and event, each event with who did it (a person on the console or the
command line, or mailbot itself).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailbot.register.models import Allocation, Case, Document, Event, Message, Outbox, ReviewItem
from mailbot.register.models import Request as StepDown
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import page, refused, render
from mailbot.web.search import search


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def home(request: Request, user: User) -> Response:
    console = _console(request)
    with console.register.transaction() as session:
        counts = {
            "review": session.execute(
                select(func.count(ReviewItem.id)).where(ReviewItem.state == "open")
            ).scalar_one(),
            "waiting": session.execute(
                select(func.count(StepDown.id)).where(StepDown.state == "awaiting_allocation")
            ).scalar_one(),
            "failed": session.execute(
                select(func.count(Outbox.id)).where(Outbox.state == "failed")
            ).scalar_one(),
        }
    return render(request, "home.html", {"counts": counts})


def results(request: Request, user: User) -> Response:
    console = _console(request)
    text = request.query_params.get("q", "")
    with console.register.transaction() as session:
        found = search(session, console.settings.urn, text)
    return render(request, "search.html", {"q": text, "found": found})


def _timeline(session: Session, case: Case) -> list[dict[str, Any]]:
    requests = list(session.execute(select(StepDown).where(StepDown.case_id == case.id)).scalars())
    ids = [r.id for r in requests]
    entries: list[dict[str, Any]] = []

    def add(
        at: datetime | None, kind: str, text: str, actor: str | None = None, link: str | None = None
    ) -> None:
        if at is not None:
            entries.append({"at": at, "kind": kind, "text": text, "actor": actor, "link": link})

    for step_down in requests:
        add(
            step_down.created_at,
            "Request",
            f"{step_down.reference}: {step_down.type.replace('_', ' ')} from {step_down.sender} (now {step_down.state.replace('_', ' ')})",
        )
    if ids:
        for message in session.execute(
            select(Message).where(Message.request_id.in_(ids), Message.direction == "in")
        ).scalars():
            add(
                message.received_at,
                "Email in",
                f"from {message.sender or 'unknown sender'}",
                link=f"/messages/{message.id}/original",
            )
        for row in session.execute(select(Outbox).where(Outbox.request_id.in_(ids))).scalars():
            add(
                row.sent_at or row.created_at,
                "Reply",
                f"{row.subject} to {', '.join(row.recipients)} ({row.state})",
            )
    for document in session.execute(select(Document).where(Document.case_id == case.id)).scalars():
        add(
            document.created_at,
            "Document",
            f"{document.filename} ({document.kind})",
            link=f"/documents/{document.id}" if document.stored_path else None,
        )
    for allocation in session.execute(select(Allocation).where(Allocation.case_id == case.id)).scalars():
        undone = " (undone)" if allocation.undone_at else ""
        add(
            allocation.allocated_at,
            "Allocation",
            f"to {allocation.worker_name}, {allocation.team or 'no team given'}{undone}",
        )
    events = select(Event).where(or_(Event.case_id == case.id, Event.request_id.in_(ids)))
    for event in session.execute(events).scalars():
        add(event.at, "Event", event.kind.replace("_", " "), event.actor or "mailbot")
    return sorted(entries, key=lambda e: e["at"])


def _case_context(session: Session, urn: str) -> dict[str, Any] | None:
    case = session.execute(select(Case).where(Case.urn == urn)).scalar_one_or_none()
    if case is None:
        return None
    allocations = list(
        session.execute(
            select(Allocation).where(Allocation.case_id == case.id).order_by(Allocation.id)
        ).scalars()
    )
    return {
        "case": case,
        "children": list(case.children),
        "lead_professional": case.current_lead_professional,
        "lead_professionals": list(reversed(case.lead_professionals)),
        "allocations": allocations,
        "timeline": _timeline(session, case),
    }


def case_page(request: Request, user: User) -> Response:
    console = _console(request)
    with console.register.transaction() as session:
        context = _case_context(session, request.path_params["urn"].upper())
    if context is None:
        return refused(request, "There is no case with that URN.", 404)
    template = "case_print.html" if request.url.path.endswith("/print") else "case.html"
    return render(request, template, context)


routes = [
    Route("/", page("view")(home)),
    Route("/search", page("view")(results)),
    Route("/cases/{urn}", page("view")(case_page)),
    Route("/cases/{urn}/print", page("view")(case_page)),
]
