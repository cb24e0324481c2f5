"""The interface every message source implements (IMAP, Maildir)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

#: Where a message goes at its source once the register holds it.
Disposition = Literal["processed", "review"]


@dataclass(frozen=True)
class SourceMessage:
    """One message as fetched: the ledger key (mailbox, folder, uidvalidity, uid) and the raw bytes.

    For a Maildir, ``uidvalidity`` is 0 and ``uid`` is a stable hash of the file's unique name.
    """

    mailbox: str
    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    #: a message too big to hold in memory, fetched in pieces into this file; ``raw`` is then empty
    #: and intake moves the file into storage.
    spooled: Path | None = None


class MessageSource(Protocol):
    """A mailbox mailbot watches. One runner per mailbox uses one source; sources are not shared.

    Invariant 1 (DESIGN.md): the caller stores and commits a message before calling ``mark_done``;
    the source must only move or flag it, never delete it outright.
    """

    mailbox: str

    def fetch_waiting(self, limit: int) -> Iterator[SourceMessage]:
        """Yield up to ``limit`` messages still in the inbox, oldest first, fetched in batches."""
        ...

    def mark_done(self, message: SourceMessage, disposition: Disposition) -> None:
        """Move the message out of the inbox to the processed or review folder."""
        ...

    def move_done(self, messages: Sequence[SourceMessage], disposition: Disposition) -> None:
        """Move several messages to one folder, in as few server commands as the source allows.

        Only the ledger key of each message is used: the caller may have dropped the raw bytes.
        """
        ...

    def wait_for_mail(self, timeout: float) -> bool:
        """Block until new mail may have arrived (IMAP IDLE, or a poll interval); True if it has."""
        ...

    def append_sent(self, raw: bytes) -> None:
        """File a copy of a message we sent in this mailbox's Sent folder."""
        ...

    def has_sent(self, message_id: str) -> bool:
        """True when the Sent folder already holds a message with this Message-ID (restart safety)."""
        ...

    def interrupt(self) -> None:
        """Wake a ``wait_for_mail`` running in another thread, so a stopping daemon need not wait."""
        ...

    def close(self) -> None: ...
