"""Draining the outbox: send pending rows once each, retry with backoff, file a copy in Sent.

Order per batch: mark the rows ``sending`` (commit) → hand them to the transport over one
connection → append each sent one to its mailbox's Sent folder → mark them ``sent`` (commit). After a crash, a row found in ``sending`` is looked up in the Sent
folder by its deterministic Message-ID: found means it went (mark sent), absent means send it again.
The one window left — the server accepted the message and the process died before the Sent copy was
made — is a few milliseconds wide; SMTP offers no way to close it completely (there is no
transactional hand-over), so we keep it as small as the protocol allows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from mailbot.errors import PermanentTransportError, RegisterError, SourceError, TemporaryTransportError
from mailbot.register.database import Register
from mailbot.register.models import Outbox, ReviewItem
from mailbot.sources.base import MessageSource
from mailbot.transports.base import OutgoingMail, Transport

log = logging.getLogger(__name__)
#: Rows handed to the transport over one connection; also bounds how many a crash can leave "sending".
BATCH = 50


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0


class OutboxSender:
    """Sends outbox rows through ``transport`` and files copies via each mailbox's source."""

    def __init__(
        self,
        register: Register,
        transport: Transport,
        sources: Mapping[str, MessageSource],
        envelope_from: Mapping[str, str],
        *,
        max_attempts: int = 8,
        retry_base_seconds: float = 30.0,
        now: Callable[[], datetime],
    ) -> None:
        self.register = register
        self.transport = transport
        self.sources = sources
        self.envelope_from = envelope_from
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.now = now

    def _due(self, limit: int, recover: bool) -> list[Outbox]:
        due = (Outbox.state == "pending") & (Outbox.next_attempt_at <= self.now())
        with self.register.transaction() as session:
            return list(
                session.execute(
                    select(Outbox)
                    .where(or_(due, Outbox.state == "sending") if recover else due)
                    .order_by(Outbox.id)
                    .limit(limit)
                ).scalars()
            )

    def _already_sent(self, row: Outbox) -> bool:
        source = self.sources.get(row.mailbox)
        if source is None:
            return False
        try:
            return source.has_sent(row.message_id)
        except SourceError:
            log.warning("outbox could not check Sent folder outbox_id=%s", row.id)
            return False

    def _review(self, session: Any, row: Outbox) -> None:
        session.add(
            ReviewItem(
                reason="send_failed",
                detail=(row.last_error or "")[:500],
                state="open",
                request_id=row.request_id,
                outbox_id=row.id,
                created_at=self.now(),
            )
        )

    def _mark_sent(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        with self.register.transaction() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id.in_(row_ids))
                .values(state="sent", sent_at=self.now(), last_error=None)
            )

    def _claim(self, rows: list[Outbox]) -> list[Outbox]:
        """Mark a batch ``sending`` in one transaction before any of it is handed to the transport.

        The UPDATE only matches a row still in the state it was read in, so when two instances
        drain one register each row is claimed (and sent) by exactly one; returns the rows won.
        """
        won: list[Outbox] = []
        with self.register.transaction() as session:
            for row in rows:
                claimed = session.execute(
                    update(Outbox)
                    .where(Outbox.id == row.id, Outbox.state == row.state, Outbox.attempts == row.attempts)
                    # While sending, next_attempt_at says when this attempt began (health: stuck sending).
                    .values(state="sending", attempts=row.attempts + 1, next_attempt_at=self.now())
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    won.append(row)
        return won

    def _after_failure(self, rows: list[tuple[Outbox, Exception]], result: DrainResult) -> None:
        with self.register.transaction() as session:
            for stale, error in rows:
                row = session.get(Outbox, stale.id)
                if row is None:
                    raise RegisterError(f"outbox row {stale.id} vanished while it was being sent")
                attempts = stale.attempts + 1
                code = getattr(error, "code", None) or ""
                if isinstance(error, PermanentTransportError):
                    row.state, row.last_error = "failed", f"permanent: {code} {type(error).__name__}"
                    self._review(session, row)
                    result.failed += 1
                    log.warning("outbox permanent failure outbox_id=%s code=%s", row.id, code)
                elif attempts >= self.max_attempts:
                    row.state, row.last_error = "failed", f"gave up after {attempts} attempts"
                    self._review(session, row)
                    result.failed += 1
                    log.warning("outbox gave up outbox_id=%s attempts=%s", row.id, attempts)
                else:
                    delay = min(self.retry_base_seconds * 2 ** (attempts - 1), 3600.0)
                    row.state = "pending"
                    row.next_attempt_at = self.now() + timedelta(seconds=delay)
                    row.last_error = f"temporary: {code} {type(error).__name__}"
                    result.retried += 1
                    log.info("outbox temporary failure outbox_id=%s attempt=%s", row.id, attempts)

    def drain(self, limit: int = 500, recover: bool = False) -> DrainResult:
        """Send everything due now, in batches over one connection; returns counts.

        Never raises for a single row's failure. ``recover`` (at start-up only) also takes rows left
        in ``sending`` by a crash: while the service runs, a ``sending`` row belongs to the drain
        that is sending it.
        """
        result = DrainResult()
        due = self._due(limit, recover)
        recovered = [row.id for row in due if row.state == "sending" and self._already_sent(row)]
        self._mark_sent(recovered)
        result.recovered = len(recovered)
        to_send = [row for row in due if row.id not in set(recovered)]
        for start in range(0, len(to_send), BATCH):
            batch = self._claim(to_send[start : start + BATCH])
            if not batch:
                continue
            outcomes = self.transport.send_many(
                [
                    OutgoingMail(
                        outbox_id=row.id,
                        message_id=row.message_id,
                        envelope_from=self.envelope_from[row.mailbox],
                        recipients=tuple(row.recipients),
                        raw=row.raw,
                    )
                    for row in batch
                ]
            )
            sent: list[int] = []
            failed: list[tuple[Outbox, Exception]] = []
            for row in batch:
                error = outcomes.get(row.id, TemporaryTransportError("no outcome reported"))
                if error is None:
                    sent.append(row.id)
                    self._file_copy(row)
                else:
                    failed.append((row, error))
            self._mark_sent(sent)
            result.sent += len(sent)
            if failed:
                self._after_failure(failed, result)
            log.info("outbox batch sent=%s failed=%s", len(sent), len(failed))
        return result

    def _file_copy(self, row: Outbox) -> None:
        source = self.sources.get(row.mailbox)
        if source is None:
            return
        try:
            source.append_sent(row.raw)
        except SourceError:
            log.warning("outbox sent but could not file copy in Sent outbox_id=%s", row.id)
