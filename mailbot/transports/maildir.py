"""A transport that writes outgoing mail into a local Maildir instead of sending it (demo, dry runs)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterable
from pathlib import Path

from mailbot.errors import TemporaryTransportError, TransportError
from mailbot.transports.base import OnOutcome, OutgoingMail


class MaildirTransport:
    """Delivers each outgoing message as one file in ``path`` (a Maildir, created if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._maildir = mailbox.Maildir(path, factory=None, create=True)

    def send(self, mail: OutgoingMail) -> None:
        envelope = f"X-Envelope-To: {', '.join(mail.recipients)}\r\n".encode()
        try:
            self._maildir.add(envelope + mail.raw)
        except OSError as error:
            raise TemporaryTransportError(
                f"could not write to the Maildir: {type(error).__name__}"
            ) from error

    def send_many(
        self, mails: Iterable[OutgoingMail], on_outcome: OnOutcome | None = None
    ) -> dict[int, TransportError | None]:
        results: dict[int, TransportError | None] = {}
        for mail in mails:
            outcome: TransportError | None = None
            try:
                self.send(mail)
            except TemporaryTransportError as error:
                outcome = error
            results[mail.outbox_id] = outcome
            if on_outcome is not None:
                on_outcome(mail, outcome)
        return results

    def close(self) -> None:
        self._maildir.close()
