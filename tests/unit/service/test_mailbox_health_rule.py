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


def test_each_configured_mailbox_with_a_record_gets_a_check_failing_only_past_the_limit() -> None:
    from mailbot.service.health import judge_mailboxes

    rows = {
        "caf": {**row("2026-11-25T08:40:00+00:00"), "last_error": "SignInError: AADSTS7000215"},
        "wpehs": {**row(None), "last_listened_at": "2026-11-25T08:59:00+00:00"},
        "retired": row("2026-11-20T08:00:00+00:00"),  # no longer in the config: not judged
    }
    checks = judge_mailboxes(rows, ["caf", "wpehs", "new"], NOW, limit_minutes=15)
    assert [(c.name, c.ok, c.live) for c in checks] == [
        ("mailbox_caf", False, False),
        ("mailbox_wpehs", True, False),
    ]
    assert "failing to connect since 2026-11-25T08:40:00+00:00, for 20 min" in checks[0].detail
    assert "AADSTS7000215" in checks[0].detail
    assert (
        checks[1].detail == "last sign-in 2026-11-25T08:00:00+00:00, last listened 2026-11-25T08:59:00+00:00"
    )
    # Failing, but not yet for long enough: it passes, and says so.
    (early,) = judge_mailboxes(rows, ["caf"], NOW, limit_minutes=30)
    assert early.ok and early.detail.startswith("failing to connect since")
