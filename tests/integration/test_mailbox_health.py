"""Mailbox health rows on SQLite and PostgreSQL (migration 0005): sign-in, listen, failure, recovery,
and the per-mailbox checks ``status``, ``/healthz`` and the console read from them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.configs import write_maildir_config

from mailbot.config import HealthSection, load_settings
from mailbot.register.database import Register
from mailbot.service.health import check_health
from mailbot.service.mailbox_health import MailboxHealthRecorder, failing_mailboxes, mailbox_health

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_failing_period_starts_at_the_first_failure_and_ends_at_the_next_sign_in(register_url: str) -> None:
    clock = [START]
    register = Register(register_url)
    recorder = MailboxHealthRecorder(register, lambda: clock[0])
    try:
        recorder.signed_in("caf")
        recorder.listened("caf")
        clock[0] += timedelta(minutes=5)
        token = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln"
        recorder.failed("caf", ConnectionError(f"refused token {token}"))
        clock[0] += timedelta(minutes=20)
        recorder.failed("caf", "still refused")
        with register.transaction() as session:
            health = mailbox_health(session)
        assert health["caf"]["failing_since"] == "2026-11-25T09:05:00+00:00"
        assert health["caf"]["last_error"] == "still refused"
        assert health["caf"]["last_listened_at"] == "2026-11-25T09:00:00+00:00"
        assert failing_mailboxes(health, clock[0], alarm_seconds=15 * 60) == ["caf"]
        recorder.signed_in("caf")
        with register.transaction() as session:
            health = mailbox_health(session)
        assert health["caf"]["failing_since"] is None
        assert failing_mailboxes(health, clock[0], alarm_seconds=60) == []
        recorder.failed("wpehs", f"token {token} refused")
        with register.transaction() as session:
            assert token not in (mailbox_health(session)["wpehs"]["last_error"] or "")
    finally:
        register.close()


def test_status_checks_name_a_mailbox_failing_too_long_and_recover_after_a_good_cycle(
    register_url: str, tmp_path: Path
) -> None:
    clock = [START]
    register = Register(register_url)
    recorder = MailboxHealthRecorder(register, lambda: clock[0])
    settings = replace(
        load_settings(write_maildir_config(tmp_path)),
        database_url=register_url,
        health=HealthSection(mailbox_failing_max_minutes=10),
    )
    try:
        recorder.listened("caf")
        recorder.failed("caf", "ConnectionRefusedError: [Errno 111]")
        clock[0] += timedelta(minutes=11)
        health = check_health(register, settings, clock[0])
        failing = [c for c in health.checks if not c.ok]
        assert [c.name for c in failing] == ["mailbox_caf"]
        assert "Errno 111" in failing[0].detail and health.live  # a restart would not mend it
        recorder.listened("caf")  # a cycle read the mailbox (a Maildir never signs in)
        assert check_health(register, settings, clock[0]).healthy
    finally:
        register.close()
