"""Draining the outbox: send pending rows once each, retry with backoff, file a copy in Sent.

Order per row: mark ``sending`` (commit) → hand to the transport → append to the mailbox's Sent
folder → mark ``sent`` (commit). After a crash, a row found in ``sending`` is looked up in the Sent
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

from sqlalchemy import or_, select

from mailbot.errors import PermanentTransportError, SourceError, TemporaryTransportError
from mailbot.register.database import Register
from mailbot.register.models import Outbox, ReviewItem
from mailbot.sources.base import MessageSource
from mailbot.transports.base import OutgoingMail, Transport

log = logging.getLogger(__name__)


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

    def _set(self, row_id: int, **values: object) -> None:
        with self.register.transaction() as session:
            row = session.get(Outbox, row_id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            if values.get("state") == "failed":
                session.add(
                    ReviewItem(
                        reason="send_failed",
                        detail=str(values.get("last_error", ""))[:500],
                        state="open",
                        request_id=row.request_id,
                        outbox_id=row.id,
                        created_at=self.now(),
                    )
                )

    def drain(self, limit: int = 500, recover: bool = False) -> DrainResult:
        """Send everything due now; returns counts. Never raises for a single row's failure.

        ``recover`` (at start-up only) also takes rows left in ``sending`` by a crash: while the
        service runs, a ``sending`` row belongs to the drain that is sending it.
        """
        result = DrainResult()
        for row in self._due(limit, recover):
            if row.state == "sending" and self._already_sent(row):
                self._set(row.id, state="sent", sent_at=self.now())
                result.recovered += 1
                continue
            self._set(row.id, state="sending", attempts=row.attempts + 1)
            mail = OutgoingMail(
                outbox_id=row.id,
                message_id=row.message_id,
                envelope_from=self.envelope_from[row.mailbox],
                recipients=tuple(row.recipients),
                raw=row.raw,
            )
            try:
                self.transport.send(mail)
            except PermanentTransportError as error:
                self._set(
                    row.id, state="failed", last_error=f"permanent: {error.code or ''} {type(error).__name__}"
                )
                result.failed += 1
                log.warning("outbox permanent failure outbox_id=%s code=%s", row.id, error.code)
                continue
            except TemporaryTransportError as error:
                attempts = row.attempts + 1
                if attempts >= self.max_attempts:
                    self._set(row.id, state="failed", last_error=f"gave up after {attempts} attempts")
                    result.failed += 1
                else:
                    delay = min(self.retry_base_seconds * 2 ** (attempts - 1), 3600.0)
                    self._set(
                        row.id,
                        state="pending",
                        next_attempt_at=self.now() + timedelta(seconds=delay),
                        last_error=f"temporary: {error.code or ''} {type(error).__name__}",
                    )
                    result.retried += 1
                log.info("outbox temporary failure outbox_id=%s attempt=%s", row.id, attempts)
                continue
            source = self.sources.get(row.mailbox)
            if source is not None:
                try:
                    source.append_sent(row.raw)
                except SourceError:
                    log.warning("outbox sent but could not file copy in Sent outbox_id=%s", row.id)
            self._set(row.id, state="sent", sent_at=self.now(), last_error=None)
            result.sent += 1
            log.info("outbox sent outbox_id=%s template=%s", row.id, row.template)
        return result
