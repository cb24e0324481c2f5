"""Health judged from figures (pure), and the systemd notification protocol on a real datagram socket."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.waiting import HANG_TIMEOUT

from mailbot.config import HealthSection
from mailbot.register.health import RegisterFigures
from mailbot.service.health import Check, Health, judge
from mailbot.service.monitoring import notify, watchdog_interval

LIMITS = HealthSection(received_max_minutes=30, sending_max_minutes=15, pending_max_minutes=60)


def _failing(figures: RegisterFigures, limits: HealthSection = LIMITS) -> dict[str, Check]:
    return {check.name: check for check in judge(figures, limits) if not check.ok}


def test_an_empty_register_is_healthy_and_live() -> None:
    health = Health(judge(RegisterFigures(), LIMITS), RegisterFigures())
    assert health.healthy and health.live
    assert [c.name for c in health.checks] == ["database", "received", "sending", "pending", "failed"]


def test_rows_waiting_within_their_limits_are_healthy() -> None:
    figures = RegisterFigures(
        messages={"received": 4, "processed": 1000},
        outbox={"sending": 2, "pending": 3, "sent": 900},
        oldest_received_seconds=29 * 60,
        oldest_sending_seconds=14 * 60,
        oldest_pending_seconds=59 * 60,
    )
    assert _failing(figures) == {}


def test_rows_stuck_received_or_sending_are_unhealthy_and_stop_the_watchdog() -> None:
    figures = RegisterFigures(
        messages={"received": 2},
        outbox={"sending": 1},
        oldest_received_seconds=31 * 60,
        oldest_sending_seconds=3 * 3600,
    )
    failing = _failing(figures)
    assert set(failing) == {"received", "sending"}
    assert (
        failing["received"].detail
        == "2 message(s) waiting to be processed, the oldest for 31 min (limit 30 min)"
    )
    assert failing["sending"].detail == "1 email(s) being sent, the oldest for 3.0 h (limit 15 min)"
    assert not Health(judge(figures, LIMITS), figures).live


def test_failed_and_long_pending_rows_are_unhealthy_but_a_restart_would_not_help() -> None:
    figures = RegisterFigures(
        outbox={"pending": 5, "failed": 1},
        oldest_pending_seconds=2 * 3600,
        failures_open=1,
        oldest_failure_open_seconds=60,
    )
    health = Health(judge(figures, LIMITS), figures)
    assert set(_failing(figures)) == {"pending", "failed"}
    assert not health.healthy
    assert health.live


def test_a_failure_is_tolerated_for_the_configured_minutes_while_someone_looks_at_it() -> None:
    figures = RegisterFigures(failures_open=2, oldest_failure_open_seconds=10 * 60)
    assert "failed" in _failing(figures, LIMITS)  # failed_max_minutes = 0: at once
    assert _failing(figures, HealthSection(failed_max_minutes=30)) == {}
    assert "failed" in _failing(figures, HealthSection(failed_max_minutes=5))


def test_json_keeps_the_flat_counts_scripts_read() -> None:
    figures = RegisterFigures(
        messages={"received": 1, "failed": 2},
        outbox={"pending": 3, "sending": 4, "failed": 5},
        requests={"done": 6},
        review_open=7,
        oldest_received_seconds=12.7,
        failures_open=2,
    )
    document = Health(judge(figures, HealthSection(failed_max_minutes=1)), figures).to_json()
    assert document["healthy"] is True
    assert {k: v for k, v in document.items() if k not in ("healthy", "checks")} == {
        "messages_waiting": 1,
        "oldest_waiting_seconds": 12,
        "messages_failed": 2,
        "outbox_pending": 3,
        "outbox_sending": 4,
        "outbox_failed": 5,
        "failures_unresolved": 2,
        "review_open": 7,
        "requests_by_state": {"done": 6},
    }


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(HANG_TIMEOUT)
    yield sock
    sock.close()


def test_notify_sends_the_state_to_the_socket_systemd_names(notify_socket: socket.socket) -> None:
    environ = {"NOTIFY_SOCKET": notify_socket.getsockname()}
    assert notify("WATCHDOG=1\nSTATUS=healthy", environ)
    assert notify_socket.recv(4096) == b"WATCHDOG=1\nSTATUS=healthy"


def test_notify_reaches_an_abstract_namespace_socket() -> None:
    name = f"mailbot-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(HANG_TIMEOUT)
        assert notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096) == b"READY=1"


def test_notify_outside_systemd_does_nothing() -> None:
    assert notify("READY=1", {}) is False


def test_watchdog_interval_is_half_of_watchdog_sec_for_this_process() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({}) is None
