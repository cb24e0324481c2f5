"""The mailboxes' Sent folders as the outbox uses them: file each copy, look a Message-ID up.

The outbox has its own connections (``bootstrap`` builds a second source per mailbox): a mailbox
runner may be waiting in IMAP IDLE on its own connection at the moment a reply is filed. A Sent
folder that fails once is left alone for the rest of the drain, so an IMAP outage costs one timeout
per drain, not one per message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mailbot.errors import SourceError
from mailbot.sources.base import MessageSource

log = logging.getLogger(__name__)


class SentFolders:
    """Files copies in, and searches, each mailbox's Sent folder through ``sources`` (name → source)."""

    def __init__(self, sources: Mapping[str, MessageSource]) -> None:
        self.sources = sources
        self._down: set[str] = set()

    def begin_drain(self) -> None:
        """Forget which folders failed during the previous drain: try them again."""
        self._down.clear()

    def holds(self, mailbox: str, message_id: str) -> bool | None:
        """True when ``mailbox``'s Sent folder holds ``message_id``, False when it does not, None when
        that cannot be told (no such mailbox, or its server is unreachable)."""
        source = self.sources.get(mailbox)
        if source is None or mailbox in self._down:
            return None
        try:
            return source.has_sent(message_id)
        except SourceError as error:
            self._down.add(mailbox)
            log.warning("Sent folder unavailable mailbox=%s error=%s", mailbox, type(error).__name__)
            return None

    def file(self, mailbox: str, raw: bytes) -> bool:
        """Append a copy to ``mailbox``'s Sent folder; False when it could not be filed now."""
        source = self.sources.get(mailbox)
        if source is None or mailbox in self._down:
            return False
        try:
            source.append_sent(raw)
        except SourceError as error:
            self._down.add(mailbox)
            log.warning("Sent copy not filed mailbox=%s error=%s", mailbox, type(error).__name__)
            return False
        return True

    def close(self) -> None:
        for source in self.sources.values():
            source.close()
