"""mailbot as a service signing in with OAuth2: IDLE across token expiry, sending with XOAUTH2 as
several From addresses, a revoked app, ``check-connection`` and ``status`` — against the real token
service, the OAuth2-only Dovecot and the OAuth2 submission server."""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.apps import DOCX, assessment_docx, email, parsed
from support.mailservers import wait_for
from support.oauth import CAF, SECRET_ENV, WPEHS, OAuthWorld, toml_of

from mailbot.domain.urn import UrnScheme
from mailbot.register.database import Register
from mailbot.service.bootstrap import build_app
from mailbot.service.daemon import Runner
from mailbot.service.mailbox_health import mailbox_health
from mailbot.sources.imap import ImapSource

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
MAILBOT = [sys.executable, "-m", "mailbot.cli"]


def _request() -> bytes:
    return email(
        f"Jo Worker <{SW}>",
        CAF,
        "URN request",
        "Please could I have a URN for the attached assessment. Consent has been given.",
        [("EHA.docx", DOCX, assessment_docx([("Ruby Sample", "14/03/2016", "LCS777001")]))],
    )


def _token_forms(values: list[str]) -> list[str]:
    """Each token as it could leak: itself, and inside a base64 XOAUTH2 string for either mailbox."""
    forms = list(values)
    for value in values:
        for user in (CAF, WPEHS):
            forms.append(base64.b64encode(f"user={user}\x01auth=Bearer {value}\x01\x01".encode()).decode())
    return forms


def _cli(
    config: Path, environment: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MAILBOT, "--config", str(config), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _write_config(oauth: OAuthWorld, folder: Path, **top: Any) -> tuple[Path, dict[str, str]]:
    raw = oauth.raw_config("sqlite:///register.sqlite3", **top)
    path = folder / "mailbot.toml"
    path.write_text(toml_of(raw), encoding="utf-8")
    return path, {**os.environ, SECRET_ENV: oauth.app.secret or ""}


def test_idle_across_token_expiry_signs_in_again_and_answers_exactly_once(
    oauth: OAuthWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth.tokens.lifetime = 3  # seconds: each session must be re-opened with a fresh token while idling
    settings = oauth.settings(f"sqlite:///{tmp_path / 'register.sqlite3'}", monkeypatch)
    app = build_app(settings)
    runner = Runner(app, idle_timeout=60)
    caf = app.sources["caf"]
    assert isinstance(caf, ImapSource)
    runner.start()
    try:
        # Idling since the start; the session is signed in again (fresh token) before each expiry.
        wait_for(lambda: caf.connections_opened >= 3, timeout=60)
        oauth.deliver(_request(), SW, CAF)
        replies = wait_for(lambda: oauth.dovecot.imap_messages(SW), timeout=60)
        assert UrnScheme().format(1) in parsed(replies[0])["Subject"]
        opened = caf.connections_opened
        wait_for(lambda: caf.connections_opened >= opened + 2, timeout=60)  # more expiries go by
        assert len(oauth.dovecot.imap_messages(SW)) == 1  # answered exactly once
        assert oauth.dovecot.imap_messages(CAF) == []
        assert len(oauth.dovecot.imap_messages(CAF, "Processed")) == 1
        assert len(oauth.dovecot.imap_messages(CAF, "Sent Items")) == 1  # found by SPECIAL-USE
    finally:
        runner.stop()
        app.close()
    assert len(oauth.tokens.tokens_for(oauth.app.client_id)) >= 4
    assert oauth.smtp.handler.sign_ins and set(oauth.smtp.handler.sign_ins) == {CAF}
    register = Register(settings.database_url)
    with register.transaction() as session:
        health = mailbox_health(session)
    register.close()
    assert health["caf"]["last_signed_in_at"] and health["caf"]["last_listened_at"]
    assert health["caf"]["failing_since"] is None
    # No token, whole or in an XOAUTH2 string, in any log line (mailbot's or a library's, at DEBUG).
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "signin token obtained" in logged
    for form in _token_forms(oauth.issued_values()):
        assert form not in logged


def test_send_as_each_mailbox_with_one_identity_or_one_per_mailbox(
    oauth: OAuthWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailbot.transports.base import OutgoingMail

    def mail(outbox_id: int, sender: str) -> OutgoingMail:
        raw = email(sender, SW, f"reply {outbox_id}", "hello")
        return OutgoingMail(outbox_id, f"<m{outbox_id}@x>", sender, (SW,), raw)

    raw = oauth.raw_config(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    monkeypatch.setenv(SECRET_ENV, oauth.app.secret or "")
    from mailbot.config import parse_settings
    from mailbot.service.bootstrap import build_transport

    one = build_transport(parse_settings(raw, tmp_path))
    assert one.send_many([mail(1, CAF), mail(2, WPEHS)]) == {1: None, 2: None}
    one.close()
    smtp = raw["transport"]["smtp"]
    for key in ("username", "auth", "send_as"):
        smtp.pop(key)
    smtp["identities"] = {
        "caf": {"username": CAF, "auth": "microsoft"},
        "wpehs": {"username": WPEHS, "auth": "microsoft"},
    }
    per_mailbox = build_transport(parse_settings(raw, tmp_path))
    assert per_mailbox.send_many([mail(3, CAF), mail(4, WPEHS)]) == {3: None, 4: None}
    per_mailbox.close()
    assert oauth.smtp.handler.sign_ins == [CAF, CAF, WPEHS]
    assert [d.mail_from for d in oauth.smtp.deliveries] == [CAF, WPEHS, CAF, WPEHS]


def test_check_connection_reports_send_as_refused_for_one_from(oauth: OAuthWorld, tmp_path: Path) -> None:
    config, environment = _write_config(oauth, tmp_path)
    good = _cli(config, environment, "check-connection")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "all connections work" in good.stdout
    assert "IDLE yes, MOVE yes, UIDPLUS yes, SPECIAL-USE yes" in good.stdout
    assert "'Sent Items': writable" in good.stdout
    assert "'Processed': missing (mailbot creates it at first sign-in)" in good.stdout
    # The app loses Send As on preventionearlyhelp@: the probe (MAIL FROM, RSET) says so, nothing sent.
    oauth.app.send_as = {CAF}
    refused = _cli(config, environment, "check-connection")
    assert refused.returncode == 1
    assert f"From {CAF}: may send" in refused.stdout
    assert f"From {WPEHS}: REFUSED (550 5.7.60" in refused.stdout
    assert "Add-RecipientPermission" in refused.stdout
    assert oauth.smtp.deliveries == []
    for form in _token_forms(oauth.issued_values()):
        assert form not in good.stdout + good.stderr + refused.stdout + refused.stderr


def test_check_connection_with_a_wrong_secret_names_the_fix(oauth: OAuthWorld, tmp_path: Path) -> None:
    config, environment = _write_config(oauth, tmp_path)
    environment[SECRET_ENV] = "a-wrong-secret-value"
    report = _cli(config, environment, "check-connection")
    assert report.returncode == 1
    assert "AADSTS7000215" in report.stdout
    assert "Certificates & secrets" in report.stdout and "client_secret_env" in report.stdout
    assert "a-wrong-secret-value" not in report.stdout + report.stderr


def test_revoked_secret_gives_a_clear_error_unhealthy_status_and_no_crash_loop(
    oauth: OAuthWorld, tmp_path: Path
) -> None:
    secret, oauth.app.secret = oauth.app.secret, None  # the administrator deleted the app's secret
    config, environment = _write_config(oauth, tmp_path, health={"mailbox_failing_max_minutes": 0.01})
    environment[SECRET_ENV] = secret or ""
    daemon = subprocess.Popen(
        [*MAILBOT, "--config", str(config), "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        status = wait_for(
            lambda: (
                (r := _cli(config, environment, "status")).returncode == 1
                and r.stdout.count("FAIL  mailbox_") == 2
                and r
            ),
            timeout=60,
        )
        assert "FAIL  mailbox_caf: failing to connect since" in status.stdout
        assert "FAIL  mailbox_wpehs: failing to connect since" in status.stdout
        assert "AADSTS7000215" in status.stdout and "Certificates & secrets" in status.stdout
        assert (secret or "") not in status.stdout
        as_json = json.loads(_cli(config, environment, "status", "--format", "json").stdout)
        assert sorted(c["name"] for c in as_json["checks"] if not c["ok"]) == ["mailbox_caf", "mailbox_wpehs"]
        # Each mailbox keeps trying, after a longer wait each time.
        wait_for(lambda: oauth.tokens.refusals_for(oauth.app.client_id).count("7000215") >= 6, timeout=60)
        assert daemon.poll() is None  # still running
        oauth.app.secret = secret  # fixed: the next retry signs in, and status recovers
        wait_for(lambda: _cli(config, environment, "status").returncode == 0, timeout=120)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            _out, err = daemon.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            raise
    assert daemon.returncode == 0
    lines = [json.loads(line)["event"] for line in err.decode().splitlines() if line.startswith("{")]
    unavailable = [line for line in lines if line.startswith("mailbox unavailable")]
    assert all("AADSTS7000215" in line for line in unavailable)
    for mailbox in ("caf", "wpehs"):
        delays = [
            float(line.split("retry_in=")[1].split("s ")[0])
            for line in unavailable
            if f"mailbox={mailbox} " in line
        ]
        assert len(delays) >= 2
        assert delays == sorted(delays)  # backoff: no crash loop
    assert oauth.tokens.refusals_for(oauth.app.client_id).count("7000215") == len(
        unavailable
    )  # one token request per attempt
    for form in [*_token_forms(oauth.issued_values()), secret or "-"]:
        assert form not in err.decode()


def test_smtp_renews_a_refused_token_once_and_sends(oauth: OAuthWorld) -> None:
    """The cached token predates the app's rights on preventionearlyhelp@: the submission server
    refuses it (535 with the XOAUTH2 error challenge), mailbot renews it at once and sends."""
    from mailbot.signin.providers import MicrosoftApp, MicrosoftTokens
    from mailbot.transports.base import OutgoingMail
    from mailbot.transports.smtp import SmtpSignIn, SmtpTransport

    oauth.app.mailboxes = {CAF}
    tokens = MicrosoftTokens(
        MicrosoftApp(
            oauth.tenant,
            oauth.app.client_id,
            oauth.app.secret,
            authority_host=oauth.authority,
            ca_file=oauth.tokens.ca_file,
        )
    )
    tokens.token()
    oauth.app.mailboxes = {CAF, WPEHS}
    transport = SmtpTransport(
        oauth.smtp.host,
        oauth.smtp.port,
        "none",
        identities=[SmtpSignIn(WPEHS, tokens=tokens, send_as=(WPEHS,))],
    )
    raw = email(WPEHS, SW, "reply", "hello")
    try:
        assert transport.send_many([OutgoingMail(1, "<m1@x>", WPEHS, (SW,), raw)]) == {1: None}
    finally:
        transport.close()
    assert oauth.smtp.handler.refused_sign_ins == 1 and oauth.smtp.handler.sign_ins == [WPEHS]
    assert tokens.fetched == 2
