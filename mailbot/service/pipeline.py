"""Processing stored messages: open and read (workers) → decide → apply (main), streamed and batched.

Messages are processed from the register (state ``received``), not from the source, so a crash
between intake and processing loses nothing: the next run picks them up. The worker pool opens each
message and reads its documents while the main process decides and applies the messages already
read, so neither waits for the other: ``PipelineStream`` keeps a window of messages in the workers
and applies, in arrival order, every message whose reading has finished — all of those ready at
once in ONE transaction (one unit of work for the batch). If anything in a batch raises, the batch
is rolled back and redone one message per transaction, so one bad message is marked failed alone.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.errors import DocumentWorkerError
from mailbot.register.database import Register
from mailbot.register.models import Message, ReviewItem, waiting_message
from mailbot.rules.decide import Rules
from mailbot.service.deciding import decide_and_apply
from mailbot.service.message_reading import ReadMessage
from mailbot.transports.outgoing import Shell

log = logging.getLogger(__name__)

#: Messages applied in one transaction at most (all that are ready, up to this).
BATCH = 50


class MessageReader(Protocol):
    """Opens a stored message and reads its documents (the worker pool)."""

    workers: int

    def read_message(self, raw_path: str) -> Future[ReadMessage]: ...


@dataclass
class _Item:
    row_id: int
    mailbox: str
    raw_path: str
    reading: Future[ReadMessage] | None = None


class Pipeline:
    """Turns ``received`` messages into decisions applied to the register."""

    def __init__(
        self,
        register: Register,
        shell: Shell,
        reader: MessageReader,
        now: Callable[[], datetime],
        rules_for: Callable[[datetime], Rules],
        *,
        window: int | None = None,
    ) -> None:
        self.register = register
        self.shell = shell
        self.reader = reader
        self.now = now
        self.rules_for = rules_for
        #: messages kept in the workers at once: enough to keep every worker busy, few enough that
        #: the first message of a backlog is answered early.
        self.window = window or max(8, 6 * reader.workers)

    def waiting(self, limit: int = 200, mailbox: str | None = None, after: int = 0) -> list[int]:
        """Ids of incoming messages waiting to be processed, oldest first (ids above ``after``)."""
        with self.register.transaction() as session:
            query = select(Message.id).where(waiting_message(), Message.direction == "in")
            if mailbox is not None:
                query = query.where(Message.mailbox == mailbox)
            if after:
                query = query.where(Message.id > after)
            return list(session.execute(query.order_by(Message.id).limit(limit)).scalars())

    def process_waiting(self, limit: int = 200, mailbox: str | None = None) -> int:
        """Process up to ``limit`` waiting messages; returns how many were processed."""
        ids = self.waiting(limit, mailbox)
        self.process(ids)
        return len(ids)

    def process(self, ids: Sequence[int]) -> None:
        """Process messages in order and return when every one of them has been applied."""
        stream = self.stream()
        stream.add(ids)
        stream.finish()

    def stream(self, on_committed: Callable[[list[int]], None] | None = None) -> PipelineStream:
        """A stream to feed message ids into as they arrive; ``on_committed`` hears each commit."""
        return PipelineStream(self, on_committed)

    # -- applying ----------------------------------------------------------------------------------

    def apply_batch(self, items: Sequence[tuple[int, ReadMessage | Exception]]) -> list[int]:
        """Apply read messages in one transaction; returns the ids committed (all of them: after a
        failure they are applied one by one, and a message that fails alone is recorded failed)."""
        try:
            with self.register.transaction() as session:
                for row_id, outcome in items:
                    self._apply_one(session, row_id, outcome)
        except Exception:  # redo one by one so the failure is one message's, never the batch's
            if len(items) > 1:
                log.info("batch of %s rolled back after an error; applying one by one", len(items))
            for item in items:
                self._apply_alone(*item)
        return [row_id for row_id, _ in items]

    def _apply_alone(self, row_id: int, outcome: ReadMessage | Exception) -> None:
        try:
            with self.register.transaction() as session:
                self._apply_one(session, row_id, outcome)
        except Exception as error:  # one broad catch per message: record it, move on
            self._fail(row_id, error)

    def _apply_one(self, session: Session, row_id: int, outcome: ReadMessage | Exception) -> None:
        if isinstance(outcome, Exception):
            _record_failure(session, row_id, outcome, self.now())
            return
        decide_and_apply(session, self.shell, self.rules_for, row_id, outcome, self.now())

    def _fail(self, row_id: int, error: Exception) -> None:
        with self.register.transaction() as session:
            _record_failure(session, row_id, error, self.now())


def _record_failure(session: Session, row_id: int, error: Exception, now: datetime) -> None:
    log.error("message processing failed row=%s error=%s", row_id, type(error).__name__)
    row = session.get(Message, row_id)
    if row is None or row.state != "received":
        return
    row.state = "failed"
    row.error = type(error).__name__
    row.processed_at = now
    session.add(
        ReviewItem(
            reason="processing_failed",
            detail=f"mailbot could not process this message ({type(error).__name__})",
            state="open",
            message_row_id=row_id,
            created_at=now,
        )
    )


class PipelineStream:
    """Message ids in, decisions applied out, in order; the workers never wait for the main thread.

    ``add`` looks the rows up and hands them to the workers (at most ``window`` at a time; a
    finished reading hands over the next one from the worker pool's own thread). ``apply_ready``
    applies the finished prefix in one transaction; ``finish`` applies everything left.
    """

    def __init__(self, pipeline: Pipeline, on_committed: Callable[[list[int]], None] | None) -> None:
        self.pipeline = pipeline
        self.on_committed = on_committed
        self.applied = 0
        self._seen: set[int] = set()
        self._queued: deque[_Item] = deque()  # not yet handed to the workers
        self._reading: deque[_Item] = deque()  # handed over, in arrival order
        self._lock = threading.Lock()

    def add(self, ids: Sequence[int]) -> None:
        fresh = [row_id for row_id in ids if row_id not in self._seen]
        if not fresh:
            return
        self._seen.update(fresh)
        with self.pipeline.register.transaction() as session:
            rows = {
                row_id: (mailbox, raw_path)
                for row_id, mailbox, raw_path in session.execute(
                    select(Message.id, Message.mailbox, Message.raw_path).where(Message.id.in_(fresh))
                )
            }
        with self._lock:
            for row_id in fresh:
                if row_id in rows:
                    self._queued.append(_Item(row_id, *rows[row_id]))
        self._hand_over()

    def _hand_over(self, _finished: object = None) -> None:
        """Keep ``window`` messages in the workers (also called by the pool's thread on each finish)."""
        while True:
            with self._lock:
                in_workers = sum(
                    1 for item in self._reading if item.reading is not None and not item.reading.done()
                )
                if not self._queued or in_workers >= self.pipeline.window:
                    return
                item = self._queued.popleft()
                self._reading.append(item)
                try:
                    future = self.pipeline.reader.read_message(item.raw_path)
                except Exception as error:  # the pool is gone: the message is recorded as failed
                    future = Future()
                    future.set_exception(error)
                item.reading = future
            future.add_done_callback(self._hand_over)

    def apply_ready(self, block: bool = False) -> int:
        """Apply the messages at the head whose reading has finished (with ``block``, wait for at
        least one); returns how many were applied."""
        ready = self._ready_prefix()
        if not ready and block and self._reading:
            head = self._reading[0].reading
            if head is not None:
                wait([head], return_when=FIRST_COMPLETED)
            ready = self._ready_prefix()
        if not ready:
            return 0
        committed = self.pipeline.apply_batch(ready)
        self.applied += len(ready)
        if committed and self.on_committed is not None:
            self.on_committed(committed)
        return len(ready)

    def _ready_prefix(self) -> list[tuple[int, ReadMessage | Exception]]:
        """Take the messages at the head whose reading is done, in order, with what it gave."""
        ready: list[tuple[int, ReadMessage | Exception]] = []
        with self._lock:
            while self._reading and len(ready) < BATCH:
                item = self._reading[0]
                if item.reading is None or not item.reading.done():
                    break
                self._reading.popleft()
                error = item.reading.exception()
                if error is None:
                    ready.append((item.row_id, item.reading.result()))
                elif isinstance(error, Exception):
                    ready.append((item.row_id, error))
                else:  # the reading was cancelled (the pool is closing): record it, do not raise
                    ready.append((item.row_id, DocumentWorkerError(type(error).__name__)))
        if ready:
            self._hand_over()
        return ready

    def finish(self) -> None:
        """Apply every message added so far."""
        while True:
            with self._lock:
                left = bool(self._reading or self._queued)
            if not left:
                return
            if not self.apply_ready(block=True):
                self._hand_over()
