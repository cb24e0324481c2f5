"""Running mailbot: one runner per mailbox (fetch → intake → process → move), one outbox sender, and
the schedules.

The outbox has a thread of its own: it drains as soon as a mailbox cycle has queued replies, and
otherwise sleeps until the next row falls due (a retry's backoff ends, a claim's lease runs out), so
rows a crash or an outage left behind are taken over while the service runs, not only at start-up.
A failing outbox (SMTP or the register down) backs off on its own and never holds up a mailbox.

Broad catches happen only here: once per message (inside the pipeline and the outbox), once per
mailbox cycle and once per outbox drain (back off, reconnect, carry on) — never around the service.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update

from mailbot.errors import RegisterUnavailableError, SourceConnectionError, SourceError
from mailbot.register.models import Message, SourceLedger
from mailbot.service.bootstrap import App
from mailbot.signin.explain import redact
from mailbot.sources.base import Disposition, MessageSource, SourceMessage
from mailbot.sources.intake import intake_batch
from mailbot.transports.outbox import OutboxSender

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


def mailbox_cycle(
    app: App, name: str, source: MessageSource, *, send_replies: Callable[[], int] | None = None
) -> CycleResult:
    """Drain one mailbox, a batch at a time: store the waiting messages, process them, send the
    replies, move them. ``send_replies`` (returning how many went) replaces draining the outbox here:
    the daemon only wakes its outbox thread, so replies go while the next batch is read."""
    send = send_replies or (lambda: app.outbox.drain().sent if app.outbox is not None else 0)
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
        result.sent += send()
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
        total.sent += app.outbox.drain().sent
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


#: The outbox thread wakes at least this often, even when nothing is due (a row may be added by
#: another process, e.g. ``mailbot chase`` run by hand).
OUTBOX_IDLE_SECONDS = 60.0


class Runner:
    """The daemon: a thread per mailbox waiting with IDLE (or polling), an outbox thread, the scheduler."""

    def __init__(self, app: App, idle_timeout: float = 25 * 60) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self._cycle_lock = threading.Lock()  # one mailbox cycle at a time: they share the reader pool
        self._outbox_wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def _loop(self, name: str, source: MessageSource) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                with self._cycle_lock:
                    mailbox_cycle(self.app, name, source, send_replies=self._wake_outbox)
                failures = 0
                if self.stopping.is_set():
                    break
                if self.app.health is not None:
                    self.app.health.listened(name)
                source.wait_for_mail(self.idle_timeout)
            except Exception as error:  # once per mailbox loop: never let one cycle stop the service
                if self.stopping.is_set():
                    break  # the stop interrupted a wait or a cycle; everything done so far is committed
                failures += 1
                if isinstance(error, SourceError | RegisterUnavailableError):
                    delay = min(300.0, 2.0**failures) * (0.5 + random.random() / 2)
                    if self.app.health is not None and isinstance(error, SourceError):
                        self.app.health.failed(name, error)
                    # A sign-in or connection failure says what to fix (no token or secret is in it).
                    detail = redact(str(error)) if isinstance(error, SourceConnectionError) else ""
                    log.warning(
                        "mailbox unavailable mailbox=%s error=%s retry_in=%.0fs detail=%s",
                        name,
                        type(error).__name__,
                        delay,
                        detail,
                    )
                else:
                    delay = min(300.0, 2.0**failures)
                    log.exception("mailbox cycle failed mailbox=%s error=%s", name, type(error).__name__)
                self.stopping.wait(delay)

    def _outbox_loop(self, outbox: OutboxSender) -> None:
        """Drain now, then sleep until the next row is due or a cycle queues replies; back off when
        the transport or the register is down."""
        failures = 0
        while not self.stopping.is_set():
            self._outbox_wake.clear()
            try:
                result = outbox.drain()
                failures = failures + 1 if result.transport_down else 0
                delay = self._until_next_due(outbox) if not failures else 0.0
            except Exception as error:  # once per drain: the register is down, or a bug; back off, retry
                if self.stopping.is_set():
                    break
                failures += 1
                delay = 0.0
                log.warning("outbox drain failed error=%s", type(error).__name__, exc_info=True)
            if failures:
                delay = min(300.0, 2.0**failures) * (0.5 + random.random() / 2)
                log.info("outbox backing off retry_in=%.0fs", delay)
            self._outbox_wake.wait(delay)

    def _until_next_due(self, outbox: OutboxSender) -> float:
        due = outbox.next_due()
        if due is None:
            return OUTBOX_IDLE_SECONDS
        return max(0.05, min(OUTBOX_IDLE_SECONDS, (due - self.app.now()).total_seconds()))

    def drain_outbox(self) -> None:
        """Have the outbox thread drain now (replies were queued); returns at once."""
        self._outbox_wake.set()

    def _wake_outbox(self) -> int:
        self._outbox_wake.set()
        return 0  # sent by the outbox thread, not counted here

    def stopped_loops(self) -> list[str]:
        """Names of mailbox loops (and ``outbox``) that have ended while the service is meant to run
        (health: a dead outbox thread would leave every reply waiting)."""
        if self.stopping.is_set():
            return []
        return [thread.name.removeprefix("mailbox-") for thread in self._threads if not thread.is_alive()]

    def start(self) -> None:
        """Start the outbox thread (its first drain takes over what a crash left) and one thread per
        mailbox. Nothing here reads rows, so start-up never fails because of data."""
        if self.app.outbox is not None:
            self._start_thread(self._outbox_loop, (self.app.outbox,), "outbox")
        for name, source in self.app.sources.items():
            self._start_thread(self._loop, (name, source), f"mailbox-{name}")

    def _start_thread(self, target: Callable[..., None], args: tuple[object, ...], name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, patience: float = 60.0) -> None:
        """Ask the loops to finish: wake any that wait in IMAP IDLE or for the outbox timer, then wait
        for them (the outbox for the message it may be sending), so no thread still uses a connection
        when the sources are closed. The mailboxes are woken again while waiting: a runner that was
        still connecting when the stop came may have gone into IDLE since."""
        self.stopping.set()
        self._outbox_wake.set()
        deadline = time.monotonic() + patience
        while any(thread.is_alive() for thread in self._threads) and time.monotonic() < deadline:
            for source in self.app.sources.values():
                source.interrupt()
            for thread in self._threads:
                thread.join(timeout=0.2)
