"""The ``mailbot`` command end to end, as an operator runs it, against the real Dovecot and SMTP relay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.apps import CAF, DOCX, WPEHS, assessment_docx, email, parsed
from support.waiting import HANG_TIMEOUT, wait_until

from mailbot.domain.urn import UrnScheme

# Each test starts several Python interpreters (the CLI): on a loaded 2-core machine the first one has
# taken 130 s, so the per-test hang guard is wider here than the suite's 300 s.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
#: Hang guard for the daemon's start-up and its first reply (the document workers start then): ~50 s
#: under a load average of 10 on two cores, a few seconds on a quiet machine.
DAEMON_HANG_TIMEOUT = 300.0
SW = "sw.two@lancashire.gov.uk"
MAILBOT = [sys.executable, "-m", "mailbot.cli"]


def _config(mail: Any, folder: Path) -> tuple[Path, dict[str, str]]:
    dovecot, smtp = mail.dovecot, mail.smtp
    text = f"""
[mailbot]
database_url = "sqlite:///register.sqlite3"
storage_dir = "storage"
log_level = "INFO"

[council]
trusted_domains = ["lancashire.gov.uk"]

[mailboxes.caf]
address = "{CAF}"
role = "caf"
[mailboxes.caf.imap]
host = "{dovecot.host}"
port = {dovecot.imap_port}
tls = "none"
username = "{CAF}"
password_env = "CLI_TEST_CAF_PASSWORD"

[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.imap]
host = "{dovecot.host}"
port = {dovecot.imap_port}
tls = "none"
username = "preventionearlyhelp@lancashire.gov.uk"
password_env = "CLI_TEST_WPEHS_PASSWORD"

[transport]
kind = "smtp"
[transport.smtp]
host = "{smtp.host}"
port = {smtp.port}
tls = "none"

[documents]
workers = 1
"""
    path = folder / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    environment = {
        **os.environ,
        "CLI_TEST_CAF_PASSWORD": dovecot.passwords[CAF],
        "CLI_TEST_WPEHS_PASSWORD": dovecot.passwords["preventionearlyhelp@lancashire.gov.uk"],
    }
    return path, environment


def _request() -> bytes:
    return email(
        f"Jo Worker <{SW}>",
        CAF,
        "URN request",
        "Please could I have a URN for the attached assessment. Consent has been given.",
        [("EHA.docx", DOCX, assessment_docx([("Ruby Sample", "14/03/2016", "LCS777001")]))],
    )


def test_run_once_answers_exactly_once_and_register_shows_it(mail: Any, tmp_path: Path) -> None:
    config, environment = _config(mail, tmp_path)
    check = subprocess.run(
        [*MAILBOT, "--config", str(config), "check-config"], env=environment, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    mail.smtp_send(_request(), SW, CAF)
    mail.wait_for(lambda: mail.imap_messages(CAF))
    for _ in range(2):  # a second run finds nothing new and sends nothing
        done = subprocess.run(
            [*MAILBOT, "--config", str(config), "run", "--once"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,  # a hang guard, not a bound: see pytestmark
        )
        assert done.returncode == 0, done.stderr
    # The relay delivers into Dovecot before it answers 250: with both runs over, the count is final.
    assert sum(SW in delivery.rcpt_tos for delivery in mail.smtp.deliveries) == 1
    replies = mail.imap_messages(SW)
    assert len(replies) == 1
    urn = UrnScheme().format(1)
    assert urn in parsed(replies[0])["Subject"] and UrnScheme().is_valid(urn)
    # The logs are JSON lines with no personal data: not the child's name, nor the subject.
    for line in done.stderr.splitlines():
        assert "Ruby" not in line and "URN request" not in line
        json.loads(line)
    exported = subprocess.run(
        [*MAILBOT, "--config", str(config), "register", "export", "--format", "json"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    register = json.loads(exported.stdout)
    assert [c["urn"] for c in register["cases"]] == [urn]
    assert register["cases"][0]["children"][0]["name"] == "Ruby Sample"
    assert [(r["type"], r["state"], r["urn"]) for r in register["requests"]] == [("urn_request", "done", urn)]
    assert [(o["template"], o["state"], o["to"]) for o in register["outbox"]] == [
        ("urn_issued", "sent", [SW])
    ]
    shown = subprocess.run(
        [*MAILBOT, "--config", str(config), "register", "show", urn.lower().replace("-", " ")],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["urn"] == urn
    missing = subprocess.run(
        [*MAILBOT, "--config", str(config), "register", "show", UrnScheme().format(99)],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1
    status = subprocess.run(
        [*MAILBOT, "--config", str(config), "status", "--format", "json"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stdout
    figures = json.loads(status.stdout)
    assert (figures["messages_waiting"], figures["outbox_failed"], figures["review_open"]) == (0, 0, 0)


def _running(daemon: subprocess.Popen[bytes]) -> bool:
    """True while the daemon runs; a daemon that exited fails the test at once with its log."""
    if daemon.poll() is None:
        return True
    _out, err = daemon.communicate()
    raise AssertionError(f"mailbot run exited with {daemon.returncode}:\n{err.decode(errors='replace')}")


def test_daemon_answers_with_idle_and_stops_on_sigterm(mail: Any, tmp_path: Path) -> None:
    config, environment = _config(mail, tmp_path)
    daemon = subprocess.Popen(
        [*MAILBOT, "--config", str(config), "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # Dovecot shows both mailboxes' sessions in IDLE: the daemon drained them and now waits. Its
        # own wait is 25 minutes, so the reply below can only come from IDLE waking it.
        wait_until(
            lambda: _running(daemon) and mail.dovecot.idling(CAF) == mail.dovecot.idling(WPEHS) == 1,
            timeout=DAEMON_HANG_TIMEOUT,
        )
        mail.smtp_send(_request(), SW, CAF)
        replies = mail.wait_for(lambda: mail.imap_messages(SW), timeout=DAEMON_HANG_TIMEOUT)
        assert UrnScheme().format(1) in parsed(replies[0])["Subject"]
        assert _running(daemon)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=HANG_TIMEOUT)
        except subprocess.TimeoutExpired:
            daemon.kill()
            raise
    assert daemon.returncode == 0


def test_check_config_explains_every_mistake(tmp_path: Path) -> None:
    config = tmp_path / "mailbot.toml"
    config.write_text(
        '[mailbot]\ntimezone = "Mars/Olympus"\n[council]\ntrusted_domains = []\n', encoding="utf-8"
    )
    result = subprocess.run(
        [*MAILBOT, "--config", str(config), "check-config"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "mailbot.timezone: unknown time zone 'Mars/Olympus'" in result.stderr
    assert "council.trusted_domains" in result.stderr
    assert "mailboxes: missing section [mailboxes]" in result.stderr


def test_check_config_renders_the_councils_edited_templates(mail: Any, tmp_path: Path) -> None:
    config, environment = _config(mail, tmp_path)
    edited = tmp_path / "templates"
    edited.mkdir()
    original = (
        Path(__file__).parents[2] / "mailbot" / "templating" / "templates_default" / "urn_issued.j2"
    ).read_text()
    (edited / "urn_issued.j2").write_text(original.replace("{{ urn }}", "{{ urn_number }}"), encoding="utf-8")
    config.write_text(
        config.read_text().replace("[mailbot]\n", f'[mailbot]\ntemplates_dir = "{edited}"\n'),
        encoding="utf-8",
    )
    result = subprocess.run(
        [*MAILBOT, "--config", str(config), "check-config"], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "templates.urn_issued: 'urn_number' is undefined" in result.stderr
