"""A local note of each Message-ID the SMTP server accepted, written the instant it says 250.

SMTP has no transactional hand-over: between the server's acceptance and the register's ``sent``
commit a killed process forgets that the message went, and it is sent again. On SQLite that commit
can wait for the writer lock while a message is being applied, so the gap can be long. Appending one
line to a file takes microseconds and, once ``write`` returns, survives the process being killed
(the data is in the kernel; only a machine crash can lose it, and then the Sent copy may still tell).
A drain that takes over a row left ``sending`` reads this note first, then the Sent folder.

The file holds Message-IDs only (no personal data), one per line, appended with ``O_APPEND`` so
processes on one host can share it; it is cut back to the rows still ``sending`` when it grows.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)
#: Cut the file back when it grows past this (about 16,000 Message-IDs).
COMPACT_BYTES = 1 << 20


class AcceptedJournal:
    """Appends accepted Message-IDs to ``path`` and answers whether one is there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def record(self, message_id: str) -> None:
        """Note that the server accepted ``message_id``; never raises (the register still decides)."""
        try:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, f"{message_id}\n".encode("ascii", "replace"))
        except OSError as error:
            log.warning("accepted journal not written error=%s", type(error).__name__)

    def holds(self, message_id: str) -> bool:
        """True when ``message_id`` was noted as accepted."""
        try:
            with self.path.open("rb") as lines:
                wanted = f"{message_id}\n".encode("ascii", "replace")
                return any(line == wanted for line in lines)
        except FileNotFoundError:
            return False
        except OSError as error:
            log.warning("accepted journal not readable error=%s", type(error).__name__)
            return False

    def needs_compacting(self) -> bool:
        try:
            return self.path.stat().st_size >= COMPACT_BYTES
        except OSError:
            return False

    def compact(self, still_sending: Collection[str]) -> None:
        """Keep only the ids of rows still ``sending`` (the others are settled in the register)."""
        try:
            lines = self.path.read_bytes().splitlines()
            kept = [line for line in lines if line.decode("ascii", "replace") in still_sending]
            spare = self.path.with_suffix(".tmp")
            spare.write_bytes(b"".join(line + b"\n" for line in kept))
            spare.replace(self.path)
        except OSError as error:
            log.warning("accepted journal not compacted error=%s", type(error).__name__)
            return
        self.close()  # the next record opens the new file

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
