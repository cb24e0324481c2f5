"""When a waiting request is chased, and when it is handed to a person instead (pure: ``as_of`` is passed).

Two kinds of wait:
- a request waiting on its **sender** (something missing, a URN to confirm): chased after N working
  days without news, M times, then escalated;
- a **new lead professional's first TAF minutes**: nothing happens until they are due (four weeks after
  the LP was recorded, by default), then the LP is chased on the same working-day rhythm and, after M
  reminders, CAF@ is told.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from mailbot.rules.workdays import working_days_between

ChaseAction = Literal["wait", "chase", "escalate"]


def due_action(
    last_contact: date,
    reminders_sent: int,
    as_of: date,
    after_working_days: int,
    max_reminders: int,
    region: str,
) -> ChaseAction:
    """What to do today with a request waiting on its sender since ``last_contact``."""
    if working_days_between(last_contact, as_of, region) < after_working_days:
        return "wait"
    return "chase" if reminders_sent < max_reminders else "escalate"


def taf_due_action(
    due_on: date,
    last_chased: date | None,
    reminders_sent: int,
    as_of: date,
    *,
    can_chase: bool,
    after_working_days: int,
    max_reminders: int,
    region: str,
) -> ChaseAction:
    """What to do today about TAF minutes due on ``due_on``.

    ``can_chase`` is False when the LP has no email address mailbot may write to: then CAF@ is told as
    soon as the minutes are late.
    """
    if as_of < due_on:
        return "wait"
    if not can_chase:
        return "escalate"
    if reminders_sent == 0 or last_chased is None:
        return "chase"
    return due_action(last_chased, reminders_sent, as_of, after_working_days, max_reminders, region)
