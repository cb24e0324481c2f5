"""The register's health figures, each one aggregate query (cheap at a million rows: the ``state``
columns are indexed and only the few rows in a waiting state are scanned for their oldest time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mailbot.register.models import MailboxHealth, Message, Outbox, Request, ReviewItem


@dataclass(frozen=True)
class RegisterFigures:
    """Counts by state and the age in seconds of the oldest row in each waiting state (0 when none)."""

    messages: dict[str, int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    review_open: int = 0
    oldest_received_seconds: float = 0.0
    oldest_sending_seconds: float = 0.0
    oldest_pending_seconds: float = 0.0
    failures_open: int = 0
    oldest_failure_open_seconds: float = 0.0


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def _counts(
    session: Session, column: InstrumentedAttribute[Any], key: InstrumentedAttribute[str], *where: Any
) -> dict[str, int]:
    query = select(key, func.count(column)).where(*where).group_by(key)
    return {str(state): int(count) for state, count in session.execute(query)}


def read_figures(session: Session, now: datetime) -> RegisterFigures:
    """What is waiting, sending, failed or open for review, with the oldest of each, at ``now``.

    A ``sending`` row is stuck only once its claim's lease (``claimed_until``) has run out and no
    drain has taken it over: within its lease it is in flight, or held while its Sent folder cannot
    be searched, which a restart would not cure. So its age is counted from the lease's end (from
    ``next_attempt_at``, when its attempt began, for a row claimed without a lease). A failure counts
    while its review item is open: a person resolving the item is what clears it.
    """
    oldest_received = session.execute(
        select(func.min(Message.received_at)).where(Message.direction == "in", Message.state == "received")
    ).scalar_one()
    oldest_sending = session.execute(
        select(func.min(func.coalesce(Outbox.claimed_until, Outbox.next_attempt_at))).where(
            Outbox.state == "sending"
        )
    ).scalar_one()
    oldest_pending = session.execute(
        select(func.min(Outbox.created_at)).where(Outbox.state == "pending")
    ).scalar_one()
    failed_outbox = session.execute(
        select(func.count(ReviewItem.id), func.min(ReviewItem.created_at))
        .join(Outbox, and_(ReviewItem.outbox_id == Outbox.id, Outbox.state == "failed"))
        .where(ReviewItem.state == "open")
    ).one()
    failed_messages = session.execute(
        select(func.count(ReviewItem.id), func.min(ReviewItem.created_at))
        .join(Message, and_(ReviewItem.message_row_id == Message.id, Message.state == "failed"))
        .where(ReviewItem.state == "open")
    ).one()
    oldest_failures = [at for _count, at in (failed_outbox, failed_messages) if at is not None]
    return RegisterFigures(
        messages=_counts(session, Message.id, Message.state, Message.direction == "in"),
        outbox=_counts(session, Outbox.id, Outbox.state),
        requests=_counts(session, Request.id, Request.state),
        review_open=int(
            session.execute(select(func.count(ReviewItem.id)).where(ReviewItem.state == "open")).scalar_one()
        ),
        oldest_received_seconds=_age(now, oldest_received),
        oldest_sending_seconds=_age(now, oldest_sending),
        oldest_pending_seconds=_age(now, oldest_pending),
        failures_open=int(failed_outbox[0]) + int(failed_messages[0]),
        oldest_failure_open_seconds=_age(now, min(oldest_failures)) if oldest_failures else 0.0,
    )


def mailbox_health(session: Session) -> dict[str, dict[str, Any]]:
    """Every mailbox's connection row (last sign-in, last listen, last error, failing since), as
    JSON-ready values (ISO 8601 times); one small table, a row per mailbox."""
    rows = session.execute(select(MailboxHealth).order_by(MailboxHealth.mailbox)).scalars()
    return {
        row.mailbox: {
            "last_signed_in_at": _iso(row.last_signed_in_at),
            "last_listened_at": _iso(row.last_listened_at),
            "last_error": row.last_error,
            "last_error_at": _iso(row.last_error_at),
            "failing_since": _iso(row.failing_since),
        }
        for row in rows
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
