"""Subject access: find a child by name and date of birth, export their bundle, rectify a record."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mailbot.register.models import Case, Child, Event
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import action, field, page, refused, render
from mailbot.web.search import Found, children_named, parse_day
from mailbot.web.subject_access import build_bundle
from mailbot.workflow import RECTIFIABLE, WorkflowError, rectify_child


def finder(request: Request, user: User) -> Response:
    console: Console = request.app.state.console
    name = request.query_params.get("name", "")
    born_text = request.query_params.get("dob", "")
    born = parse_day(born_text) if born_text else None
    found: list[Found] = []
    error = None
    if name:
        if born_text and born is None:
            error = "Enter the date of birth as DD/MM/YYYY"
        else:
            with console.register.transaction() as session:
                found = [
                    Found(case.urn, child.id, child.name, child.date_of_birth, child.lcs_id, case.district)
                    for child, case in session.execute(children_named(name, born)).all()
                ]
    return render(
        request,
        "subject_access.html",
        {
            "name": name,
            "dob": born_text,
            "found": found,
            "error": error,
            "searched": bool(name),
            "rectifiable": RECTIFIABLE,
            "done": request.query_params.get("done"),
        },
    )


@action("subject_access")
def export(request: Request, form: FormData, user: User) -> Response:
    console: Console = request.app.state.console
    child_id = int(field(form, "child") or 0)
    with console.register.transaction(user.actor) as session:
        child = session.get(Child, child_id)
        if child is None:
            return refused(request, "There is no such child.", 404)
        bundle = build_bundle(session, console.shell.storage, child)
        case = session.get(Case, child.case_id)
        session.add(
            Event(
                at=console.now(),
                kind="subject_access_export",
                case_id=child.case_id,
                detail={"child": child.id},
            )
        )
        urn = case.urn if case else "case"
    return Response(
        bundle,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{urn}-{child_id}.zip"'},
    )


@action("subject_access")
def rectify(request: Request, form: FormData, user: User) -> Response:
    console: Console = request.app.state.console
    try:
        with console.register.transaction(user.actor) as session:
            rectify_child(
                session,
                int(field(form, "child") or 0),
                field(form, "field"),
                field(form, "value"),
                field(form, "reason"),
                console.now(),
            )
    except WorkflowError as error:
        return refused(request, str(error), 400)
    return RedirectResponse("/subject-access?done=rectified", status_code=303)


routes = [
    Route("/subject-access", page("subject_access")(finder)),
    Route("/subject-access/export", export, methods=["POST"]),
    Route("/subject-access/rectify", rectify, methods=["POST"]),
]
