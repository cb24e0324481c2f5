"""A local Maildir as a message source: the embedded default, for the demo and disk-delivered sites.

Folders follow Maildir++ (``.Processed``, ``.Review``, ``.Sent`` inside the Maildir), which Dovecot
and Postfix's ``virtual`` delivery understand, so a site can switch to IMAP without moving mail.
"""

from __future__ import annotations

import hashlib
import mailbox
import threading
import time
from collections.abc import Callable, Iterator, Sequence
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
        self._interrupted = threading.Event()

    def _folder(self, name: str) -> mailbox.Maildir:
        try:
            return self._maildir.get_folder(name)
        except mailbox.NoSuchMailboxError:
            return self._maildir.add_folder(name)

    def _waiting_files(self) -> list[Path]:
        """Files in new/ and cur/, oldest delivery first (Maildir has no order of its own)."""
        files: list[tuple[float, str, Path]] = []
        for sub in ("new", "cur"):
            for entry in (self.path / sub).iterdir():
                if entry.name.startswith("."):
                    continue
                try:
                    files.append((entry.stat().st_mtime, entry.name, entry))
                except FileNotFoundError:
                    continue  # moved by another process between listing and stat
        return [path for _mtime, _name, path in sorted(files)]

    def fetch_waiting(self, limit: int) -> Iterator[SourceMessage]:
        for path in self._waiting_files()[:limit]:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            key = path.name.split(":", 1)[0]
            uid = _uid(key)
            self._keys[uid] = str(path)
            yield SourceMessage(self.mailbox, "INBOX", 0, uid, raw)

    def mark_done(self, message: SourceMessage, disposition: Disposition) -> None:
        stored = self._keys.pop(message.uid, None)
        if stored is None:
            return
        source = Path(stored)
        if not source.exists():
            return
        target = Path(self._folder(self._folders[disposition])._path) / "cur"
        name = source.name if ":2," in source.name else source.name + ":2,S"
        # A rename within one file system is atomic: the message is in exactly one folder at a time.
        source.rename(target / name)

    def move_done(self, messages: Sequence[SourceMessage], disposition: Disposition) -> None:
        for message in messages:
            self.mark_done(message, disposition)

    def wait_for_mail(self, timeout: float) -> bool:
        waited = 0.0
        while waited < timeout:
            if any((self.path / "new").iterdir()):
                return True
            if self._interrupted.is_set():
                self._interrupted.clear()
                return False
            step = min(self._poll_interval, timeout - waited)
            self._sleep(step)
            waited += step
        return any((self.path / "new").iterdir())

    def interrupt(self) -> None:
        """End a ``wait_for_mail`` at its next poll (a stopping daemon must not wait out the timeout)."""
        self._interrupted.set()

    def append_sent(self, raw: bytes) -> None:
        self._folder(self._sent_folder).add(raw)

    def has_sent(self, message_id: str) -> bool:
        folder = self._folder(self._sent_folder)
        needle = message_id.encode()
        for key in folder.iterkeys():
            head = folder.get_bytes(key).split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
            if needle in head:
                return True
        return False

    def close(self) -> None:
        self._maildir.close()
