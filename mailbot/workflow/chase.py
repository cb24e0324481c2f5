"""Chase-ups: remind senders of incomplete requests after N working days, M times, then escalate; and
remind a new lead professional whose first TAF minutes are late, then tell CAF@.

The rules are pure (``mailbot.rules.chasing``); ``plan_chases`` reads the register and says what is due
without changing anything (``mailbot chase --dry-run``), ``run_chases`` carries it out, one transaction
per request. Each reminder has a dedupe key per attempt, so running the job twice on one day (by hand
and by the scheduler) cannot send a reminder twice.

Chase-ups and escalations count against the same reply limits as replies (``mailbot.rules.limits``,
counted by ``mailbot.register.queries.reply_counts``): a request whose sender, thread or pattern is
held is neither chased nor escalated, and a limit reached here opens the same one review item per
hold. So a flood of requests from one sender cannot turn into a flood of reminders to them or of
escalations to the team.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.mail.parse import parse_message
from mailbot.register.database import Register
from mailbot.register.models import Event, Message, Request, ReviewItem, open_request
from mailbot.register.queries import open_holds, reply_counts, request_patterns
from mailbot.rules.chasing import ChaseAction, due_action, taf_due_action
from mailbot.rules.limits import Hold, ReplyCounts, check_limits, hold_keys
from mailbot.transports.outgoing import Shell, queue_email
from mailbot.workflow.apply import open_hold
from mailbot.workflow.records import AWAITING_TAF

log = logging.getLogger(__name__)

#: Request states that are waiting on someone and so are chased.
CHASED_STATES = ("incomplete", "awaiting_urn", AWAITING_TAF)


@dataclass(frozen=True)
class PlannedChase:
    """What today's run does (or would do) with one request; ``attempt`` counts reminders from 1."""

    reference: str
    request_type: str
    state: str
    action: ChaseAction
    attempt: int


@dataclass
class ChaseResult:
    chased: int = 0
    escalated: int = 0
    waiting: int = 0
    held: int = 0
    planned: list[PlannedChase] = field(default_factory=list)


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


def _due(shell: Shell, request: Request, as_of: date) -> ChaseAction:
    """The pure rule for ``request``, fed from the register and config."""
    settings = shell.settings
    workflow = settings.workflow
    zone = settings.zone
    after = workflow.chase_after(request.type)
    if request.state == AWAITING_TAF:
        return taf_due_action(
            request.due_on or as_of,
            request.last_chased_at.astimezone(zone).date() if request.last_chased_at else None,
            request.chase_count,
            as_of,
            can_chase=bool(request.sender) and settings.is_trusted(request.sender),
            after_working_days=after,
            max_reminders=workflow.max_chases,
            region=workflow.bank_holiday_region,
        )
    last = (request.last_chased_at or request.last_activity_at).astimezone(zone).date()
    return due_action(
        last, request.chase_count, as_of, after, workflow.max_chases, workflow.bank_holiday_region
    )


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


def _remind(session: Session, shell: Shell, request: Request, now: datetime) -> None:
    attempt = request.chase_count + 1
    taf = request.state == AWAITING_TAF
    last_in = None if taf else _last_inbound(session, request)
    lead = request.facts.get("lead_professional") or {}
    queue_email(
        session,
        shell,
        template="taf_minutes_chase" if taf else "chase_up",
        to=[request.sender],
        context={"attempt": attempt} if taf else {"missing": list(request.missing), "attempt": attempt},
        dedupe_key=f"r{request.id}:chase:{attempt}",
        mailbox_name=request.mailbox,
        request=request,
        now=now,
        in_reply_to=last_in.message_id if last_in is not None else None,
        recipient_name=lead.get("name") if taf else _sender_name(shell, last_in),
        auto_submitted="auto-generated" if taf else "auto-replied",
        counterpart=request.sender,
    )
    request.chase_count = attempt
    request.last_chased_at = now
    session.add(Event(at=now, kind="chased", request_id=request.id, detail={"attempt": attempt}))


def _escalate(session: Session, shell: Shell, request: Request, now: datetime) -> None:
    taf = request.state == AWAITING_TAF
    mailbox = shell.settings.mailboxes[request.mailbox]
    request.state = "review"
    session.add(
        ReviewItem(
            reason="taf_minutes_overdue" if taf else "chase_exhausted",
            detail=(
                f"the new lead professional's TAF minutes are late after {request.chase_count} reminders"
                if taf
                else f"still incomplete after {request.chase_count} reminders"
            ),
            state="open",
            request_id=request.id,
            created_at=now,
        )
    )
    context: dict[str, object] = {"attempts": request.chase_count}
    if taf:
        context["lead_professional"] = request.facts.get("lead_professional") or {
            "name": None,
            "agency": None,
        }
    else:
        context["missing"] = list(request.missing)
    to = [mailbox.address]
    team = shell.settings.workflow.no_lead_professional_team
    if taf and team and team.lower() != mailbox.address.lower():
        # The practice guidance: the CAF link workers make sure the first TAF meeting happens.
        to.append(team)
    queue_email(
        session,
        shell,
        template="taf_minutes_overdue" if taf else "escalation",
        to=to,
        context=context,
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


def plan_chases(session: Session, shell: Shell, as_of: date) -> list[PlannedChase]:
    """What a chase run on ``as_of`` would do with every waiting request; reads, never writes."""
    requests = session.execute(
        select(Request).where(Request.state.in_(CHASED_STATES), open_request()).order_by(Request.id)
    ).scalars()
    return [
        PlannedChase(r.reference, r.type, r.state, _due(shell, r, as_of), r.chase_count + 1) for r in requests
    ]


def run_chases(
    register: Register, shell: Shell, as_of: date, now: datetime, *, dry_run: bool = False
) -> ChaseResult:
    """Chase or escalate every request waiting on someone; returns counts (and, for a dry run, the plan)."""
    result = ChaseResult()
    with register.transaction() as session:
        plan = plan_chases(session, shell, as_of)
        open_keys = set(open_holds(session))
    if dry_run:
        result.planned = plan
        for planned in plan:
            _count(result, planned.action)
        return result
    for planned in plan:
        with register.transaction() as session:
            request = session.get(Request, int(planned.reference.removeprefix("SD-")))
            if request is None or request.state not in CHASED_STATES:
                continue
            action = _due(shell, request, as_of)
            if action != "wait" and _held(session, shell, request, now, open_keys) is not None:
                result.held += 1
                result.planned.append(planned)
                continue
            if action == "chase":
                _remind(session, shell, request, now)
            elif action == "escalate":
                _escalate(session, shell, request, now)
        _count(result, action)
        result.planned.append(planned)
    log.info(
        "chase run chased=%s escalated=%s waiting=%s held=%s",
        result.chased,
        result.escalated,
        result.waiting,
        result.held,
    )
    return result


def _count(result: ChaseResult, action: ChaseAction) -> None:
    if action == "chase":
        result.chased += 1
    elif action == "escalate":
        result.escalated += 1
    else:
        result.waiting += 1
