"""mailbot's exception tree, in one place (errors inside the pure core are values, not exceptions).

    MailbotError
    ├── ConfigError                      config file missing, unreadable or invalid (``check-config`` explains)
    ├── SourceError                      a mailbox could not be read
    │   ├── SourceConnectionError(ConnectionError)   server unreachable, TLS or login failure: back off, reconnect
    │   └── SourceTimeoutError(TimeoutError)         server stopped answering: back off, reconnect
    ├── TransportError                   an outgoing message could not be handed over
    │   ├── TemporaryTransportError      4xx, connection lost, timeout: retry with backoff
    │   └── PermanentTransportError      5xx for every recipient: mark failed, raise a review item
    ├── DocumentWorkerError              a worker could not open a stored message (timed out, died)
    ├── RegisterError                    the database refused (migrations missing, constraint broken)
    │   └── UrnCapacityError             the URN width holds no more URNs: an operator widens ``[urn] width``
    └── UntrustedRecipientError          an attempt to send personal data outside the trusted domains

The shell catches broadly only twice: once per message (the message is marked failed and kept in the
register) and once per mailbox loop (back off and reconnect). Everything else says what it is.
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


class TemporaryTransportError(TransportError, ConnectionError):
    """Worth retrying later (4xx reply, connection refused or lost, timeout)."""


class PermanentTransportError(TransportError):
    """Not worth retrying (5xx reply for every recipient)."""


class DocumentWorkerError(MailbotError):
    """A document worker could not open a stored message (it timed out, died, or the parser failed)."""


class RegisterError(MailbotError):
    """The register (database) refused an operation."""


class UrnCapacityError(RegisterError):
    """Every URN the configured width can hold has been issued; the message waits, it is not failed."""


class UntrustedRecipientError(MailbotError):
    """Refused to send personal data to an address outside the configured trusted domains."""
