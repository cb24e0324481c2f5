"""The allocation board for the weekly meeting: waiting step downs by district, allocate, undo.

The rows are the weekly digest's (initials only, work requested with names cut out), read live.
Allocating calls ``mailbot.workflow.allocation.allocate``, the function ``mailbot allocate`` and digest
replies call, so the register, the feedback to the social worker and the CAF@ update are the same
and happen in one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailbot.errors import AllocationError
from mailbot.register.models import Allocation, Case
from mailbot.register.models import Request as StepDown
from mailbot.rules.digest import build_digest, next_allocations_meeting
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import action, field, page, refused, render
from mailbot.workflow import WorkflowError, undo_allocation
from mailbot.workflow.allocation import allocate
from mailbot.workflow.weekly_digest import digest_entries


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def board(request: Request, user: User) -> Response:
    console = _console(request)
    settings = console.settings
    now = console.now()
    today = now.astimezone(settings.zone).date()
    workflow = settings.workflow
    meeting = next_allocations_meeting(
        now, workflow.allocation_weekday, workflow.allocation_time, settings.timezone
    )
    with console.register.transaction() as session:
        digest = build_digest(
            digest_entries(session, console.shell, today), as_of=today, next_meeting=meeting.date()
        )
        recent = session.execute(
            select(Allocation, StepDown, Case)
            .join(StepDown, Allocation.request_id == StepDown.id)
            .join(Case, Allocation.case_id == Case.id)
            .where(Allocation.allocated_at >= now - console.undo_window, Allocation.undone_at.is_(None))
            .order_by(Allocation.id.desc())
        ).all()
        allocations: list[dict[str, Any]] = [
            {
                "id": allocation.id,
                "reference": step_down.reference,
                "urn": case.urn,
                "worker": allocation.worker_name,
                "team": allocation.team,
                "at": allocation.allocated_at.astimezone(settings.zone),
                "source": allocation.source,
            }
            for allocation, step_down, case in recent
        ]
    return render(
        request,
        "board.html",
        {"digest": digest, "allocations": allocations, "done": request.query_params.get("done")},
    )


def _request_id(reference: str) -> int | None:
    digits = reference.upper().removeprefix("SD-").lstrip("0")
    return int(digits) if digits.isdigit() else None


@action("allocate")
def allocate_on_board(request: Request, form: FormData, user: User) -> Response:
    console = _console(request)
    urn, worker = field(form, "urn"), field(form, "worker")
    email, team = field(form, "email") or None, field(form, "team") or None
    request_id = _request_id(field(form, "reference"))
    if not worker:
        return refused(request, "Give the allocated worker's name.", 400)
    if email and not console.settings.is_trusted(email):
        return refused(request, "The worker's email must be on one of the council's trusted domains.", 400)
    try:
        with console.register.transaction(user.actor) as session:
            outcome = allocate(
                session,
                console.shell,
                urn=urn,
                worker_name=worker,
                worker_email=email,
                team=team,
                source="console",
                now=console.now(),
                request_id=request_id,
            )
    except AllocationError as error:
        return refused(request, str(error), 409)
    return RedirectResponse(
        f"/board?done={outcome.request_reference}",
        status_code=303,
        background=BackgroundTask(console.send_now),
    )


@action("allocate")
def undo(request: Request, form: FormData, user: User) -> Response:
    console = _console(request)
    try:
        with console.register.transaction(user.actor) as session:
            undone = undo_allocation(
                session,
                console.shell,
                int(field(form, "allocation") or 0),
                console.undo_window,
                console.now(),
            )
    except WorkflowError as error:
        return refused(request, str(error), 409)
    return RedirectResponse(
        f"/board?done=undone-{undone.request_reference}",
        status_code=303,
        background=BackgroundTask(console.send_now),
    )


routes = [
    Route("/board", page("view")(board)),
    Route("/board/allocate", allocate_on_board, methods=["POST"]),
    Route("/board/undo", undo, methods=["POST"]),
]
