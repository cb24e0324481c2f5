"""Fixtures for the console's browser tests: the mail servers (from the integration tier), a real
OpenID provider, headless Chromium, and one console per test over a fresh register."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from support import console as web
from support.apps import make_app, settings_for
from support.mailservers import free_port
from support.waiting import HANG_TIMEOUT

from mailbot.service.bootstrap import App
from mailbot.service.daemon import run_once
from mailbot.web.console import Console, build_console


@pytest.fixture(scope="session")
def idp() -> Iterator[str]:
    with web.identity_provider() as issuer:
        yield issuer


# Module scope, not session: while Playwright's sync API runs, an event loop runs on the main thread,
# and the rest of the suite calls asyncio.run there (the SMTP transport); it must stop with the module.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(web.CHROMIUM).exists():
        pytest.fail(f"{web.CHROMIUM} is missing: run scripts/install-test-deps.sh (Debian package chromium)")
    chromium = playwright.chromium.launch(executable_path=web.CHROMIUM, args=web.CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def off_the_loop(job: Callable[[], object]) -> None:
    """Run ``job`` on another thread and wait: Playwright's sync API keeps an event loop running on
    this one, and the SMTP transport runs its own."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            job()
        except BaseException as error:  # handed to the test thread below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if failures:
        raise failures[0]


class ConsoleWorld:
    """A mailbot (fed mail over SMTP/IMAP), its console served on loopback, and the provider."""

    def __init__(
        self,
        mail: Any,
        app: App,
        console: Console,
        base_url: str,
        issuer: str,
        browser: Browser,
        another: Callable[[], Console],
    ) -> None:
        self.another_console = another
        self.mail = mail
        self.app = app
        self.console = console
        self.base_url = base_url
        self.issuer = issuer
        self.browser = browser

    def run_mailbot(self) -> None:
        """``mailbot run --once``."""
        off_the_loop(lambda: run_once(self.app))

    def drain_outbox(self) -> None:
        """Send what is queued, without reading the mailboxes."""
        outbox = self.app.outbox
        if outbox is None:
            pytest.fail("the test app has no outbox")
        off_the_loop(outbox.drain)

    def close_console(self, console: Console) -> None:
        off_the_loop(console.close)

    def send(self, raw: bytes, sender: str, to: str) -> None:
        """Email ``to`` as ``sender`` over SMTP, wait for delivery, then let mailbot answer it."""
        before = len(self.mail.imap_messages(to))
        self.mail.smtp_send(raw, sender, to)
        self.mail.wait_for(lambda: len(self.mail.imap_messages(to)) > before)
        self.run_mailbot()

    def person(self, email: str, name: str, roles: list[str], *, bypass_csp: bool = False) -> Any:
        """A new browser context signed in as ``email`` with ``roles``; returns its page."""
        web.add_person(self.issuer, email, name, roles)
        context = self.browser.new_context(bypass_csp=bypass_csp, accept_downloads=True)
        context.set_default_timeout(HANG_TIMEOUT * 1000)  # a hang guard: the CI machine is busy
        page = context.new_page()
        web.sign_in(page, self.base_url, email)
        return page


@pytest.fixture
def workflow() -> dict[str, Any]:
    """``[workflow]`` keys for the world's config; a test parametrizes ``workflow`` to set some."""
    return {}


@pytest.fixture
def world(
    mail: Any,
    idp: str,
    browser: Browser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workflow: dict[str, Any],
) -> Iterator[ConsoleWorld]:
    def console_on_a_free_port() -> Console:
        """Another console process's worth of adapters over the same register (same config but the port)."""
        settings = settings_for(
            mail.dovecot,
            mail.smtp,
            tmp_path,
            f"sqlite:///{tmp_path / 'register.sqlite3'}",
            monkeypatch,
            web=web.web_config(idp, free_port(), monkeypatch),
            **workflow,
        )
        return build_console(settings)

    console = console_on_a_free_port()
    app = make_app(console.settings)
    try:
        with web.serve(console) as base_url:
            yield ConsoleWorld(mail, app, console, base_url, idp, browser, console_on_a_free_port)
    finally:
        off_the_loop(console.close)
        off_the_loop(app.close)
