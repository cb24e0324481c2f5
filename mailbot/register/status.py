"""The figures ``mailbot status`` prints: one aggregate statement, each count read from an index.

Every count is bounded by the work that is open — messages waiting, replies not yet sent, requests
not finished, review items open — never by the size of the history, so ``status`` costs the same
on a register of a thousand cases and of a million (the partial indexes of migration 0003).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from mailbot.domain.urn import UrnScheme
from mailbot.register.models import Message, Outbox, Request, ReviewItem, open_request, waiting_message
from mailbot.register.models import Sequence as SequenceRow
from mailbot.rules.urn_capacity import capacity_of

#: Outbox states of mail not yet handed over.
UNSENT = ("pending", "sending")


def _count(model: Any, *conditions: Any) -> Any:
    return select(func.count(literal_column("1"))).select_from(model).where(*conditions).scalar_subquery()


def urn_issued(session: Session) -> int:
    """How many URNs the register has issued (the shared sequence's last value)."""
    value = session.execute(select(SequenceRow.last_value).where(SequenceRow.name == "urn")).scalar()
    return int(value or 0)


def health(session: Session, now: datetime, urn_scheme: UrnScheme | None = None) -> dict[str, Any]:
    """Counts an operator or a monitoring check wants: what is waiting, stuck, failed or open.

    With ``urn_scheme``, also how full the URN numbers are and a warning from 90 % on.
    """
    counts = session.execute(
        select(
            _count(Message, waiting_message(), Message.direction == "in").label("waiting"),
            select(func.min(Message.received_at))
            .where(waiting_message(), Message.direction == "in")
            .scalar_subquery()
            .label("oldest"),
            _count(Message, Message.state == "failed").label("failed"),
            _count(Outbox, Outbox.state.in_(UNSENT)).label("unsent"),
            _count(Outbox, Outbox.state == "failed").label("outbox_failed"),
            _count(Outbox, Outbox.state.in_(UNSENT), Outbox.created_at < now - timedelta(hours=1)).label(
                "stuck"
            ),
            _count(ReviewItem, ReviewItem.state == "open").label("review"),
        )
    ).one()
    open_requests = session.execute(
        select(Request.state, func.count(literal_column("1")))
        .where(open_request())
        .group_by(Request.state)
        .order_by(Request.state)
    ).all()
    oldest = counts.oldest
    figures: dict[str, Any] = {
        "messages_waiting": int(counts.waiting),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "messages_failed": int(counts.failed),
        "outbox_pending": int(counts.unsent),
        "outbox_failed": int(counts.outbox_failed),
        "outbox_stuck": int(counts.stuck),
        "review_open": int(counts.review),
        "requests_open_by_state": {state: int(count) for state, count in open_requests},
    }
    if urn_scheme is not None:
        capacity = capacity_of(urn_issued(session), urn_scheme)
        figures["urn_issued"] = capacity.issued
        figures["urn_capacity"] = capacity.capacity
        figures["urn_capacity_used_percent"] = round(100 * capacity.used, 1)
        figures["warnings"] = [warning] if (warning := capacity.warning()) else []
    return figures
