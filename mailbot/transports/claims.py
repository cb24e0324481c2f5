"""The outbox rows' states in the register: claim one row at a time under a lease, record each outcome.

    pending ──claim──► sending ──accepted──► sent (filed_at once the Sent copy is in)
       ▲                  │  └──5xx, refused address, gave up──► failed (+ review item)
       └──4xx, lost connection (backoff)──┘
    sending with its lease expired ──takeover──► sending (looked up in Sent before it is sent again)

Each claim is one conditional UPDATE, so when several instances drain one register every row is
claimed by exactly one of them, and a row is ``sending`` only while it is in flight: a crash leaves at
most one row per drain in ``sending``, and its lease (``claimed_until``) lets the next drain of any
instance take it over — continuously, not only at start-up (issue 11).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from mailbot.errors import PermanentTransportError, TransportError
from mailbot.register.database import Register
from mailbot.register.models import Outbox, ReviewItem, unsent_outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedRow:
    """An outbox row this drain now holds: what sending it needs. ``takeover`` is True when it was
    left ``sending`` by a drain that did not finish (so it may have gone: look in Sent first)."""

    id: int
    message_id: str
    mailbox: str
    recipients: tuple[str, ...]
    raw: bytes
    attempts: int
    takeover: bool


@dataclass(frozen=True)
class Verdict:
    """What became of a row after a failed attempt: ``failed`` (given up, reviewed) or retried."""

    failed: bool
    detail: str


class OutboxClaims:
    """Reads and moves outbox rows; every method is one short transaction.

    ``lease_seconds`` is how long a claim lasts: longer than one message can take to hand over and
    file (SMTP and IMAP timeouts), short enough that a crashed instance's row is not held for long.
    """

    def __init__(
        self,
        register: Register,
        now: Callable[[], datetime],
        *,
        lease_seconds: float = 300.0,
        max_attempts: int = 8,
        retry_base_seconds: float = 30.0,
    ) -> None:
        self.register = register
        self.now = now
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds

    # -- what is due ---------------------------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        # The unsent condition first, as ``ix_outbox_unsent`` states it: the planner then reads that
        # small partial index, never the outbox's history.
        return and_(
            unsent_outbox(),
            or_(
                and_(Outbox.state == "pending", Outbox.next_attempt_at <= now),
                and_(
                    Outbox.state == "sending",
                    or_(Outbox.claimed_until.is_(None), Outbox.claimed_until <= now),
                ),
            ),
        )

    def due_ids(self, limit: int) -> list[int]:
        """Ids of rows to send now (pending and due, or ``sending`` with the lease run out), oldest first."""
        with self.register.transaction() as session:
            query = select(Outbox.id).where(self._due(self.now())).order_by(Outbox.id).limit(limit)
            return list(session.execute(query).scalars())

    def next_due(self) -> datetime | None:
        """When the next row falls due (a backoff ends or a lease runs out); None when nothing waits."""
        with self.register.transaction() as session:
            pending = session.execute(
                select(func.min(Outbox.next_attempt_at)).where(Outbox.state == "pending")
            ).scalar_one()
            leased = session.execute(
                select(func.min(Outbox.claimed_until)).where(Outbox.state == "sending")
            ).scalar_one()
            unleased = session.execute(
                select(Outbox.id).where(Outbox.state == "sending", Outbox.claimed_until.is_(None)).limit(1)
            ).first()
        moments = [moment for moment in (pending, leased) if moment is not None]
        if unleased is not None:
            moments.append(self.now())
        return min(moments, default=None)

    def unfiled(self, limit: int) -> list[tuple[int, str, str]]:
        """(id, mailbox, Message-ID) of rows sent a lease ago or more whose Sent copy is not filed (and
        whose body is still there)."""
        with self.register.transaction() as session:
            rows = session.execute(
                select(Outbox.id, Outbox.mailbox, Outbox.message_id)
                .where(
                    Outbox.state == "sent",
                    Outbox.filed_at.is_(None),
                    Outbox.body_removed_at.is_(None),  # erased or past retention: never filed now
                    Outbox.sent_at <= self.now() - self.lease,
                )
                .order_by(Outbox.id)
                .limit(limit)
            ).all()
        return [(row_id, mailbox, message_id) for row_id, mailbox, message_id in rows]

    def sending_message_ids(self) -> set[str]:
        with self.register.transaction() as session:
            return set(session.execute(select(Outbox.message_id).where(Outbox.state == "sending")).scalars())

    def raw_of(self, row_id: int) -> bytes | None:
        with self.register.transaction() as session:
            return session.execute(select(Outbox.raw).where(Outbox.id == row_id)).scalar_one_or_none()

    # -- claiming ------------------------------------------------------------------------------------

    def claim(self, row_id: int) -> ClaimedRow | None:
        """Take row ``row_id`` for this drain if it is still due; None when it is not (another drain
        has it, or it was sent meanwhile). Counts an attempt."""
        now = self.now()
        with self.register.transaction() as session:
            takeover = False
            for state, condition in (
                ("pending", Outbox.next_attempt_at <= now),
                ("sending", or_(Outbox.claimed_until.is_(None), Outbox.claimed_until <= now)),
            ):
                claimed = session.execute(
                    update(Outbox)
                    .where(Outbox.id == row_id, Outbox.state == state, condition)
                    # next_attempt_at: when this attempt began (the console and ``status`` show it).
                    .values(
                        state="sending",
                        attempts=Outbox.attempts + 1,
                        claimed_until=now + self.lease,
                        next_attempt_at=now,
                    )
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    takeover = state == "sending"
                    break
            else:
                return None
            row = session.get(Outbox, row_id)
            if row is None:  # deleted between the UPDATE and this read: nothing left to send
                return None
            return ClaimedRow(
                row.id, row.message_id, row.mailbox, tuple(row.recipients), row.raw, row.attempts, takeover
            )

    def hold(self, row: ClaimedRow, why: str) -> Verdict:
        """Keep a taken-over row ``sending`` for a backoff (its Sent folder could not be searched, so
        it is not known whether it went); after ``max_attempts`` give up into review."""
        if row.attempts >= self.max_attempts:
            return self.fail(
                row.id, f"could not tell whether it was sent after {row.attempts} attempts: {why}"
            )
        until = self.now() + timedelta(seconds=self._backoff(row.attempts))
        with self.register.transaction() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id == row.id, Outbox.state == "sending")
                .values(claimed_until=until, last_error=why[:500])
            )
        return Verdict(False, why)

    # -- outcomes ------------------------------------------------------------------------------------

    def mark_sent(self, row_id: int, *, filed: bool = False) -> None:
        """The server accepted the message (or Sent already holds it): it never goes again."""
        now = self.now()
        with self.register.transaction() as session:
            done = session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.state == "sending")
                .values(
                    state="sent",
                    sent_at=now,
                    filed_at=now if filed else None,
                    claimed_until=None,
                    last_error=None,
                )
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("outbox row changed hands while it was sent outbox_id=%s", row_id)

    def mark_filed(self, row_id: int) -> None:
        with self.register.transaction() as session:
            session.execute(update(Outbox).where(Outbox.id == row_id).values(filed_at=self.now()))

    def after_failure(self, row_id: int, attempts: int, error: TransportError) -> Verdict:
        """Retry later with exponential backoff, or fail into review (permanent, or out of attempts)."""
        code = f"{error.code} " if error.code else ""
        if isinstance(error, PermanentTransportError):
            return self.fail(row_id, f"permanent: {code}{type(error).__name__}: {error}")
        if attempts >= self.max_attempts:
            return self.fail(row_id, f"gave up after {attempts} attempts: {code}{type(error).__name__}")
        detail = f"temporary: {code}{type(error).__name__}"
        with self.register.transaction() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.state == "sending")
                .values(
                    state="pending",
                    claimed_until=None,
                    next_attempt_at=self.now() + timedelta(seconds=self._backoff(attempts)),
                    last_error=detail,
                )
            )
        log.info("outbox temporary failure outbox_id=%s attempt=%s", row_id, attempts)
        return Verdict(False, detail)

    def fail(self, row_id: int, detail: str) -> Verdict:
        """Give the row up: ``failed``, with a review item saying why (the reason a person reads)."""
        with self.register.transaction() as session:
            row = session.get(Outbox, row_id)
            if row is None or row.state in ("sent", "failed"):
                return Verdict(True, detail)
            row.state, row.last_error, row.claimed_until = "failed", detail[:2000], None
            add_send_review(session, row, detail, self.now())
        log.warning("outbox row failed outbox_id=%s", row_id)
        return Verdict(True, detail)

    def _backoff(self, attempts: int) -> float:
        return float(min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), 3600.0))


def add_send_review(session: Session, row: Outbox, detail: str, now: datetime) -> None:
    """A review item for an outgoing email that could not be sent, with the reason."""
    session.add(
        ReviewItem(
            reason="send_failed",
            detail=f"{row.template} email (outbox {row.id}) not sent: {detail}"[:2000],
            state="open",
            request_id=row.request_id,
            outbox_id=row.id,
            created_at=now,
        )
    )
