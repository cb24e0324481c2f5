"""The interface every outgoing transport implements (SMTP, Maildir/file)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from mailbot.errors import TransportError


@dataclass(frozen=True)
class OutgoingMail:
    """A fully rendered message from the outbox: envelope and the exact bytes to send."""

    outbox_id: int
    message_id: str
    envelope_from: str
    recipients: tuple[str, ...]
    raw: bytes


#: Told what became of each message the moment it is known: None (accepted) or the error it met.
OnOutcome = Callable[[OutgoingMail, TransportError | None], None]


class Transport(Protocol):
    """Hands outgoing mail to the world.

    ``send`` raises a ``TemporaryTransportError`` (retry later) or a ``PermanentTransportError``
    (give up, review); it returns normally only when the server accepted the message for every
    recipient it did not reject permanently.
    """

    def send(self, mail: OutgoingMail) -> None: ...

    def send_many(
        self, mails: Iterable[OutgoingMail], on_outcome: OnOutcome | None = None
    ) -> dict[int, TransportError | None]:
        """Send several over one connection, one at a time; map outbox id → None (sent) or its error.

        Each outcome goes to ``on_outcome`` as soon as the server has answered, before the next
        message is taken from ``mails``, so the caller can record it at once (and ``mails`` may be a
        generator that claims each message just before it is sent). After a failure that leaves no
        usable connection no further message is taken: those not taken are absent from the result.
        An exception from ``on_outcome`` stops the sending and propagates.
        """
        ...

    def close(self) -> None: ...
