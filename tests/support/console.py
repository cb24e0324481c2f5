"""The staff console under test: a real OpenID provider on loopback, the console served by uvicorn on a
free port, and headless Chromium (Debian's ``chromium``) driven by Playwright.

Nothing is faked: sign-in goes through the provider's authorisation form in the browser, the
console talks SQL to the register and SMTP to the test relay.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from oidc_provider_mock import run_server_in_thread

from mailbot.web.app import create_app
from mailbot.web.console import Console
from support.mailservers import free_port, wait_for
from support.waiting import HANG_TIMEOUT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The identity provider's groups the tests' users are in, mapped to roles in ``web_config``.
GROUPS = {
    "caf_team": "grp-caf",
    "wpehs_allocator": "grp-wpehs-allocators",
    "viewer": "grp-readers",
    "administrator": "grp-admins",
}
SESSION_SECRET = "test-session-secret-0123456789-abcdefghijkl"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@contextmanager
def identity_provider() -> Iterator[str]:
    """A real OpenID provider (oidc-provider-mock) on loopback; yields its issuer URL."""
    with run_server_in_thread(port=free_port()) as server:
        yield f"http://localhost:{server.server_port}"


def add_person(issuer: str, email: str, name: str, roles: list[str]) -> None:
    """Tell the provider who ``email`` is and which groups they are in (as Entra ID would say)."""
    claims = {"email": email, "name": name, "groups": [GROUPS[r] for r in roles]}
    response = httpx.put(f"{issuer}/users/{quote(email)}", json=claims, timeout=HANG_TIMEOUT)
    response.raise_for_status()


def web_config(issuer: str, port: int, monkeypatch: Any) -> dict[str, Any]:
    monkeypatch.setenv("MAILBOT_TEST_SESSION_SECRET", SESSION_SECRET)
    monkeypatch.setenv("MAILBOT_TEST_OIDC_SECRET", "any-secret-the-mock-accepts")
    return {
        "base_url": f"http://127.0.0.1:{port}",
        "session_secret_env": "MAILBOT_TEST_SESSION_SECRET",
        "port": port,
        "oidc": {
            "issuer": issuer,
            "client_id": "mailbot-console",
            "client_secret_env": "MAILBOT_TEST_OIDC_SECRET",
        },
        "roles": {role: [group] for role, group in GROUPS.items()},
    }


@contextmanager
def serve(console: Console) -> Iterator[str]:
    """Serve the console with uvicorn on its configured port in a thread; yields its base URL."""
    web = console.web
    server = uvicorn.Server(
        uvicorn.Config(create_app(console), host="127.0.0.1", port=web.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="console", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started)
        yield web.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=HANG_TIMEOUT)


def sign_in(page: Any, base_url: str, email: str) -> None:
    """Sign in through the provider's own form, as a person in the browser does."""
    page.goto(f"{base_url}/")
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base_url}/")


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core run in the page (needs a context made with ``bypass_csp=True``): serious and
    critical violations, with the rule and the first offending element, for the failure message."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "target": v["nodes"][0]["target"]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
