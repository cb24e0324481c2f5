"""The interface every outgoing transport implements (SMTP, Maildir/file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMail:
    """A fully rendered message from the outbox: envelope and the exact bytes to send."""

    outbox_id: int
    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes


class Transport(Protocol):
    """Hands outgoing mail to the world.

    ``send`` raises ``TemporaryTransportError`` (retry later) or ``PermanentTransportError`` (give up,
    review); it returns normally only when the server accepted the message for every recipient it
    did not reject permanently.
    """

    def send(self, mail: OutgoingMail) -> None: ...

    def send_many(self, mails: Sequence[OutgoingMail]) -> dict[int, Exception | None]:
        """Send several over one connection; map outbox id → None (sent) or the error it raised."""
        ...

    def close(self) -> None: ...
