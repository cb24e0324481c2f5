"""Draining the outbox: send each due row once, record it the moment the server accepts it, file a copy
in Sent, retry with backoff.

Order, per message, over one SMTP connection for the whole drain: claim the row (``sending``, with a
lease; commit) → hand it to the server → on acceptance note its Message-ID in the local journal,
mark it ``sent`` (commit), file the copy in Sent → take the next row. So a crash at any instant
leaves at most the one message in flight ``sending``; when its lease runs out the next drain (of any
instance) looks its deterministic Message-ID up in the journal and in Sent: found means it went
(mark sent), absent means send it again.

One window cannot be closed: the server accepted the message and the process died before noting it
(microseconds: the journal is one ``write``). SMTP has no transactional hand-over (RFC 1047), so that
one message is sent again; every other message of the connection is recorded already. If the
database fails at the ``sent`` commit, the journal and the Sent copy (filed before the error is
raised) let the takeover find it.

Poison isolation: whatever is wrong with one row (an address the library or server refuses, a row for
a mailbox no longer configured) fails that row into review and the drain goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from mailbot.errors import (
    AddressRefusedError,
    RegisterUnavailableError,
    TransportConnectionError,
    TransportError,
)
from mailbot.mail.addresses import check_address
from mailbot.register.database import Register
from mailbot.sources.base import MessageSource
from mailbot.transports.base import OutgoingMail, Transport
from mailbot.transports.claims import ClaimedRow, OutboxClaims
from mailbot.transports.journal import AcceptedJournal
from mailbot.transports.sent_folder import SentFolders

log = logging.getLogger(__name__)
#: The register failing under a drain (the database is down, or refused): never one row's fault, so
#: it ends the drain and leaves every row where it was (a row in flight keeps its lease).
REGISTER_DOWN = (SQLAlchemyError, RegisterUnavailableError)
#: Sent copies re-filed per drain (rows sent while the Sent folder was unreachable, or by a process
#: that stopped between the ``sent`` commit and the copy).
REFILE_PER_DRAIN = 20


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    #: True when the transport could not connect (the caller may back off before the next drain).
    transport_down: bool = False


class OutboxSender:
    """Sends outbox rows through ``transport`` and files copies in each mailbox's Sent folder.

    ``sources`` (mailbox name → source) are used for Sent only and must not be the mailbox runners'
    own (``bootstrap`` builds a second set). ``lease_seconds``: see ``OutboxClaims``. ``journal``
    notes each acceptance the instant the server gives it (see ``AcceptedJournal``).
    """

    def __init__(
        self,
        register: Register,
        transport: Transport,
        sources: Mapping[str, MessageSource],
        envelope_from: Mapping[str, str],
        *,
        max_attempts: int = 8,
        retry_base_seconds: float = 30.0,
        lease_seconds: float = 300.0,
        journal: AcceptedJournal | None = None,
        now: Callable[[], datetime],
    ) -> None:
        self.register = register
        self.journal = journal
        self.transport = transport
        self.sent_folders = SentFolders(sources)
        self.envelope_from = envelope_from
        self.claims = OutboxClaims(
            register,
            now,
            lease_seconds=lease_seconds,
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
        )
        self.now = now
        self._attempts: dict[int, tuple[str, int]] = {}  # outbox id → (mailbox, attempts) in flight

    def drain(self, limit: int = 500) -> DrainResult:
        """Send up to ``limit`` due rows over one connection; returns counts.

        Never raises for one row's failure. Raises when the register itself fails (the rows stay
        where they were; a row in flight keeps its lease and is taken over later).
        """
        result = DrainResult()
        self._attempts.clear()
        self.sent_folders.begin_drain()
        if self.journal is not None and self.journal.needs_compacting():
            self.journal.compact(self.claims.sending_message_ids())
        self._refile(result)
        due = self.claims.due_ids(limit)
        if not due:
            return result
        try:
            self.transport.send_many(
                self._claimed(due, result), lambda mail, outcome: self._record(mail, outcome, result)
            )
        except REGISTER_DOWN:
            raise
        except Exception as error:  # an unforeseen error with one row in flight: that row fails, not the rest
            log.exception("outbox send broke off error=%s", type(error).__name__)
            for row_id in list(self._attempts):
                self.claims.fail(
                    row_id, f"unexpected error while sending, check whether it went: {type(error).__name__}"
                )
                result.failed += 1
            self._attempts.clear()
        if result.sent or result.failed or result.retried:
            log.info(
                "outbox drained sent=%s retried=%s failed=%s recovered=%s",
                result.sent,
                result.retried,
                result.failed,
                result.recovered,
            )
        return result

    def next_due(self) -> datetime | None:
        """When a row next falls due (for the daemon's timer); None when nothing waits."""
        return self.claims.next_due()

    def close(self) -> None:
        self.sent_folders.close()
        if self.journal is not None:
            self.journal.close()

    # -- one row at a time ---------------------------------------------------------------------------

    def _claimed(self, due: list[int], result: DrainResult) -> Iterator[OutgoingMail]:
        """Claim each due row just before the transport takes it, so only the row in flight is
        ``sending``; rows that turn out to be sent already, or unusable, are settled here."""
        for row_id in due:
            row = self.claims.claim(row_id)
            if row is None:
                continue
            try:
                mail = self._prepare(row, result)
            except REGISTER_DOWN:
                raise
            except Exception as error:  # one broad catch per outgoing row: fail it, send the rest
                log.exception("outbox row could not be prepared outbox_id=%s", row.id)
                self.claims.fail(row.id, f"could not be prepared for sending: {type(error).__name__}")
                result.failed += 1
                continue
            if mail is not None:
                self._attempts[row.id] = (row.mailbox, row.attempts)
                yield mail

    def _prepare(self, row: ClaimedRow, result: DrainResult) -> OutgoingMail | None:
        """The mail to hand over for a claimed row, or None when the row was settled here instead."""
        envelope_from = self.envelope_from.get(row.mailbox)
        problem = self._unsendable(row, envelope_from)
        if problem is not None or envelope_from is None:
            self.claims.fail(row.id, problem or "no envelope sender")
            result.failed += 1
            return None
        if row.takeover and not self._send_again(row, result):
            return None
        return OutgoingMail(row.id, row.message_id, envelope_from, row.recipients, row.raw)

    @staticmethod
    def _unsendable(row: ClaimedRow, envelope_from: str | None) -> str | None:
        """Why this row can never be sent as it is (a person must look), or None."""
        if envelope_from is None:
            return f"the mailbox {row.mailbox!r} is no longer configured"
        for address in row.recipients:
            problem = check_address(address, smtputf8=True).problem
            if problem is not None:
                return str(AddressRefusedError(f"recipient address unusable: {problem}"))
        return None

    def _send_again(self, row: ClaimedRow, result: DrainResult) -> bool:
        """For a row taken over from a drain that did not finish: True when it must go (it is not in
        Sent); otherwise the row is settled here (found in Sent, held, or given up)."""
        found = self.sent_folders.holds(row.mailbox, row.message_id)
        if self.journal is not None and self.journal.holds(row.message_id):
            # Accepted before the process stopped: never again; file the copy if Sent lacks it.
            filed = bool(found) or (found is False and self.sent_folders.file(row.mailbox, row.raw))
            self.claims.mark_sent(row.id, filed=filed)
            result.recovered += 1
            log.info("outbox row accepted before a stop, not sent again outbox_id=%s", row.id)
            return False
        if found is None:
            if self.claims.hold(row, "waiting for the Sent folder to tell whether it went").failed:
                result.failed += 1
            return False
        if found:
            self.claims.mark_sent(row.id, filed=True)
            result.recovered += 1
            log.info("outbox row found in Sent, not sent again outbox_id=%s", row.id)
            return False
        if row.attempts > self.claims.max_attempts:  # every try so far died with the process
            self.claims.fail(row.id, f"gave up: {row.attempts - 1} attempts never finished")
            result.failed += 1
            return False
        return True

    def _record(self, mail: OutgoingMail, outcome: TransportError | None, result: DrainResult) -> None:
        """Record one outcome before the next message goes (the transport calls this)."""
        if outcome is None and self.journal is not None:
            self.journal.record(mail.message_id)  # first: the register may have to wait for its lock
        mailbox, attempts = self._attempts.pop(mail.outbox_id)
        if outcome is not None:
            verdict = self.claims.after_failure(mail.outbox_id, attempts, outcome)
            if verdict.failed:
                result.failed += 1
            else:
                result.retried += 1
            result.transport_down = result.transport_down or isinstance(outcome, TransportConnectionError)
            return
        try:
            self.claims.mark_sent(mail.outbox_id)
        except REGISTER_DOWN:
            # The register is down: file the copy now, so the takeover after the lease finds it in Sent.
            self.sent_folders.file(mailbox, mail.raw)
            raise
        result.sent += 1
        if self.sent_folders.file(mailbox, mail.raw):
            self.claims.mark_filed(mail.outbox_id)

    def _refile(self, result: DrainResult) -> None:
        """File the Sent copies a stopped process or an unreachable folder left out (looked up first,
        so a copy is never filed twice)."""
        for row_id, mailbox, message_id in self.claims.unfiled(REFILE_PER_DRAIN):
            found = self.sent_folders.holds(mailbox, message_id)
            if found is None:
                continue
            raw = None if found else self.claims.raw_of(row_id)
            if found or (raw is not None and self.sent_folders.file(mailbox, raw)):
                self.claims.mark_filed(row_id)
