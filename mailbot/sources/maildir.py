"""A local Maildir as a message source: the embedded default, for the demo and disk-delivered sites.

Folders follow Maildir++ (``.Processed``, ``.Review``, ``.Sent`` inside the Maildir), which Dovecot
and Postfix's ``virtual`` delivery understand, so a site can switch to IMAP without moving mail.
"""

from __future__ import annotations

import hashlib
import mailbox
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mailbot.sources.base import Disposition, SourceMessage


def _uid(key: str) -> int:
    """A stable 63-bit number for a Maildir unique name (Maildir has no UIDs of its own)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1


class MaildirSource:
    """Reads ``path``'s new/ and cur/ mail; moves handled mail to Maildir++ subfolders."""

    def __init__(
        self,
        mailbox_name: str,
        path: Path,
        *,
        processed_folder: str = "Processed",
        review_folder: str = "Review",
        sent_folder: str = "Sent",
        poll_interval: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mailbox = mailbox_name
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._maildir = mailbox.Maildir(path, factory=None, create=True)
        self._folders = {"processed": processed_folder, "review": review_folder}
        self._sent_folder = sent_folder
        self._poll_interval = poll_interval
        self._sleep = sleep
        self._keys: dict[int, str] = {}

    def _folder(self, name: str) -> mailbox.Maildir:
        try:
            return self._maildir.get_folder(name)
        except mailbox.NoSuchMailboxError:
            return self._maildir.add_folder(name)

    def _sorted_keys(self) -> list[str]:
        def delivered(key: str) -> float:
            try:
                return (self.path / self._maildir._toc[key]).stat().st_mtime  # noqa: SLF001
            except (KeyError, OSError):
                return 0.0

        self._maildir._refresh()  # noqa: SLF001 - stdlib caches the listing for 2 s
        return sorted(self._maildir.keys(), key=lambda k: (delivered(k), k))

    def fetch_waiting(self, limit: int) -> Iterator[SourceMessage]:
        for key in self._sorted_keys()[:limit]:
            try:
                raw = self._maildir.get_bytes(key)
            except KeyError:
                continue  # taken by another process between listing and reading
            uid = _uid(key)
            self._keys[uid] = key
            yield SourceMessage(self.mailbox, "INBOX", 0, uid, raw)

    def mark_done(self, message: SourceMessage, disposition: Disposition) -> None:
        key = self._keys.pop(message.uid, None)
        if key is None:
            return
        target = self._folder(self._folders[disposition])
        try:
            source = self.path / self._maildir._toc[key]  # noqa: SLF001
        except KeyError:
            self._maildir._refresh()  # noqa: SLF001
            if key not in self._maildir._toc:  # noqa: SLF001
                return
            source = self.path / self._maildir._toc[key]  # noqa: SLF001
        # A rename within one file system is atomic: the message is in exactly one folder at a time.
        source.rename(
            Path(target._path) / "cur" / (source.name if ":2," in source.name else source.name + ":2,S")
        )  # noqa: SLF001

    def wait_for_mail(self, timeout: float) -> bool:
        waited = 0.0
        while waited < timeout:
            if any((self.path / "new").iterdir()):
                return True
            step = min(self._poll_interval, timeout - waited)
            self._sleep(step)
            waited += step
        return any((self.path / "new").iterdir())

    def append_sent(self, raw: bytes) -> None:
        self._folder(self._sent_folder).add(raw)

    def has_sent(self, message_id: str) -> bool:
        folder = self._folder(self._sent_folder)
        needle = message_id.encode()
        for key in folder.keys():
            head = folder.get_bytes(key).split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
            if needle in head:
                return True
        return False

    def close(self) -> None:
        self._maildir.close()
