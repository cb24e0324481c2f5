"""Page and action wrappers: sign-in, permission, CSRF and origin checks in one place, and rendering.

Every GET page is wrapped by ``page`` and every POST by ``action``; ``create_app`` refuses to start
with a POST route that is not an ``action``, so no form can forget its CSRF check or its permission.
Handlers are plain functions run in the thread pool (the register is synchronous SQLAlchemy).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mailbot.web import csrf
from mailbot.web.auth import User, current_user
from mailbot.web.roles import Permission

Endpoint = Callable[[Request], Awaitable[Response]]
PageHandler = Callable[[Request, User], Response]
ActionHandler = Callable[[Request, FormData, User], Response]

TEMPLATES = Path(__file__).with_name("templates")


def environment(zone: ZoneInfo) -> jinja2.Environment:
    """Jinja2 with the console's templates and the GOV.UK Frontend macros (``govuk_frontend_jinja/...``)."""
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(TEMPLATES),
            jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    # GOV.UK Frontend's macros read optional parameters that are not there, so undefined is lenient.
    env = jinja2.Environment(loader=loader, autoescape=True)
    env.filters["when"] = lambda value: value.astimezone(zone).strftime("%d %b %Y %H:%M") if value else ""
    env.filters["day"] = lambda value: value.strftime("%d/%m/%Y") if value else ""
    return env


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page: the template with the signed-in person, the CSRF token and the service's name."""
    env: jinja2.Environment = request.app.state.jinja
    user = request.scope.get("console_user")
    html = env.get_template(template).render(
        {
            "user": user,
            "csrf_token": csrf.token(request) if user else "",
            "service_name": "Step-down register",
            "council_name": request.app.state.console.settings.council_name,
            "path": request.url.path,
            **context,
        }
    )
    return HTMLResponse(html, status_code=status)


def refused(request: Request, reason: str, status: int = 403) -> HTMLResponse:
    return render(request, "refused.html", {"reason": reason}, status)


def page(permission: Permission = "view") -> Callable[[PageHandler], Endpoint]:
    """A GET page for people holding ``permission``; others are sent to sign in, or refused (403)."""

    def wrap(handler: PageHandler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = current_user(request, request.app.state.console.web)
            if user is None:
                return RedirectResponse("/sign-in", status_code=303)
            request.scope["console_user"] = user
            if not user.may(permission):
                return refused(request, "You do not have permission to see this page.")
            return await run_in_threadpool(handler, request, user)

        return endpoint

    return wrap


def action(permission: Permission) -> Callable[[ActionHandler], Endpoint]:
    """A form POST for people holding ``permission``, from this site, with the session's CSRF token."""

    def wrap(handler: ActionHandler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            web = request.app.state.console.web
            user = current_user(request, web)
            if user is None:
                return HTMLResponse("Sign in first.", status_code=403)
            request.scope["console_user"] = user
            if not user.may(permission):
                return refused(request, "You do not have permission to do this.")
            if not csrf.same_origin(request, web.base_url):
                return refused(request, "This form was sent from another site.")
            form = await request.form()
            if not csrf.valid(request, form.get(csrf.FIELD)):
                return refused(
                    request, "This form has expired or was not sent from the console. Go back and try again."
                )
            return await run_in_threadpool(handler, request, form, user)

        endpoint.console_action = True  # type: ignore[attr-defined]
        return endpoint

    return wrap


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
