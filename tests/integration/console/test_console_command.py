"""``mailbot web`` as an operator starts it: it serves the console with its security headers, sends
people to sign in, refuses to start without GOV.UK Frontend or a [web] section, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support.mailservers import free_port, wait_for
from support.waiting import HANG_TIMEOUT

pytestmark = pytest.mark.integration
MAILBOT = [sys.executable, "-m", "mailbot.cli"]
CONFIG = """
[mailbot]
database_url = "sqlite:///register.sqlite3"
storage_dir = "storage"
[council]
trusted_domains = ["lancashire.gov.uk"]
[mailboxes.caf]
address = "caf@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.maildir]
path = "mail/caf"
[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.maildir]
path = "mail/wpehs"
[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"
"""
WEB = """
[web]
base_url = "https://console.lancashire.gov.uk"
port = {port}
session_secret_env = "CMD_TEST_SESSION"
{assets}
[web.oidc]
issuer = "https://login.example.invalid/tenant/v2.0"
client_id = "console"
client_secret_env = "CMD_TEST_OIDC"
[web.roles]
viewer = ["readers"]
"""


def _environment() -> dict[str, str]:
    return {**os.environ, "CMD_TEST_SESSION": "x" * 40, "CMD_TEST_OIDC": "secret"}


def test_mailbot_web_serves_the_console_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "mailbot.toml"
    config.write_text(CONFIG + WEB.format(port=port, assets=""), encoding="utf-8")
    process = subprocess.Popen(
        [*MAILBOT, "--config", str(config), "web"], env=_environment(), stderr=subprocess.PIPE, cwd=tmp_path
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> httpx.Response | None:
            try:
                return httpx.get(f"{base}/", timeout=HANG_TIMEOUT)
            except httpx.TransportError:
                return None

        home = wait_for(up)
        assert home.status_code == 303 and home.headers["location"] == "/sign-in"
        signed_out = httpx.get(f"{base}/signed-out", timeout=HANG_TIMEOUT)
        assert signed_out.status_code == 200 and "Sign in" in signed_out.text
        assert "script-src 'self'" in signed_out.headers["content-security-policy"]
        assert signed_out.headers["strict-transport-security"].startswith("max-age=")  # https base_url
        css = httpx.get(f"{base}/govuk/govuk-frontend.min.css", timeout=HANG_TIMEOUT)
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert httpx.post(f"{base}/sign-out", timeout=HANG_TIMEOUT).status_code == 403
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=HANG_TIMEOUT)
    # uvicorn shuts down gracefully, then lets the signal end the process, as a service manager expects.
    assert process.returncode in (0, -signal.SIGTERM)
    assert b"Finished server process" in process.stderr.read()  # type: ignore[union-attr]


def test_mailbot_web_says_what_is_missing(tmp_path: Path) -> None:
    config = tmp_path / "mailbot.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = subprocess.run(
        [*MAILBOT, "--config", str(config), "web"], env=_environment(), capture_output=True, text=True
    )
    assert result.returncode == 2 and "no [web] section" in result.stderr
    config.write_text(
        CONFIG + WEB.format(port=free_port(), assets=f'assets_dir = "{tmp_path}"'), encoding="utf-8"
    )
    result = subprocess.run(
        [*MAILBOT, "--config", str(config), "web"], env=_environment(), capture_output=True, text=True
    )
    assert (
        result.returncode == 2
        and "GOV.UK Frontend is not installed" in result.stderr
        and "npm ci" in result.stderr
    )
