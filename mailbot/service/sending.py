"""Sending on its own thread: replies go out while the next documents are read and decided.

The mailbox runners wake the thread after every commit that may have queued mail; the thread drains
the outbox (``OutboxSender.drain``: claim, send over one SMTP connection per pass, file in Sent,
mark sent) until nothing due is left, then sleeps until woken again. Its ``OutboxSender`` files Sent
copies through sources of its own (``App.sent_sources``), because an IMAP connection is not shared
between threads. One broad catch per pass keeps the thread alive when a pass fails.
"""

from __future__ import annotations

import logging
import threading
import time

from mailbot.transports.outbox import OutboxSender

log = logging.getLogger(__name__)

#: Rows one drain pass takes; a pass that took this many is followed by another at once.
PASS_LIMIT = 500
#: Passes start at most this often: during a backlog the replies of the next 100 ms join one pass
#: (one SMTP connection, one claim, one commit), while a reply after a quiet spell goes at once.
MIN_GAP = 0.1


class SendingThread:
    """Drains ``outbox`` on a daemon thread whenever ``wake`` is called; ``stop`` sends what is due."""

    def __init__(self, outbox: OutboxSender) -> None:
        self.outbox = outbox
        self.sent = 0
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._recover = False
        self._thread: threading.Thread | None = None

    def start(self, *, recover: bool = False) -> None:
        """Start the thread; ``recover`` makes its first pass take rows a crash left ``sending``."""
        self._recover = recover
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()
        self.wake()

    def wake(self) -> None:
        """Ask for a drain pass (cheap; passes asked for while one runs are merged into the next)."""
        self._wanted.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no pass is running or wanted; True when that happened within ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy and not self._wanted.is_set(), timeout)

    def stop(self, timeout: float = 60.0) -> int:
        """Drain what is due one last time, stop the thread, and return how many were sent in all."""
        self._stopping.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return self.sent

    def _run(self) -> None:
        last = -MIN_GAP
        while True:
            self._wanted.wait()
            burst = last + MIN_GAP - time.monotonic()
            if burst > 0:
                self._stopping.wait(burst)
            last = time.monotonic()
            with self._idle:
                self._busy = True
                self._wanted.clear()
            try:
                self._drain()
            except Exception as error:  # once per pass: a failed pass must not end sending for good
                log.exception("outbox drain failed error=%s", type(error).__name__)
            with self._idle:
                self._busy = False
                self._idle.notify_all()
            if self._stopping.is_set() and not self._wanted.is_set():
                return

    def _drain(self) -> None:
        while True:
            result = self.outbox.drain(limit=PASS_LIMIT, recover=self._recover)
            self._recover = False
            self.sent += result.sent
            if result.sent + result.retried + result.failed + result.recovered < PASS_LIMIT:
                return
