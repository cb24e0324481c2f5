"""Chase-ups: remind senders of incomplete requests after N working days, M times, then escalate.

``due_action`` is the pure rule; ``run_chases`` applies it to the register in one transaction per
request. Each reminder has a dedupe key per attempt, so running the job twice on one day (by hand and
by the scheduler) cannot send a reminder twice.

Chase-ups and escalations count against the same reply limits as replies (``mailbot.rules.limits``,
counted by ``mailbot.register.queries.reply_counts``): a request whose sender, thread or pattern is
held is neither chased nor escalated, and a limit reached here opens the same one review item per
hold. So a flood of requests from one sender cannot turn into a flood of reminders to them or of
escalations to the team.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.mail.parse import parse_message
from mailbot.register.database import Register
from mailbot.register.models import Event, Message, Request, ReviewItem, open_request
from mailbot.register.queries import open_holds, reply_counts, request_patterns
from mailbot.rules.limits import Hold, ReplyCounts, check_limits, hold_keys
from mailbot.rules.workdays import working_days_between
from mailbot.transports.outgoing import Shell, queue_email
from mailbot.workflow.apply import open_hold

log = logging.getLogger(__name__)

#: Request states that are waiting on the sender and so are chased.
CHASED_STATES = ("incomplete", "awaiting_urn")


def due_action(
    last_contact: date,
    reminders_sent: int,
    as_of: date,
    after_working_days: int,
    max_reminders: int,
    region: str,
) -> Literal["wait", "chase", "escalate"]:
    """What to do today with a request waiting on its sender since ``last_contact`` (pure)."""
    if working_days_between(last_contact, as_of, region) < after_working_days:
        return "wait"
    return "chase" if reminders_sent < max_reminders else "escalate"


@dataclass
class ChaseResult:
    chased: int = 0
    escalated: int = 0
    waiting: int = 0
    held: int = 0


def _last_inbound(session: Session, request: Request) -> Message | None:
    return (
        session.execute(
            select(Message)
            .where(Message.request_id == request.id, Message.direction == "in")
            .order_by(Message.id.desc())
        )
        .scalars()
        .first()
    )


def _sender_name(shell: Shell, message: Message | None) -> str | None:
    """The display name the sender used (for "Dear Sam Worker,"), read from the stored message.

    Reminders greet the sender the way the first chase-up did; None when the message cannot be read.
    """
    if message is None:
        return None
    try:
        # The headers are enough for a display name: never read a whole (perhaps 80 MB) message.
        parsed = parse_message(shell.storage.head(message.raw_path))
    except (OSError, ValueError):
        return None
    return parsed.sender.display_name if parsed.sender and parsed.sender.display_name else None


def _held(
    session: Session, shell: Shell, request: Request, now: datetime, open_keys: set[str]
) -> Hold | None:
    """The reply limit that holds this request's next email, opening its one review item if new.

    ``open_keys`` are the holds open in this run (read once per run, added to as holds open), so a
    flood's hundreds of held requests cost no query each.
    """
    already = tuple(k for k in hold_keys(request.sender, request.id, ()) if k in open_keys)
    if already:
        counts = ReplyCounts(held=already)
        patterns: list[str] = []
    else:
        patterns = request_patterns(session, request.id)
        counts = reply_counts(
            session, sender=request.sender, request_id=request.id, patterns=patterns, now=now
        )
    hold = check_limits(
        counts,
        shell.settings.limits.reply_limits,
        sender=request.sender,
        request_id=request.id,
        pattern=patterns[0] if patterns else None,
    )
    if hold is not None and hold.key not in open_keys and not open_hold(session, hold.key):
        open_keys.add(hold.key)
        session.add(
            ReviewItem(
                reason=hold.reason,
                detail=hold.detail,
                state="open",
                request_id=request.id,
                hold_key=hold.key,
                created_at=now,
            )
        )
    return hold


def _chase_one(
    session: Session, shell: Shell, request: Request, as_of: date, now: datetime, open_keys: set[str]
) -> str:
    settings = shell.settings
    workflow = settings.workflow
    zone = settings.zone
    last = (request.last_chased_at or request.last_activity_at).astimezone(zone).date()
    action = due_action(
        last,
        request.chase_count,
        as_of,
        workflow.chase_after_working_days,
        workflow.max_chases,
        workflow.bank_holiday_region,
    )
    if action == "wait":
        return action
    if _held(session, shell, request, now, open_keys) is not None:
        return "held"
    mailbox = settings.mailboxes[request.mailbox]
    if action == "chase":
        attempt = request.chase_count + 1
        last_in = _last_inbound(session, request)
        queue_email(
            session,
            shell,
            template="chase_up",
            to=[request.sender],
            context={"missing": list(request.missing), "attempt": attempt},
            dedupe_key=f"r{request.id}:chase:{attempt}",
            mailbox_name=request.mailbox,
            request=request,
            now=now,
            in_reply_to=last_in.message_id if last_in is not None else None,
            recipient_name=_sender_name(shell, last_in),
            counterpart=request.sender,
        )
        request.chase_count = attempt
        request.last_chased_at = now
        session.add(Event(at=now, kind="chased", request_id=request.id, detail={"attempt": attempt}))
        return action
    request.state = "review"
    session.add(
        ReviewItem(
            reason="chase_exhausted",
            detail=f"still incomplete after {request.chase_count} reminders",
            state="open",
            request_id=request.id,
            created_at=now,
        )
    )
    queue_email(
        session,
        shell,
        template="escalation",
        to=[mailbox.address],
        context={"attempts": request.chase_count, "missing": list(request.missing)},
        dedupe_key=f"r{request.id}:escalation",
        mailbox_name=request.mailbox,
        request=request,
        now=now,
        auto_submitted="auto-generated",
        counterpart=request.sender,
    )
    session.add(
        Event(at=now, kind="escalated", request_id=request.id, detail={"reminders": request.chase_count})
    )
    return action


def run_chases(register: Register, shell: Shell, as_of: date, now: datetime) -> ChaseResult:
    """Chase or escalate every request waiting on its sender; returns counts."""
    result = ChaseResult()
    with register.transaction() as session:
        query = select(Request.id).where(Request.state.in_(CHASED_STATES), open_request())
        ids = list(session.execute(query).scalars())
        open_keys = set(open_holds(session))
    for request_id in ids:
        with register.transaction() as session:
            request = session.get(Request, request_id)
            if request is None or request.state not in CHASED_STATES:
                continue
            action = _chase_one(session, shell, request, as_of, now, open_keys)
        if action == "chase":
            result.chased += 1
        elif action == "escalate":
            result.escalated += 1
        elif action == "held":
            result.held += 1
        else:
            result.waiting += 1
    log.info(
        "chase run chased=%s escalated=%s waiting=%s held=%s",
        result.chased,
        result.escalated,
        result.waiting,
        result.held,
    )
    return result
