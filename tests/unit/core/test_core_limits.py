"""Reply limits: per thread, per repeated pattern and a per-sender flood breaker (pure)."""

from __future__ import annotations

import pytest

from mailbot.rules.limits import Hold, ReplyCounts, ReplyLimits, check_limits, hold_keys, message_pattern

LIMITS = ReplyLimits(
    per_thread_per_day=3, per_pattern_per_day=3, per_sender_per_hour=20, per_sender_per_day=60
)
SW = "sw.one@lancashire.gov.uk"


def test_nothing_sent_yet_nothing_held() -> None:
    assert check_limits(ReplyCounts(), LIMITS, sender=SW, request_id=1, pattern="p") is None


@pytest.mark.parametrize(
    ("counts", "key", "reason"),
    [
        (ReplyCounts(thread_last_day=3), "thread:1", "reply_limit_thread"),
        (ReplyCounts(pattern_last_day=3), "pattern:p", "reply_limit_pattern"),
        (ReplyCounts(sender_last_hour=20), f"sender:{SW}", "flood"),
        (ReplyCounts(sender_last_day=60), f"sender:{SW}", "flood"),
        (ReplyCounts(held=("pattern:old",), thread_last_day=9), "pattern:old", "reply_limit"),
    ],
)
def test_each_limit_holds_under_its_own_key(counts: ReplyCounts, key: str, reason: str) -> None:
    hold = check_limits(counts, LIMITS, sender=SW, request_id=1, pattern="p")
    assert isinstance(hold, Hold) and (hold.key, hold.reason) == (key, reason)
    assert "@" not in hold.detail  # the detail goes to the review list and the audit log


def test_just_under_each_limit_is_allowed() -> None:
    counts = ReplyCounts(thread_last_day=2, pattern_last_day=2, sender_last_hour=19, sender_last_day=59)
    assert check_limits(counts, LIMITS, sender=SW, request_id=1, pattern="p") is None


def test_several_emails_at_once_must_all_fit() -> None:
    counts = ReplyCounts(sender_last_hour=19)
    assert check_limits(counts, LIMITS, sender=SW, sending=2) is not None


def test_a_new_request_has_no_thread_to_count() -> None:
    assert check_limits(ReplyCounts(thread_last_day=99), LIMITS, sender=SW) is None


def test_hold_keys_name_sender_thread_and_patterns() -> None:
    assert hold_keys("SW.One@Lancashire.gov.uk", 7, ["a", "b"]) == (
        f"sender:{SW}",
        "thread:7",
        "pattern:a",
        "pattern:b",
    )
    assert hold_keys(None, None, []) == ()


def test_a_numbered_flood_is_one_pattern() -> None:
    first = message_pattern(SW, "Test message 1", "Body of test message 1.", [])
    assert first == message_pattern(SW, "Test message 417", "Body of test message 417.", [])
    assert first == message_pattern(
        SW.upper(), "RE: AW: Test message 2 [SD-000123]", "Body of test message 2.", []
    )


def test_genuine_requests_with_the_same_words_differ_by_their_attachments() -> None:
    text = "Please can I request a URN. Consent has been given."
    assert message_pattern(SW, "URN request", text, ["aaa"]) != message_pattern(
        SW, "URN request", text, ["bbb"]
    )
    # ...and the order attachments come in does not matter.
    assert message_pattern(SW, "x", text, ["a", "b"]) == message_pattern(SW, "x", text, ["b", "a"])


def test_patterns_are_per_sender() -> None:
    assert message_pattern(SW, "x", "y", []) != message_pattern("other@lancashire.gov.uk", "x", "y", [])
