"""Outbox and health: sends that are stuck or failed (with their errors, and retry), each mailbox's
state as the register sees it, the last weekly digest and the next chase-ups due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailbot.register.health import mailbox_health, read_figures
from mailbot.register.models import Event, Message, Outbox, SourceLedger
from mailbot.register.models import Request as StepDown
from mailbot.rules.workdays import add_working_days
from mailbot.service.health import Health, judge, judge_mailboxes
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import action, page, refused, render
from mailbot.workflow.chase import CHASED_STATES

STUCK_AFTER = timedelta(minutes=15)


def _mailboxes(
    session: Session, console: Console, connections: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for name, mailbox in console.settings.mailboxes.items():
        last_in = session.execute(
            select(func.max(Message.received_at)).where(Message.mailbox == name, Message.direction == "in")
        ).scalar_one()
        last_seen = session.execute(
            select(func.max(SourceLedger.seen_at)).where(SourceLedger.mailbox == name)
        ).scalar_one()
        waiting = session.execute(
            select(func.count(Message.id)).where(Message.mailbox == name, Message.state == "received")
        ).scalar_one()
        rows.append(
            {
                "name": name,
                "address": mailbox.address,
                "kind": "IMAP" if mailbox.imap else "Maildir",
                "last_in": last_in,
                "last_seen": last_seen,
                "waiting": waiting,
                "connection": _times(connections.get(name)),
            }
        )
    return rows


def _times(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A connection row with its ISO times as datetimes (shown in the council's time zone)."""
    if row is None:
        return None
    return {key: datetime.fromisoformat(v) if key != "last_error" and v else v for key, v in row.items()}


def _next_chases(session: Session, console: Console) -> list[dict[str, Any]]:
    settings = console.settings
    workflow = settings.workflow
    requests = session.execute(
        select(StepDown)
        .where(StepDown.state.in_(CHASED_STATES))
        .order_by(StepDown.last_activity_at)
        .limit(50)
    ).scalars()
    rows = []
    for step_down in requests:
        last = (step_down.last_chased_at or step_down.last_activity_at).astimezone(settings.zone).date()
        rows.append(
            {
                "reference": step_down.reference,
                "due": add_working_days(
                    last, workflow.chase_after_working_days, workflow.bank_holiday_region
                ),
                "what": "escalate to review"
                if step_down.chase_count >= workflow.max_chases
                else f"reminder {step_down.chase_count + 1} of {workflow.max_chases}",
            }
        )
    return sorted(rows, key=lambda r: r["due"])


def health_page(request: Request, user: User) -> Response:
    console: Console = request.app.state.console
    now = console.now()
    with console.register.transaction() as session:
        problems = list(
            session.execute(
                select(Outbox)
                .where(
                    or_(
                        Outbox.state == "failed",
                        (Outbox.state.in_(("pending", "sending"))) & (Outbox.created_at < now - STUCK_AFTER),
                    )
                )
                .order_by(Outbox.id.desc())
                .limit(200)
            ).scalars()
        )
        figures = read_figures(session, now)
        connections = mailbox_health(session)
        limit = console.settings.health.mailbox_failing_max_minutes
        digest = session.execute(
            select(Outbox).where(Outbox.template == "weekly_digest").order_by(Outbox.id.desc()).limit(1)
        ).scalar_one_or_none()
        context = {
            # The same judgement as ``mailbot status`` and ``/healthz`` (thresholds from [health]).
            "health": Health(
                (
                    *judge(figures, console.settings.health),
                    *judge_mailboxes(connections, console.settings.mailboxes, now, limit),
                ),
                figures,
            ),
            "figures": figures,
            "problems": problems,
            "mailboxes": _mailboxes(session, console, connections),
            "digest": digest,
            "chases": _next_chases(session, console),
            "done": request.query_params.get("done"),
        }
    return render(request, "health.html", context)


@action("outbox")
def retry(request: Request, form: FormData, user: User) -> Response:
    console: Console = request.app.state.console
    now = console.now()
    with console.register.transaction(user.actor) as session:
        row = session.get(Outbox, int(request.path_params["outbox_id"]), with_for_update=True)
        if row is None or row.state not in ("failed", "pending"):
            return refused(request, "That email is not waiting or failed; nothing to retry.", 409)
        # A person asked for it to go again: due now, with no claim left over from the last attempt.
        row.state, row.next_attempt_at, row.claimed_until = "pending", now, None
        session.add(Event(at=now, kind="send_retried", request_id=row.request_id, detail={"outbox": row.id}))
    return RedirectResponse(
        "/health?done=retry", status_code=303, background=BackgroundTask(console.send_now)
    )


routes = [
    Route("/health", page("view")(health_page)),
    Route("/outbox/{outbox_id:int}/retry", retry, methods=["POST"]),
]
