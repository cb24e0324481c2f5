"""Reply limits that stop floods and mail loops without silencing busy people (pure).

Every email mailbot sends because of someone's mail — a reply, a chase-up, an escalation about their
request — counts against three limits, whichever path sends it (``decide`` and the chase job ask the
same function with counts from the same register query):

- per thread: at most ``per_thread_per_day`` emails for one request in 24 hours. A bot answering each
  of our replies in the thread is held after that many.
- per pattern: at most ``per_pattern_per_day`` emails caused by the same message pattern (same
  sender, same subject and text once reply prefixes, reference tags and digits are set aside, same
  attachments) in 24 hours. A bot that starts a new thread each time is held after that many.
- per sender, a flood breaker set far above what a person sends: ``per_sender_per_hour`` and
  ``per_sender_per_day`` emails. Six genuine requests in an hour differ in their attachments and
  text, so neither the pattern nor the breaker stops them.

When a limit is reached the emails are held, never the register work (the URN is still issued, the
request still queued), and ONE review item is opened for the hold key (``thread:<id>``,
``pattern:<fingerprint>``, ``sender:<address>``). While that item is open every email under the key
is held — replies and chase-ups and escalations alike — with no further review item; resolving it
lifts the hold.

The flood bound that follows: whatever one sender sends, mailbot sends at most
``per_sender_per_hour`` emails because of it (20 by default) in any hour and ``per_sender_per_day``
(60) in any 24 hours; the first time either would be exceeded the breaker latches and nothing more
goes to or about that sender until a person resolves the one ``flood`` review item. A burst such as
500 messages in an hour, followed by any number of chase runs, therefore costs at most 20 emails and
one review item; messages that repeat one pattern are held after ``per_pattern_per_day`` (3), and a
thread after ``per_thread_per_day`` (3).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|r|res|enc|odp|pd|ynt|vb|atb)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_REFERENCE_TAG = re.compile(r"\[(?:SD|WD)-[0-9-]+\]", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class ReplyLimits:
    """The limits (config ``[limits]``); see the module docstring for what each one stops."""

    per_thread_per_day: int = 3
    per_pattern_per_day: int = 3
    per_sender_per_hour: int = 20
    per_sender_per_day: int = 60


@dataclass(frozen=True)
class ReplyCounts:
    """What the register has already sent because of this sender, thread and pattern.

    ``held`` lists the hold keys that apply here and have an open review item.
    """

    thread_last_day: int = 0
    pattern_last_day: int = 0
    sender_last_hour: int = 0
    sender_last_day: int = 0
    held: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hold:
    """Emails are held under ``key``; ``reason`` names the limit for the review item."""

    key: str
    reason: str
    detail: str


def thread_key(request_id: int) -> str:
    return f"thread:{request_id}"


def pattern_key(pattern: str) -> str:
    return f"pattern:{pattern}"


def sender_key(sender: str) -> str:
    return f"sender:{sender.strip().lower()}"


def hold_keys(sender: str | None, request_id: int | None, patterns: Sequence[str]) -> tuple[str, ...]:
    """Every hold key that would hold an email about this sender, request and patterns."""
    keys = [sender_key(sender)] if sender else []
    if request_id is not None:
        keys.append(thread_key(request_id))
    keys += [pattern_key(p) for p in patterns]
    return tuple(keys)


def _normalise(text: str) -> str:
    text = _REFERENCE_TAG.sub(" ", text.lower())
    return " ".join(_DIGITS.sub("#", text).split())


def message_pattern(sender: str, subject: str, text: str, attachment_digests: Sequence[str]) -> str:
    """A fingerprint shared by messages that repeat each other (what a loop or a flood sends).

    Reply prefixes (``RE:``, ``AW:``, ``SV:``...), our reference tags and digit runs are set aside so a
    numbered flood or a bot re-quoting our subject shares one pattern; attachments count exactly, so
    two genuine requests with the same covering text but different assessments do not.
    """
    subject = _REPLY_PREFIX.sub("", subject)
    parts = [
        sender.strip().lower(),
        _normalise(subject),
        _normalise(text)[:2000],
        *sorted(attachment_digests),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def check_limits(
    counts: ReplyCounts,
    limits: ReplyLimits,
    *,
    sender: str,
    request_id: int | None = None,
    pattern: str | None = None,
    sending: int = 1,
) -> Hold | None:
    """None when ``sending`` more emails may go; else the hold that stops them (an existing one first)."""
    if counts.held:
        return Hold(counts.held[0], "reply_limit", "emails held while an earlier limit is open")
    if request_id is not None and counts.thread_last_day + sending > limits.per_thread_per_day:
        return Hold(
            thread_key(request_id),
            "reply_limit_thread",
            f"{counts.thread_last_day} emails in this thread in the last 24 hours: a mail loop is likely",
        )
    if pattern is not None and counts.pattern_last_day + sending > limits.per_pattern_per_day:
        return Hold(
            pattern_key(pattern),
            "reply_limit_pattern",
            f"the same message came {counts.pattern_last_day + 1} times in 24 hours: an automatic sender is likely",
        )
    if (
        counts.sender_last_hour + sending > limits.per_sender_per_hour
        or counts.sender_last_day + sending > limits.per_sender_per_day
    ):
        return Hold(
            sender_key(sender),
            "flood",
            f"flood breaker: {counts.sender_last_hour} emails in the last hour, {counts.sender_last_day} in "
            "24 hours because of one sender; everything to or about this sender is held",
        )
    return None
