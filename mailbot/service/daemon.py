"""Running mailbot: one runner per mailbox (fetch → intake → process → move → send) and the schedules.

Broad catches happen only here: once per message (inside the pipeline) and once per mailbox cycle
(back off, reconnect, carry on) — never around the whole service.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field

from sqlalchemy import select, update

from mailbot.errors import SourceError
from mailbot.register.models import Message, SourceLedger
from mailbot.service.bootstrap import App
from mailbot.sources.base import Disposition, MessageSource, SourceMessage
from mailbot.sources.intake import intake_batch

log = logging.getLogger(__name__)

#: Message states whose mail goes to the review folder at its source; all others go to processed.
REVIEW_STATES = frozenset({"review", "failed", "bounce"})


@dataclass
class CycleResult:
    fetched: int = 0
    new: int = 0
    processed: int = 0
    sent: int = 0
    by_mailbox: dict[str, int] = field(default_factory=dict)


def _dispositions(app: App, row_ids: list[int]) -> dict[int, Disposition | None]:
    """Where each message goes at its source; None while it is still waiting to be processed."""
    with app.register.transaction() as session:
        rows = session.execute(select(Message.id, Message.state).where(Message.id.in_(row_ids))).all()
    result: dict[int, Disposition | None] = {}
    for row_id, state in rows:
        if state == "received":
            result[row_id] = None
        else:
            result[row_id] = "review" if state in REVIEW_STATES else "processed"
    return result


def _mark_ledger_done(app: App, messages: list[SourceMessage]) -> None:
    """Record in one transaction that these messages have left the inbox."""
    if not messages:
        return
    with app.register.transaction() as session:
        for message in messages:
            session.execute(
                update(SourceLedger)
                .where(
                    SourceLedger.mailbox == message.mailbox,
                    SourceLedger.folder == message.folder,
                    SourceLedger.uidvalidity == message.uidvalidity,
                    SourceLedger.uid == message.uid,
                )
                .values(done_at=app.now())
            )


def mailbox_cycle(app: App, name: str, source: MessageSource) -> CycleResult:
    """Drain one mailbox: store every waiting message, process them, move them, send the replies."""
    result = CycleResult()
    batch = 50
    while True:
        messages = list(source.fetch_waiting(batch))
        outcomes = intake_batch(app.register, app.shell.storage, messages, app.now()) if messages else []
        fetched = [
            (message, outcome.message_row_id) for message, outcome in zip(messages, outcomes, strict=True)
        ]
        result.new += sum(outcome.new for outcome in outcomes)
        result.fetched += len(fetched)
        while (count := app.pipeline.process_waiting(limit=200, mailbox=name)) > 0:
            result.processed += count
        if app.outbox is not None:
            result.sent += app.outbox.drain().sent
        dispositions = _dispositions(app, [row_id for _m, row_id in fetched])
        moved: list[SourceMessage] = []
        for message, row_id in fetched:
            disposition = dispositions.get(row_id)
            if disposition is None:
                continue  # still waiting (processing failed to start): it stays in the inbox
            source.mark_done(message, disposition)
            moved.append(message)
        _mark_ledger_done(app, moved)
        if len(fetched) < batch:
            break
    result.by_mailbox[name] = result.fetched
    return result


def run_once(app: App) -> CycleResult:
    """Process everything waiting in every mailbox and the register, drain the outbox, return counts."""
    total = CycleResult()
    if app.outbox is not None:
        total.sent += app.outbox.drain(recover=True).sent
    for name, source in app.sources.items():
        cycle = mailbox_cycle(app, name, source)
        total.fetched += cycle.fetched
        total.new += cycle.new
        total.processed += cycle.processed
        total.sent += cycle.sent
        total.by_mailbox.update(cycle.by_mailbox)
    while (done := app.pipeline.process_waiting(limit=200)) > 0:
        total.processed += done
    if app.outbox is not None:
        total.sent += app.outbox.drain().sent
    return total


class Runner:
    """The daemon: a thread per mailbox waiting with IDLE (or polling), plus the scheduler."""

    def __init__(self, app: App, idle_timeout: float = 25 * 60) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self._outbox_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _loop(self, name: str, source: MessageSource) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                with self._outbox_lock:
                    mailbox_cycle(self.app, name, source)
                failures = 0
                source.wait_for_mail(self.idle_timeout)
            except Exception as error:  # once per mailbox loop: never let one cycle stop the service
                if self.stopping.is_set():
                    break  # the stop interrupted a wait or a cycle; everything done so far is committed
                failures += 1
                if isinstance(error, SourceError):
                    delay = min(300.0, 2.0**failures) * (0.5 + random.random() / 2)
                    log.warning(
                        "mailbox unavailable mailbox=%s error=%s retry_in=%.0fs", name, type(error).__name__, delay
                    )
                else:
                    delay = min(300.0, 2.0**failures)
                    log.exception("mailbox cycle failed mailbox=%s error=%s", name, type(error).__name__)
                self.stopping.wait(delay)

    def drain_outbox(self) -> None:
        """Scheduled retry of the outbox (rows waiting for their backoff to expire)."""
        if self.app.outbox is not None:
            with self._outbox_lock:
                self.app.outbox.drain()

    def start(self) -> None:
        if self.app.outbox is not None:
            self.app.outbox.drain(recover=True)
        for name, source in self.app.sources.items():
            thread = threading.Thread(
                target=self._loop, args=(name, source), name=f"mailbox-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Ask the mailbox loops to finish: wake any that wait in IMAP IDLE, then wait for them, so
        no thread still uses a connection when the sources are closed."""
        self.stopping.set()
        for source in self.app.sources.values():
            source.interrupt()
        for thread in self._threads:
            thread.join(timeout=10)
