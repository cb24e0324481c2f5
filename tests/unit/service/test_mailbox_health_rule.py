"""Which mailboxes make ``mailbot status`` unhealthy (pure: rows and ``now`` in, names out)."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.service.mailbox_health import failing_mailboxes

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def row(failing_since: str | None) -> dict[str, str | None]:
    return {"last_signed_in_at": "2026-11-25T08:00:00+00:00", "failing_since": failing_since}


def test_a_mailbox_failing_longer_than_the_alarm_is_named() -> None:
    health = {
        "caf": row("2026-11-25T08:40:00+00:00"),  # 20 minutes
        "wpehs": row("2026-11-25T08:50:00+00:00"),  # 10 minutes
        "other": row(None),  # signed in since its last error
    }
    assert failing_mailboxes(health, NOW, alarm_seconds=15 * 60) == ["caf"]
    assert failing_mailboxes(health, NOW, alarm_seconds=5 * 60) == ["caf", "wpehs"]
    assert failing_mailboxes({}, NOW, alarm_seconds=60) == []
