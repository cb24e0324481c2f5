"""Running mailbot: one runner per mailbox (fetch → intake → process → move) and the sending thread.

A mailbox cycle streams: each size-limited chunk fetched is stored and committed (intake), its raw
bytes are dropped, and its messages go to the worker pool at once; while the workers read, the main
thread applies what they have finished (one transaction per ready batch), moves the finished
messages at the source in bulk, and fetches the next chunk. Replies are sent by the
``SendingThread`` as soon as their decision commits, over its own connections.

Broad catches happen only here: once per message (inside the pipeline) and once per mailbox cycle
(back off, reconnect, carry on) — never around the whole service.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select, update

from mailbot.errors import SourceError
from mailbot.register.models import Message, SourceLedger
from mailbot.register.status import health
from mailbot.service.bootstrap import App
from mailbot.service.sending import SendingThread
from mailbot.sources.base import Disposition, MessageSource, SourceMessage
from mailbot.sources.intake import intake_batch

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
    """Record in one transaction that these messages have left the inbox."""
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


def mailbox_cycle(
    app: App, name: str, source: MessageSource, sender: SendingThread | None = None
) -> CycleResult:
    """Drain one mailbox: store every waiting message, process them, move them.

    With a ``sender`` the replies go out on its thread as decisions commit; without one (and with an
    outbox) they are sent at the end of the cycle, on this thread.
    """
    result = CycleResult()
    moves = _Moves(app, source)
    stream = app.pipeline.stream(on_committed=lambda _ids: sender.wake() if sender else None)
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
    moves.move_finished()
    result.processed = stream.applied
    if sender is None and app.outbox is not None:
        result.sent += app.outbox.drain().sent
    result.by_mailbox[name] = result.fetched
    return result


def run_once(app: App) -> CycleResult:
    """Process everything waiting in every mailbox and the register, send the replies, return counts."""
    app.reader.start()
    sender = SendingThread(app.outbox) if app.outbox is not None else None
    if sender is not None:
        sender.start(recover=True)
    total = CycleResult()
    try:
        for name, source in app.sources.items():
            cycle = mailbox_cycle(app, name, source, sender)
            total.fetched += cycle.fetched
            total.new += cycle.new
            total.processed += cycle.processed
            total.by_mailbox.update(cycle.by_mailbox)
        after = 0  # page by id: a message left waiting (URN width exhausted) is tried once a run
        while ids := app.pipeline.waiting(limit=ROUND, after=after):
            app.pipeline.process(ids)
            total.processed += len(ids)
            after = ids[-1]
    finally:
        if sender is not None:
            total.sent += sender.stop()
    return total


class Runner:
    """The daemon: a thread per mailbox waiting with IDLE (or polling), and the sending thread."""

    def __init__(self, app: App, idle_timeout: float = 25 * 60) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self.sender = SendingThread(app.outbox) if app.outbox is not None else None
        self._threads: list[threading.Thread] = []

    def _loop(self, name: str, source: MessageSource) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                mailbox_cycle(self.app, name, source, self.sender)
                failures = 0
                source.wait_for_mail(self.idle_timeout)
            except Exception as error:  # once per mailbox loop: never let one cycle stop the service
                if self.stopping.is_set():
                    break  # the stop interrupted a wait or a cycle; everything done so far is committed
                failures += 1
                if isinstance(error, SourceError):
                    delay = min(300.0, 2.0**failures) * (0.5 + random.random() / 2)
                    log.warning(
                        "mailbox unavailable mailbox=%s error=%s retry_in=%.0fs",
                        name,
                        type(error).__name__,
                        delay,
                    )
                else:
                    delay = min(300.0, 2.0**failures)
                    log.exception("mailbox cycle failed mailbox=%s error=%s", name, type(error).__name__)
                self.stopping.wait(delay)

    def drain_outbox(self) -> None:
        """Scheduled retry of the outbox (rows whose backoff has expired): wake the sending thread."""
        if self.sender is not None:
            self.sender.wake()

    def start(self) -> None:
        """Start the workers, compile the templates, start sending, then watch every mailbox."""
        self.app.reader.start()
        self.app.shell.renderer.warm()
        with self.app.register.engine.connect() as connection:
            for warning in health(connection, self.app.now(), self.app.settings.urn)["warnings"]:
                log.warning("%s", warning)  # the URN numbers are running out: an operator must act
        if self.sender is not None:
            self.sender.start(recover=True)
        for name, source in self.app.sources.items():
            thread = threading.Thread(
                target=self._loop, args=(name, source), name=f"mailbox-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Ask the mailbox loops to finish: wake any that wait in IMAP IDLE, then wait for them, so
        no thread still uses a connection when the sources are closed; then send what is due."""
        self.stopping.set()
        for source in self.app.sources.values():
            source.interrupt()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.sender is not None:
            self.sender.stop()
