"""Health that tells the truth, on SQLite and PostgreSQL: stuck rows make ``status`` unhealthy, an
unreachable database is one line and exit 3, and the daemon serves ``/healthz``, ``/metrics`` and
feeds the systemd watchdog only while it is live."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session
from support.configs import MAILBOT, MAILDIR_CONFIG, environment, write_maildir_config
from support.mailservers import free_port
from support.waiting import HANG_TIMEOUT

from mailbot.cli import main
from mailbot.config import Settings, load_settings
from mailbot.register.database import Register
from mailbot.register.health import read_figures
from mailbot.register.models import Message, Outbox, ReviewItem
from mailbot.service.health import Check, check_health

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _message(state: str, received: datetime, mailbox: str = "caf", n: int = 0) -> Message:
    return Message(
        mailbox=mailbox,
        direction="in",
        message_id=f"<m{n}.{state}@example>",
        sha256=f"{n:064d}",
        raw_path=f"raw/{n}",
        size=1,
        state=state,
        received_at=received,
    )


def _outbox(state: str, n: int, created: datetime, attempt_started: datetime) -> Outbox:
    return Outbox(
        dedupe_key=f"k{n}",
        message_id=f"<mailbot.{n}@lancashire.gov.uk>",
        mailbox="caf",
        template="acknowledgement",
        recipients=["sw.one@lancashire.gov.uk"],
        to_address="sw.one@lancashire.gov.uk",
        subject=f"s{n}",
        raw=b"x",
        state=state,
        attempts=1,
        next_attempt_at=attempt_started,
        created_at=created,
    )


def seed_stuck(register: Register, now: datetime) -> None:
    """A message received 2 h ago, an email sending for 1 h, one failed 3 h ago with its review open."""
    with register.transaction() as session:
        session.add(_message("received", now - timedelta(hours=2), n=1))
        session.add(_message("received", now - timedelta(minutes=1), n=2))
        session.add(_message("processed", now - timedelta(days=3), n=3))
        session.add(_outbox("sending", 1, now - timedelta(hours=1), now - timedelta(hours=1)))
        session.add(_outbox("sent", 2, now - timedelta(days=1), now - timedelta(days=1)))
        failed = _outbox("failed", 3, now - timedelta(hours=4), now - timedelta(hours=4))
        session.add(failed)
        session.flush()
        session.add(
            ReviewItem(
                reason="send_failed",
                detail="",
                state="open",
                outbox_id=failed.id,
                created_at=now - timedelta(hours=3),
            )
        )


def resolve_stuck(register: Register) -> None:
    with register.transaction() as session:
        session.execute(update(Message).where(Message.state == "received").values(state="processed"))
        session.execute(update(Outbox).where(Outbox.state == "sending").values(state="sent"))
        session.execute(update(ReviewItem).values(state="resolved"))


def test_figures_are_aggregates_whatever_the_number_of_rows(register_url: str) -> None:
    register = Register(register_url)
    seed_stuck(register, NOW)
    statements: list[str] = []
    event.listen(register.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with register.transaction() as session:
        figures = read_figures(session, NOW)
    few = len(statements)
    with register.transaction() as session:
        session.add_all(_message("processed", NOW, n=100 + i) for i in range(300))
        session.add_all(_outbox("sent", 100 + i, NOW, NOW) for i in range(300))
    statements.clear()
    with register.transaction() as session:
        many = read_figures(session, NOW)
    assert len(statements) == few  # one query per figure, never one per row
    assert figures.messages == {"received": 2, "processed": 1}
    assert figures.outbox == {"sending": 1, "sent": 1, "failed": 1}
    assert (figures.oldest_received_seconds, figures.oldest_sending_seconds) == (7200, 3600)
    assert (figures.failures_open, figures.oldest_failure_open_seconds) == (1, 3 * 3600)
    assert many.messages == {"received": 2, "processed": 301}
    register.close()


def test_a_sending_row_is_stuck_only_once_its_claim_has_run_out(register_url: str) -> None:
    """In flight, or held for a Sent lookup, within its lease: not stuck (a restart would not help).
    Past its lease with no drain taking it over: stuck, counted from the lease's end."""
    register = Register(register_url)
    with register.transaction() as session:
        held = _outbox("sending", 1, NOW - timedelta(hours=2), NOW - timedelta(hours=2))
        held.claimed_until = NOW + timedelta(minutes=30)  # held: its Sent folder could not be searched
        session.add(held)
    with register.transaction() as session:
        figures = read_figures(session, NOW)
    assert (figures.outbox, figures.oldest_sending_seconds) == ({"sending": 1}, 0)
    with register.transaction() as session:
        overdue = _outbox("sending", 2, NOW - timedelta(hours=1), NOW - timedelta(hours=1))
        overdue.claimed_until = NOW - timedelta(minutes=20)  # its drain died; nobody took it over
        session.add(overdue)
    with register.transaction() as session:
        figures = read_figures(session, NOW)
    assert (figures.outbox, figures.oldest_sending_seconds) == ({"sending": 2}, 20 * 60)
    register.close()


def _status(folder: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    config = write_maildir_config(folder)
    return subprocess.run(
        [*MAILBOT, "--config", str(config), "status", "--format", "json"],
        env=environment(database_url),
        capture_output=True,
        text=True,
    )


def test_status_is_unhealthy_while_rows_are_stuck_and_healthy_once_resolved(
    register_url: str, tmp_path: Path
) -> None:
    register = Register(register_url)
    seed_stuck(register, datetime.now(UTC))
    stuck = _status(tmp_path, register_url)
    assert stuck.returncode == 1, stuck.stderr
    document = json.loads(stuck.stdout)
    assert document["healthy"] is False
    assert {c["name"] for c in document["checks"] if not c["ok"]} == {"received", "sending", "failed"}
    assert (document["messages_waiting"], document["outbox_sending"], document["failures_unresolved"]) == (
        2,
        1,
        1,
    )
    resolve_stuck(register)
    config = ["--config", str(tmp_path / "mailbot.toml"), "status", "--format", "json"]
    healthy = CliRunner().invoke(main, config, obj={}, env={"MAILBOT_DATABASE_URL": register_url})
    assert healthy.exit_code == 0, healthy.output
    assert json.loads(healthy.stdout)["healthy"] is True
    register.close()


def test_status_says_one_line_and_exits_3_when_postgresql_cannot_be_reached(tmp_path: Path) -> None:
    closed = f"postgresql+psycopg://mailbot:secret-pw@127.0.0.1:{free_port()}/mailbot"
    result = _status(tmp_path, closed)
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mailbot: the register at postgresql+psycopg://mailbot:***@127.0.0.1:")
    assert "cannot be reached" in lines[0] and "secret-pw" not in lines[0]


def test_status_says_one_line_and_exits_3_when_the_sqlite_folder_cannot_exist(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the register's folder should be")
    result = _status(tmp_path, f"sqlite:///{blocker}/register.sqlite3")
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(
        f"mailbot: the register at sqlite:///{blocker}/register.sqlite3 cannot be reached"
    )


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=HANG_TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _notifications(sock: socket.socket, until: str) -> list[str]:
    """Datagrams from the daemon, in order, up to and including the first that contains ``until``."""
    received = []
    while True:
        message = sock.recv(4096).decode()
        received.append(message)
        if until in message:
            return received


def test_daemon_serves_health_and_metrics_and_feeds_the_watchdog_only_while_live(tmp_path: Path) -> None:
    port = free_port()
    text = MAILDIR_CONFIG.replace("[health]\nport = 0", f"[health]\nport = {port}\nreceived_max_minutes = 30")
    config = write_maildir_config(tmp_path, text)
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    sock.settimeout(HANG_TIMEOUT)
    env = environment(NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC="400000")
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen([*MAILBOT, "--config", str(config), "run"], env=env, stderr=log)
    register: Register | None = None
    try:
        assert _notifications(sock, "READY=1")[-1].startswith("READY=1")
        first_ping = _notifications(sock, "WATCHDOG=1")[-1]
        assert first_ping == "WATCHDOG=1\nSTATUS=healthy"
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and json.loads(body)["healthy"] is True
        assert {c["name"] for c in json.loads(body)["checks"]} >= {"database", "received", "mailbox_loops"}
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert "mailbot_healthy 1.0" in metrics and "mailbot_register_up 1.0" in metrics
        # A message of a mailbox no runner reads stays "received": the service is wedged for it.
        register = Register(f"sqlite:///{tmp_path / 'register.sqlite3'}")
        with register.transaction() as session:
            session.add(_message("received", datetime.now(UTC) - timedelta(hours=1), mailbox="ghost", n=9))
        unhealthy = _notifications(sock, "STATUS=unhealthy")[-1]
        assert "WATCHDOG=1" not in unhealthy
        assert unhealthy.startswith("STATUS=unhealthy: received: 1 message(s) waiting to be processed")
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503 and json.loads(body)["healthy"] is False
        metrics = _get(f"http://127.0.0.1:{port}/metrics")[1]
        assert "mailbot_healthy 0.0" in metrics
        assert 'mailbot_health_check{check="received"} 0.0' in metrics
        assert 'mailbot_messages{state="received"} 1.0' in metrics
        resolve_stuck(register)
        assert _notifications(sock, "WATCHDOG=1")[-1] == "WATCHDOG=1\nSTATUS=healthy"
        assert _get(f"http://127.0.0.1:{port}/nowhere")[0] == 404
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=HANG_TIMEOUT)
        except subprocess.TimeoutExpired:
            daemon.kill()
            raise
        if register is not None:
            register.close()
    log.close()
    assert daemon.returncode == 0, (tmp_path / "daemon.log").read_text()
    assert _notifications(sock, "STOPPING=1")[-1] == "STOPPING=1"
    sock.close()


def test_a_health_port_already_taken_stops_the_daemon_with_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_maildir_config(
            tmp_path, MAILDIR_CONFIG.replace("[health]\nport = 0", f"[health]\nport = {port}")
        )
        result = subprocess.run(
            [*MAILBOT, "--config", str(config), "run"],
            env=environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"mailbot: ConfigError: health.port: cannot listen on 127.0.0.1:{port} (Address already in use)"
    ]


def test_mailbox_connection_checks_plug_into_the_same_answer(tmp_path: Path) -> None:
    # Issue 8 supplies the real mailbox check; any check given here must reach status and /healthz.
    settings = load_settings(write_maildir_config(tmp_path))
    register = Register(settings.database_url)
    seen: list[object] = []

    def mailboxes(session: Session, settings: Settings, now: datetime) -> tuple[Check, ...]:
        seen.append(session.execute(select(func.count(Message.id))).scalar_one())
        return (Check("mailbox_caf", False, "has not connected for 2 h"),)

    health = check_health(register, settings, NOW, extra=mailboxes)
    without = check_health(register, settings, NOW)
    register.close()
    assert seen == [0]
    assert [c.name for c in health.checks if not c.ok] == ["mailbox_caf"]
    assert not health.healthy and health.live
    assert without.healthy
