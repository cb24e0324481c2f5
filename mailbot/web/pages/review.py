"""The review queue: each item with its email, documents and facts, and the actions that finish it.

Every action is previewed first: it is carried out in a rehearsal (a transaction that is rolled
back) and the console shows the exact emails it queued; "confirm" carries out the same action for
real. So what the person saw is what goes.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailbot.errors import ReviewError
from mailbot.mail.parse import parse_message
from mailbot.register.models import Document, Message, Outbox, ReviewItem
from mailbot.register.models import Request as StepDown
from mailbot.register.queries import ViewQuery, build_view
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import action, field, page, refused, render
from mailbot.workflow import (
    CORRECTABLE,
    Settled,
    WorkflowError,
    correct_fact,
    issue_urn,
    link_child,
    redecide,
    reply_in_own_words,
    settle,
)
from mailbot.workflow.person import item_request, open_item, request_facts
from mailbot.workflow.review import resolve

REASONS = {
    "ambiguous_child_match": "The child may already have a URN",
    "conflicting_facts": "The facts disagree",
    "untrusted_sender": "Sender outside the trusted domains",
    "consent_refused": "Consent was not given",
    "allocation_not_allowed": "Allocation from someone who is not an allocator",
    "allocation_unreadable": "An allocation line could not be read",
    "send_failed": "An email could not be sent",
    "bounce": "An email bounced",
    "processing_failed": "mailbot could not read the message",
}


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def queue(request: Request, user: User) -> Response:
    with _console(request).register.transaction() as session:
        rows = session.execute(
            select(ReviewItem, StepDown)
            .outerjoin(StepDown, ReviewItem.request_id == StepDown.id)
            .where(ReviewItem.state == "open")
            .order_by(ReviewItem.id)
            .limit(500)
        ).all()
        items = [
            {
                "id": item.id,
                "reason": REASONS.get(item.reason, item.reason.replace("_", " ")),
                "reference": step_down.reference if step_down else None,
                "type": step_down.type.replace("_", " ") if step_down else None,
                "created_at": item.created_at,
            }
            for item, step_down in rows
        ]
    return render(request, "review_queue.html", {"items": items, "done": request.query_params.get("done")})


def _facts_rows(source: str, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per fact a source states: value, where it was read and how sure the reader was."""
    provenance, confidence = facts.get("provenance", {}), facts.get("confidence", {})
    rows = []

    def add(path: str, value: Any) -> None:
        if value in (None, "", []):
            return
        rows.append(
            {
                "source": source,
                "field": path,
                "value": value,
                "where": provenance.get(path, ""),
                "confidence": confidence.get(path),
            }
        )

    for key in ("urn", "level_of_need", "work_requested", "meeting_date"):
        add(key, facts.get(key))
    for index, child in enumerate(facts.get("children", [])):
        for key, value in child.items():
            add(f"children[{index}].{key}", value)
    for key, value in (facts.get("lead_professional") or {}).items():
        add(f"lead_professional.{key}", value)
    consent = facts.get("consent") or {}
    if consent.get("given") is not None:
        add("consent.given", "yes" if consent["given"] else "no")
    return rows


def _email(console: Console, message: Message | None) -> dict[str, Any] | None:
    if message is None:
        return None
    parsed = parse_message(console.shell.storage.get(message.raw_path))
    return {
        "id": message.id,
        "sender": str(parsed.sender.email) if parsed.sender else message.sender,
        "sender_name": parsed.sender.display_name if parsed.sender else None,
        "subject": parsed.subject,
        "date": parsed.date,
        "text": parsed.body_text,
    }


def _item_context(session: Session, console: Console, item_id: int) -> dict[str, Any] | None:
    item = session.get(ReviewItem, item_id)
    if item is None:
        return None
    step_down = session.get(StepDown, item.request_id) if item.request_id else None
    message = session.get(Message, item.message_row_id) if item.message_row_id else None
    documents: list[Document] = []
    facts: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    if step_down is not None:
        documents = list(
            session.execute(
                select(Document).where(Document.request_id == step_down.id).order_by(Document.id)
            ).scalars()
        )
        for document in documents:
            facts += _facts_rows(document.filename, document.facts)
        for body in step_down.facts.get("bodies", []):
            facts += _facts_rows(body.get("file") or "the email", body)
        merged = request_facts(session, step_down)
        view = build_view(
            session,
            ViewQuery(request=None, urns=[], children=merged.children, sender=None, now=console.now()),
        )
        seen: set[tuple[str, str | None]] = set()
        for candidate in view.child_candidates:
            key = (candidate.urn, candidate.child.name)
            if key not in seen:
                seen.add(key)
                candidates.append({"urn": candidate.urn, "child": candidate.child})
    return {
        "item": item,
        "reason": REASONS.get(item.reason, item.reason.replace("_", " ")),
        "step_down": step_down,
        "email": _email(console, message),
        "documents": documents,
        "facts": facts,
        "candidates": candidates,
        "children": request_facts(session, step_down).children if step_down else (),
        "correctable": CORRECTABLE,
    }


def item_page(request: Request, user: User) -> Response:
    console = _console(request)
    with console.register.transaction() as session:
        context = _item_context(session, console, int(request.path_params["item_id"]))
    if context is None:
        return refused(request, "There is no such review item.", 404)
    return render(request, "review_item.html", context)


def perform(session: Session, console: Console, item_id: int, form: FormData, user: User) -> Settled:
    """Carry out the action the form names (the same call for the preview and for real)."""
    kind = field(form, "action")
    now = console.now()
    note = field(form, "note")
    if kind == "link":
        rules = console.rules_for(now)
        return link_child(session, console.shell, rules, item_id, field(form, "urn"), note, now)
    if kind == "issue":
        return issue_urn(session, console.shell, item_id, note, now)
    if kind == "reply":
        return reply_in_own_words(session, console.shell, item_id, field(form, "message"), True, now)
    if kind in ("correct", "redecide"):
        item = open_item(session, item_id)
        step_down = item_request(session, item)
        if kind == "correct":
            index = int(field(form, "child") or 0)
            correct_fact(
                session, step_down, field(form, "field"), field(form, "value"), note, now, index, user.email
            )
        role = console.settings.mailboxes[step_down.mailbox].role
        decision = redecide(session, step_down, console.rules_for(now), role, now)
        return settle(session, console.shell, item, step_down, decision, note or kind, now)
    raise WorkflowError("unknown action")


def _email_preview(row: Outbox) -> dict[str, Any]:
    message = message_from_bytes(row.raw, policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "to": ", ".join(row.recipients),
        "subject": row.subject,
        "text": body.get_content() if body is not None else "",
        "attachments": [part.get_filename() for part in message.iter_attachments()],
        "message_id": row.message_id,
    }


@action("review")
def preview(request: Request, form: FormData, user: User) -> Response:
    console = _console(request)
    item_id = int(request.path_params["item_id"])
    try:
        with console.register.rehearsal(user.actor) as session:
            settled = perform(session, console, item_id, form, user)
            emails = [_email_preview(row) for row in settled.outbox]
            outcome = {"state": settled.request_state}
    except WorkflowError as error:
        return refused(request, str(error), 400)
    fields = {key: value for key, value in form.items() if key != "csrf_token" and isinstance(value, str)}
    return render(
        request,
        "review_preview.html",
        {
            "item_id": item_id,
            "emails": emails,
            "fields": fields,
            "outcome": outcome,
            "reference": settled.request_reference,
        },
    )


@action("review")
def confirm(request: Request, form: FormData, user: User) -> Response:
    console = _console(request)
    item_id = int(request.path_params["item_id"])
    try:
        with console.register.transaction(user.actor) as session:
            settled = perform(session, console, item_id, form, user)
    except WorkflowError as error:
        return refused(request, str(error), 400)
    return RedirectResponse(
        f"/review?done={settled.request_reference or ''}",
        status_code=303,
        background=BackgroundTask(console.send_now),
    )


@action("review")
def dismiss(request: Request, form: FormData, user: User) -> Response:
    console = _console(request)
    reason = field(form, "note")
    if not reason:
        return refused(request, "Say why the item is dismissed.", 400)
    try:
        with console.register.transaction(user.actor) as session:
            resolve(session, int(request.path_params["item_id"]), "dismiss", reason, console.now())
    except ReviewError as error:
        return refused(request, str(error), 400)
    return RedirectResponse("/review?done=dismissed", status_code=303)


routes = [
    Route("/review", page("view")(queue)),
    Route("/review/{item_id:int}", page("view")(item_page)),
    Route("/review/{item_id:int}/preview", preview, methods=["POST"]),
    Route("/review/{item_id:int}/confirm", confirm, methods=["POST"]),
    Route("/review/{item_id:int}/dismiss", dismiss, methods=["POST"]),
]
