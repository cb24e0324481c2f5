"""A person's decision on a review item, carried out like mail's: ``carry_out`` then the outbox.

Every console action on a request ends here: the request takes the decision's state, the actions
become the same rows a message's decision makes, the review item is resolved with the person's
note, and an event records what was decided (the register stamps who, see ``Register.transaction``).
Emails thread to the message the review item is about (In-Reply-To and References, greeting by the
sender's display name), and are deduplicated per review item, so a double submit sends once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.domain.facts import DocumentFacts
from mailbot.errors import MailbotError
from mailbot.mail.parse import parse_message
from mailbot.register.models import Event, Message, Outbox, Request, ReviewItem
from mailbot.register.queries import ViewQuery, build_view, request_view
from mailbot.rules.actions import Decision, Review
from mailbot.rules.decide import Inbound, Rules, decide
from mailbot.rules.merge import RequestFacts, merge_history
from mailbot.transports.outgoing import Shell
from mailbot.workflow.apply import Origin, carry_out


class WorkflowError(MailbotError):
    """A person's action does not fit the item (already settled, no request, wrong kind of request)."""


@dataclass(frozen=True)
class Settled:
    """What a person's action did: the request it concerned and the emails it queued."""

    request_reference: str | None
    outbox: tuple[Outbox, ...]
    request_state: str | None = None


def open_item(session: Session, item_id: int) -> ReviewItem:
    """The open review item ``item_id`` (locked), or WorkflowError."""
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None:
        raise WorkflowError(f"no review item {item_id}")
    if item.state != "open":
        raise WorkflowError(f"review item {item_id} is already resolved")
    return item


def item_request(session: Session, item: ReviewItem) -> Request:
    request = session.get(Request, item.request_id) if item.request_id else None
    if request is None:
        raise WorkflowError(f"review item {item.id} is not about a request")
    return request


def request_facts(session: Session, request: Request) -> RequestFacts:
    """Everything read for ``request`` so far, merged in arrival order (documents, then bodies)."""
    view = request_view(session, request)
    return merge_history([*view.documents, *view.bodies])


def origin_for(session: Session, shell: Shell, item: ReviewItem, request: Request) -> Origin:
    """Reply on the thread of the message the item is about, greeting its sender by name."""
    message = session.get(Message, item.message_row_id) if item.message_row_id else None
    if message is None:
        message = (
            session.execute(
                select(Message)
                .where(Message.request_id == request.id, Message.direction == "in")
                .order_by(Message.id.desc())
            )
            .scalars()
            .first()
        )
    if message is None:
        return Origin(f"r{item.id}", request.mailbox, None, request.sender)
    parsed = parse_message(shell.storage.get(message.raw_path))
    references = tuple(
        dict.fromkeys([*parsed.references, *([parsed.message_id] if parsed.message_id else [])])
    )
    return Origin(
        f"r{item.id}",
        request.mailbox,
        message.id,
        request.sender,
        parsed.sender.display_name if parsed.sender else None,
        parsed.message_id,
        references,
    )


def settle(
    session: Session,
    shell: Shell,
    item: ReviewItem,
    request: Request,
    decision: Decision,
    note: str,
    now: datetime,
) -> Settled:
    """Carry out a person's ``decision`` on ``request`` and resolve ``item``; returns what was queued."""
    origin = origin_for(session, shell, item, request)
    request.state = decision.state
    request.missing = list(decision.missing)
    request.updated_at = now
    # Still needs a person: this item stays open with the new reason, rather than a second item.
    reviews = [a for a in decision.actions if isinstance(a, Review)]
    if reviews:
        item.reason, item.detail = reviews[0].reason, reviews[0].detail
    actions = tuple(a for a in decision.actions if not isinstance(a, Review))
    carry_out(session, shell, actions, request, origin, now)
    resolution = decision.state
    item.state = "open" if reviews or decision.message_state == "review" else "resolved"
    if item.state == "resolved":
        item.resolved_at = now
        item.resolution = f"{note} ({resolution})".strip()
    if origin.message_row_id is not None and item.state == "resolved":
        message = session.get(Message, origin.message_row_id)
        if message is not None and message.state == "review":
            message.state = "processed"
    session.add(
        Event(
            at=now,
            kind="person_decision",
            request_id=request.id,
            case_id=request.case_id,
            message_row_id=origin.message_row_id,
            detail={
                "review_item": item.id,
                "state": decision.state,
                "actions": [type(a).__name__ for a in decision.actions],
                "explanation": list(decision.explanation),
                "note": note,
            },
        )
    )
    session.flush()
    queued = session.execute(
        select(Outbox).where(Outbox.dedupe_key.startswith(f"{origin.dedupe_prefix}:")).order_by(Outbox.id)
    ).scalars()
    return Settled(request.reference, tuple(queued), request.state)


def redecide(session: Session, request: Request, rules: Rules, mailbox_role: str, now: datetime) -> Decision:
    """What ``decide`` says about ``request`` now, from everything stored for it (after a person has
    corrected or added a fact): the same pure decision an email would get."""
    facts = request_facts(session, request)
    view = build_view(
        session,
        ViewQuery(
            request=request,
            urns=[*facts.urns],
            children=facts.children,
            sender=request.sender,
            now=now,
        ),
    )
    inbound = Inbound(
        mailbox_role=mailbox_role,
        sender=request.sender,
        text="",
        body=DocumentFacts(file="", kind="email"),
    )
    return decide(inbound, view, rules)
