"""A transport that writes outgoing mail into a local Maildir instead of sending it (demo, dry runs)."""

from __future__ import annotations

import mailbox
from collections.abc import Sequence
from pathlib import Path

from mailbot.transports.base import OutgoingMail


class MaildirTransport:
    """Delivers each outgoing message as one file in ``path`` (a Maildir, created if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._maildir = mailbox.Maildir(path, factory=None, create=True)

    def send(self, mail: OutgoingMail) -> None:
        envelope = f"X-Envelope-To: {', '.join(mail.recipients)}\r\n".encode()
        self._maildir.add(envelope + mail.raw)

    def send_many(self, mails: Sequence[OutgoingMail]) -> dict[int, Exception | None]:
        results: dict[int, Exception | None] = {}
        for mail in mails:
            try:
                self.send(mail)
                results[mail.outbox_id] = None
            except OSError as error:
                results[mail.outbox_id] = error
        return results

    def close(self) -> None:
        self._maildir.close()
