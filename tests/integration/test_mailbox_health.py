"""Mailbox health rows on SQLite and PostgreSQL (migration 0002): sign-in, listen, failure, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailbot.register.database import Register
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
