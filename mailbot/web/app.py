"""The console's ASGI application: routes, sessions in signed cookies, security headers, assets.

``create_app(console)`` is what ``mailbot web`` serves with uvicorn; tests serve the same object.
GOV.UK Frontend's CSS, fonts and JavaScript come from the npm package installed by ``npm ci``
(``node_modules/govuk-frontend/dist/govuk``), never from a copy in the repository.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mailbot.errors import ConfigError
from mailbot.web import auth
from mailbot.web.console import Console
from mailbot.web.guard import action, environment, render
from mailbot.web.pages import board, cases, documents, health, review, subject_access
from mailbot.web.security import SecurityHeaders

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ASSETS = PACKAGE_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATIC = Path(__file__).with_name("static")


def assets_dir(console: Console) -> Path:
    folder = console.web.assets_dir or DEFAULT_ASSETS
    if not (folder / "govuk-frontend.min.css").is_file():
        raise ConfigError(
            [f"web.assets_dir: GOV.UK Frontend is not installed at {folder}; run `npm ci` in {PACKAGE_ROOT}"]
        )
    return folder


def signed_out(request: Request) -> Response:
    failed = request.query_params.get("failed") == "1"
    return render(request, "signed_out.html", {"failed": failed})


@action("view")
def sign_out(request: Request, form: object, user: object) -> Response:
    return auth.sign_out(request)


def _routes(console: Console) -> list[BaseRoute]:
    govuk = assets_dir(console)
    return [
        Route("/sign-in", auth.sign_in),
        Route("/auth/callback", auth.callback),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/signed-out", signed_out),
        Mount("/assets", StaticFiles(directory=govuk / "assets"), name="assets"),
        Mount("/govuk", StaticFiles(directory=govuk), name="govuk"),
        Mount("/console", StaticFiles(directory=STATIC), name="console"),
        *cases.routes,
        *review.routes,
        *board.routes,
        *documents.routes,
        *health.routes,
        *subject_access.routes,
    ]


def create_app(console: Console) -> Starlette:
    """The console for ``console``'s register; refuses a POST route that skips the action checks."""
    web = console.web
    routes = _routes(console)
    for route in routes:
        if not isinstance(route, Route) or "POST" not in (route.methods or ()):
            continue
        if not getattr(route.endpoint, "console_action", False):
            raise TypeError(f"POST {route.path} is not wrapped by guard.action")
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, always_hsts=web.secure),
            Middleware(
                SessionMiddleware,
                secret_key=web.session_secret(),
                session_cookie="mailbot_console",
                max_age=web.session_max_hours * 3600,
                same_site="lax",
                https_only=web.secure,
            ),
        ],
    )
    app.state.console = console
    app.state.oauth = auth.make_oauth(web)
    app.state.jinja = environment(console.settings.zone)
    return app
