"""mailbot's exception tree, in one place (errors inside the pure core are values, not exceptions).

    MailbotError
    ├── ConfigError                      config file missing, unreadable or invalid (``check-config`` explains)
    ├── SourceError                      a mailbox could not be read
    │   ├── SourceConnectionError(ConnectionError)   server unreachable, TLS or login failure: back off, reconnect
    │   └── SourceTimeoutError(TimeoutError)         server stopped answering: back off, reconnect
    ├── TransportError                   an outgoing message could not be handed over (``code``: SMTP reply)
    │   ├── TemporaryTransportError      4xx reply: retry with backoff
    │   │   ├── TransportConnectionError(ConnectionError)   refused, lost or TLS-failed connection: retry
    │   │   └── TransportTimeoutError(TimeoutError)         the server stopped answering: retry
    │   └── PermanentTransportError      5xx for every recipient, a missing extension: fail, review item
    │       └── AddressRefusedError      an address the SMTP library or server cannot take: fail, review
    ├── DocumentWorkerError              a worker could not open a stored message (timed out, died)
    ├── SignInError                      no access token: the token service refused (``explanation`` says why) or is unreachable
    ├── RegisterError                    the register (database) is not as mailbot left it (a row vanished)
    │   ├── RegisterUnavailableError(ConnectionError)  the database cannot be reached: ``status`` exits 3
    │   ├── UrnSequenceExhaustedError    every URN the configured width can hold has been issued
    │   └── ImportFileError              a register import file cannot be read at all (not a row problem)
    ├── ReviewError                      a review item cannot be resolved as asked (none, resolved, wrong kind)
    ├── AllocationError                  no step down for that URN is waiting for allocation
    └── ErasureError                     ``mailbot erase`` named no case or child the register has

A refusal to send personal data outside the trusted domains is not an exception: it is decided where the
email is queued and recorded as a review item (``transports/outgoing.py``), so nothing is ever raised
past the row that asked for it.

The shell catches broadly only at its loops: once per message (an incoming message is marked failed
and kept in the register; an outgoing one becomes a failed outbox row with a review item), once per
mailbox cycle and once per outbox drain (back off and reconnect). Everything else says what it is.
"""

from __future__ import annotations


class MailbotError(Exception):
    """Root of every error mailbot raises on purpose."""


class ConfigError(MailbotError):
    """The configuration is wrong; ``problems`` lists each mistake as ``where: what``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class SourceError(MailbotError):
    """A mailbox could not be read."""


class SourceConnectionError(SourceError, ConnectionError):
    """The mail server could not be reached or refused the login."""


class SourceTimeoutError(SourceError, TimeoutError):
    """The mail server stopped answering."""


class TransportError(MailbotError):
    """An outgoing message could not be handed to the mail server."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


class TemporaryTransportError(TransportError):
    """Worth retrying later: the server answered 4xx (or the hand-over broke off, see the subclasses)."""


class TransportConnectionError(TemporaryTransportError, ConnectionError):
    """The mail server could not be reached, the TLS handshake failed, or the connection was lost."""


class TransportTimeoutError(TemporaryTransportError, TimeoutError):
    """The mail server stopped answering within the configured timeout."""


class PermanentTransportError(TransportError):
    """Not worth retrying (5xx reply for every recipient, a required extension missing)."""


class AddressRefusedError(PermanentTransportError):
    """An address the SMTP library or the server cannot take as it is (a non-ASCII local part without
    SMTPUTF8, control characters, a display name without angle brackets): only a person can fix it."""


class SignInError(MailbotError):
    """No access token could be had for a mailbox or a sending identity.

    ``explanation`` is the plain-language reason and fix when the refusal is a known one (an
    ``AADSTS`` code, Google's ``unauthorized_client``...). The message never holds a token or secret.
    ``temporary`` is True when the token service could not be reached (retrying may help).
    """

    def __init__(self, message: str, explanation: str | None = None, *, temporary: bool = False) -> None:
        self.explanation = explanation
        self.temporary = temporary
        super().__init__(message if explanation is None else f"{message.rstrip('.')}. {explanation}")


class DocumentWorkerError(MailbotError):
    """A document worker could not open a stored message (it timed out, died, or the parser failed)."""


class RegisterError(MailbotError):
    """The register is not as mailbot left it (a row it just read has vanished)."""


class RegisterUnavailableError(RegisterError, ConnectionError):
    """The database cannot be reached (server down, wrong address, file unreadable)."""


class ReviewError(MailbotError):
    """The review item does not exist, is already resolved, or the action does not fit it."""


class AllocationError(MailbotError):
    """The URN has no step down waiting for allocation (the CLI reports it; email replies review it)."""


class ErasureError(MailbotError):
    """``mailbot erase`` named a URN or child id that is not in the register."""


class UrnSequenceExhaustedError(RegisterError):
    """Every URN of the issued format's width is used: an operator must widen ``urn.width``."""


class ImportFileError(RegisterError):
    """A register import file cannot be read at all: missing, not CSV, or a mapped column absent."""
