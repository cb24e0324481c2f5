"""Running mailbot: one runner per mailbox (fetch → intake → process → move), one outbox sender, and
the schedules.

A mailbox cycle streams: each size-limited chunk fetched is stored and committed (intake), its raw
bytes are dropped, and its messages go to the worker pool at once; while the workers read, the
runner applies what they have finished (one transaction per ready batch), moves the finished
messages at the source in bulk, and fetches the next chunk.

The outbox has a thread of its own: it drains as soon as a mailbox cycle has queued replies, and
otherwise sleeps until the next row falls due (a retry's backoff ends, a claim's lease runs out), so
rows a crash or an outage left behind are taken over while the service runs, not only at start-up.
A failing outbox (SMTP or the register down) backs off on its own and never holds up a mailbox.

Broad catches happen only here: once per message (inside the pipeline and the outbox), once per
mailbox cycle and once per outbox drain (back off, reconnect, carry on) — never around the service.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from mailbot.errors import RegisterUnavailableError, SourceConnectionError, SourceError
from mailbot.register.models import Message, SourceLedger
from mailbot.service.bootstrap import App
from mailbot.service.health import urn_capacity
from mailbot.signin.explain import redact
from mailbot.sources.base import Disposition, MessageSource, SourceMessage
from mailbot.sources.intake import intake_batch
from mailbot.transports.outbox import OutboxSender

log = logging.getLogger(__name__)

#: Message states whose mail goes to the review folder at its source; all others go to processed.
REVIEW_STATES = frozenset({"review", "failed", "bounce"})


#: Messages asked of a source per round (the source fetches them in size-limited batches).
ROUND = 200
#: Messages stored and committed together, and the bytes they may hold in memory at once. A message
#: bigger than this is taken on its own, so the main process holds at most one of those.
CHUNK_MESSAGES = 50
CHUNK_BYTES = 8 * 1024 * 1024


@dataclass
class CycleResult:
    fetched: int = 0
    new: int = 0
    processed: int = 0
    sent: int = 0
    by_mailbox: dict[str, int] = field(default_factory=dict)


def chunks(messages: Iterable[SourceMessage]) -> Iterator[list[SourceMessage]]:
    """Group fetched messages for intake: at most ``CHUNK_MESSAGES`` and ``CHUNK_BYTES`` each."""
    chunk: list[SourceMessage] = []
    size = 0
    for message in messages:
        if chunk and (size + len(message.raw) > CHUNK_BYTES or len(chunk) >= CHUNK_MESSAGES):
            yield chunk
            chunk, size = [], 0
        chunk.append(message)
        size += len(message.raw)
    if chunk:
        yield chunk


class _Moves:
    """Messages fetched from a source, waiting for their register row to finish before they move."""

    def __init__(self, app: App, source: MessageSource) -> None:
        self.app = app
        self.source = source
        self.waiting: dict[int, list[SourceMessage]] = {}

    def add(self, row_id: int, message: SourceMessage) -> None:
        self.waiting.setdefault(row_id, []).append(dataclasses.replace(message, raw=b""))

    def move_finished(self) -> None:
        """Move every waiting message whose row is finished, in bulk per folder; record it."""
        if not self.waiting:
            return
        with self.app.register.transaction() as session:
            query = select(Message.id, Message.state).where(Message.id.in_(list(self.waiting)))
            states = {row_id: state for row_id, state in session.execute(query)}
        groups: dict[Disposition, list[SourceMessage]] = {"processed": [], "review": []}
        for row_id, state in states.items():
            if state == "received":
                continue  # still waiting (processing failed to start): it stays in the inbox
            groups["review" if state in REVIEW_STATES else "processed"].extend(self.waiting.pop(row_id))
        for disposition, messages in groups.items():
            if messages:
                self.source.move_done(messages, disposition)
                _mark_ledger_done(self.app, messages)


def _mark_ledger_done(app: App, messages: list[SourceMessage]) -> None:
    """Record in one transaction that these messages have left the inbox (one UPDATE per folder)."""
    by_folder: dict[tuple[str, str, int], list[int]] = {}
    for message in messages:
        by_folder.setdefault((message.mailbox, message.folder, message.uidvalidity), []).append(message.uid)
    with app.register.transaction() as session:
        for (mailbox, folder, uidvalidity), uids in by_folder.items():
            session.execute(
                update(SourceLedger)
                .where(
                    SourceLedger.mailbox == mailbox,
                    SourceLedger.folder == folder,
                    SourceLedger.uidvalidity == uidvalidity,
                    SourceLedger.uid.in_(uids),
                )
                .values(done_at=app.now())
            )


def _waker(send_replies: Callable[[], int] | None) -> Callable[[list[int]], None] | None:
    """What the pipeline calls after each commit: wake the sender (its count is not kept here)."""
    if send_replies is None:
        return None

    def wake(_committed: list[int]) -> None:
        send_replies()

    return wake


def mailbox_cycle(
    app: App, name: str, source: MessageSource, *, send_replies: Callable[[], int] | None = None
) -> CycleResult:
    """Drain one mailbox, streaming: each size-limited chunk fetched is stored and committed
    (intake), its raw bytes dropped, and its messages handed to the workers at once; while they
    read, the ready messages are applied (one transaction per ready batch) and the finished ones
    moved at the source in bulk. ``send_replies`` (returning how many went) is called after each
    commit instead of draining the outbox here at the end: the daemon only wakes its outbox thread,
    so replies go while the next documents are read."""
    result = CycleResult()
    moves = _Moves(app, source)
    stream = app.pipeline.stream(on_committed=_waker(send_replies))
    stream.add(app.pipeline.waiting(limit=ROUND, mailbox=name))  # left by a crash or a failed start
    while True:
        fetched = 0
        for chunk in chunks(source.fetch_waiting(ROUND)):
            outcomes = intake_batch(app.register, app.shell.storage, chunk, app.now())
            fetched += len(chunk)
            result.new += sum(outcome.new for outcome in outcomes)
            for message, outcome in zip(chunk, outcomes, strict=True):
                moves.add(outcome.message_row_id, message)
            chunk.clear()  # the raw bytes are stored: let them go before the next chunk
            stream.add([outcome.message_row_id for outcome in outcomes if outcome.state == "received"])
            if stream.apply_ready():
                moves.move_finished()
        result.fetched += fetched
        if fetched < ROUND:
            break
    stream.finish()
    if send_replies is None and app.outbox is not None:
        result.sent += app.outbox.drain().sent  # replies before the moves, as a cycle always did
    moves.move_finished()
    result.processed = stream.applied
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
    while (done := app.pipeline.process_waiting(limit=ROUND)) > 0:
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
        """Start the document workers and compile the templates (so the first message does not wait
        for either), then the outbox thread (its first drain takes over what a crash left) and one
        thread per mailbox. The one row read (the URN sequence, for a warning) never stops start-up,
        so start-up never fails because of data."""
        self.app.reader.start()
        self.app.shell.renderer.warm()
        self._warn_if_urns_run_short()
        if self.app.outbox is not None:
            self._start_thread(self._outbox_loop, (self.app.outbox,), "outbox")
        for name, source in self.app.sources.items():
            self._start_thread(self._loop, (name, source), f"mailbox-{name}")

    def _warn_if_urns_run_short(self) -> None:
        """Say at start when the URN numbers are running out (``status`` says it too): an operator
        must widen ``urn.width`` before they do. A register that cannot be read says so later."""
        try:
            with self.app.register.transaction() as session:
                check = urn_capacity(session, self.app.settings)
        except (RegisterUnavailableError, DBAPIError):
            return  # the mailbox loops report an unreachable register as they meet it
        if not check.ok:
            log.warning("URN numbers running short: %s", check.detail)

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
