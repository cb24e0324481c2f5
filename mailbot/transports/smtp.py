"""Hands outgoing mail to an SMTP server (aiosmtplib), classifying each failure as temporary or permanent."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiosmtplib

from mailbot.errors import (
    AddressRefusedError,
    PermanentTransportError,
    SignInError,
    TemporaryTransportError,
    TransportConnectionError,
    TransportError,
    TransportTimeoutError,
)
from mailbot.signin.explain import explained
from mailbot.signin.providers import TokenProvider
from mailbot.transports.base import OnOutcome, OutgoingMail

log = logging.getLogger(__name__)

TlsMode = Literal["implicit", "starttls", "none"]
T = TypeVar("T")

#: Recipients a server refused while accepting the message for others: address → (code, reply text).
RefusedRecipients = dict[str, tuple[int, str]]


@dataclass(frozen=True)
class SmtpSignIn:
    """One SMTP sign-in: a password or a token provider (XOAUTH2), and the From addresses it may use
    (empty: any — a single identity whose rights the server alone knows)."""

    username: str
    password: str | None = field(default=None, repr=False)
    tokens: TokenProvider | None = None
    send_as: tuple[str, ...] = ()

    def may_send_as(self, address: str) -> bool:
        return not self.send_as or address.lower() in {a.lower() for a in self.send_as}


@dataclass
class SenderProbe:
    """What the server said to ``MAIL FROM:<address>`` (followed by RSET; nothing is sent)."""

    address: str
    code: int | None
    text: str

    @property
    def accepted(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


@dataclass
class IdentityProbe:
    """One identity's sign-in (``error`` None when it worked) and its From addresses' probes."""

    username: str
    method: str
    error: str | None = None
    senders: list[SenderProbe] = field(default_factory=list)


def classify(code: int | None, text: str) -> TransportError:
    """The transport error for an SMTP reply code: 5xx is permanent; 4xx temporary; no code (no reply
    at all) a connection failure."""
    if code is None:
        return TransportConnectionError(text)
    if 500 <= code < 600:
        return PermanentTransportError(text, code)
    return TemporaryTransportError(text, code)


def _error_for(error: Exception) -> TransportError:
    """Map an aiosmtplib (or socket) exception to mailbot's tree, keeping the reply code."""
    if isinstance(error, SignInError):
        return TemporaryTransportError(f"SMTP sign-in: no access token: {error}")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return classify(error.code, f"SMTP {error.code}: sign-in refused: {explained(error.message)}")
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        # All refused: permanent only when every refusal is 5xx (one 4xx may succeed on retry).
        code = max(codes) if codes and all(c >= 500 for c in codes) else min(codes, default=None)
        return classify(code, f"every recipient refused ({', '.join(str(c) for c in codes)})")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return classify(error.code, f"SMTP {error.code}: {error.message}")
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        # e.g. STARTTLS demanded by config but not offered: a configuration problem, not a blip.
        return PermanentTransportError(f"SMTP server lacks a required extension: {error}")
    if isinstance(error, TimeoutError):  # aiosmtplib.SMTPTimeoutError is one too
        return TransportTimeoutError(f"SMTP timeout: {error}")
    return TransportConnectionError(f"SMTP connection failed: {type(error).__name__}: {error}")


def _address_problem(address: str) -> str | None:
    """Why an envelope address cannot go on an SMTP command line as it is, or None.

    aiosmtplib raises ValueError for whitespace, angle brackets and quotes outside a quoted local part
    (``Big Bug bb@bug.com``), and an address is encoded as ASCII unless SMTPUTF8 is used; control
    characters would end the command line. Checked per message so one bad address fails one row.
    """
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
        return "control characters in the address"
    try:
        aiosmtplib.email.parse_address(address)
    except ValueError:
        return "characters not permitted in an SMTP address (a display name without angle brackets?)"
    return None


@dataclass
class _Session:
    """One identity's connection during a ``send_many`` call (``broken``: why it cannot be used)."""

    identity: SmtpSignIn | None
    smtp: aiosmtplib.SMTP | None = None
    reconnects_left: int = 1
    broken: TransportError | None = None


async def _quit(smtp: aiosmtplib.SMTP | None) -> None:
    """End a session politely when it is still up; drop it when QUIT fails."""
    if smtp is None or not smtp.is_connected:
        return
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


class SmtpTransport:
    """SMTP submission implementing ``Transport``; synchronous methods over aiosmtplib.

    ``send`` raises ``TemporaryTransportError`` for a 4xx reply (``TransportConnectionError`` for a
    refused or lost connection, ``TransportTimeoutError`` for a timeout), ``PermanentTransportError``
    for a 5xx reply to MAIL FROM or DATA, or when every recipient is refused with 5xx, and
    ``AddressRefusedError`` for an address that cannot be put on the wire (a non-ASCII one when the
    server lacks SMTPUTF8, RFC 6531; whitespace or control characters); all carry the SMTP ``code``
    (None when there was no reply).

    Partial refusal: when the server accepts the message for some recipients and refuses others at
    RCPT, the message is sent to the accepted ones and ``send`` returns normally (resending would
    duplicate it for them). The refused ones — address → (code, text) — go to ``on_refused(mail,
    refused)``, which the outbox wires to a review item; without a callback they are only counted in a
    warning (addresses never reach the logs). Retry and backoff belong to the outbox, not here.
    """

    def __init__(
        self,
        host: str,
        port: int,
        tls: TlsMode,
        username: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        on_refused: Callable[[OutgoingMail, RefusedRecipients], None] | None = None,
        identities: Sequence[SmtpSignIn] = (),
    ) -> None:
        if tls not in ("implicit", "starttls", "none"):
            raise ValueError(f"tls must be implicit, starttls or none, not {tls!r}")
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if username is not None and identities:
            raise ValueError("give username/password or identities, not both")
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.identities: tuple[SmtpSignIn, ...] = (
            (SmtpSignIn(username, password),) if username is not None else tuple(identities)
        )
        self.timeout = timeout
        self._ssl_context = ssl_context
        self.local_hostname = local_hostname
        self.on_refused = on_refused
        self._runner: asyncio.Runner | None = None
        self.connections_opened = 0  # for tests and metrics: batches share one connection

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, tls={self.tls})"

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, mail: OutgoingMail) -> None:
        """Send one message on its own connection; raises a ``TransportError`` subclass on failure."""
        error = self.send_many([mail])[mail.outbox_id]
        if error is not None:
            raise error

    def send_many(
        self, mails: Iterable[OutgoingMail], on_outcome: OnOutcome | None = None
    ) -> dict[int, TransportError | None]:
        """Send several, one connection per identity; outbox id → None (sent) or the ``TransportError``
        it met.

        Messages are taken in order and each goes on the connection of the identity that may send as
        its From address (opened when first needed, kept for the rest of the batch); each outcome goes
        to ``on_outcome`` before the next message is taken (see ``Transport``). A From address no
        identity may use fails that message permanently. After a failure that leaves the session
        usable (a 4xx/5xx reply, a refused address) the next message goes on the same connection;
        after a lost connection one reconnect is tried. When an identity cannot connect (or loses its
        connection again) no further message is taken if it is the only identity; with several, the
        later messages for that identity fail the same way (temporarily) while the others go on.
        """
        return self._run(self._send_batch(iter(mails), on_outcome))

    def probe(self, senders: Sequence[str] = ()) -> list[IdentityProbe]:
        """Sign in as each identity and try ``MAIL FROM`` for each address it may send as (``senders``
        for an identity that does not list them), then RSET: what ``mailbot check-connection``
        reports. Nothing is sent."""
        return self._run(self._probe_all(senders))

    async def _probe_all(self, extra_senders: Sequence[str] = ()) -> list[IdentityProbe]:
        if not self.identities:
            return [await _probe_identity(self, None, list(extra_senders))]
        return [await _probe_identity(self, i, list(i.send_as or extra_senders)) for i in self.identities]

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coroutine)

    def _identity_index(self, from_address: str) -> int | None:
        """Which identity sends mail From ``from_address``: -1 for none needed (open relay)."""
        if not self.identities:
            return -1
        return next((n for n, i in enumerate(self.identities) if i.may_send_as(from_address)), None)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    # -- internals ---------------------------------------------------------------------------------

    def _client(self, identity: SmtpSignIn | None) -> aiosmtplib.SMTP:
        with_password = identity is not None and identity.tokens is None
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=identity.username if with_password and identity else None,
            password=identity.password if with_password and identity else None,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
            use_tls=self.tls == "implicit",
            # "none" means never upgrade, even if offered (loopback relays with broken certificates);
            # "starttls" means insist on it (aiosmtplib raises SMTPException if not offered).
            start_tls=self.tls == "starttls",
            tls_context=self._ssl_context,
        )

    async def _connect(self, identity: SmtpSignIn | None) -> aiosmtplib.SMTP:
        smtp = self._client(identity)
        await smtp.connect()
        self.connections_opened += 1
        if identity is not None and identity.tokens is not None:
            try:
                await self._xoauth2(smtp, identity, identity.tokens)
            except BaseException:
                smtp.close()
                raise
        return smtp

    @staticmethod
    async def _xoauth2(smtp: aiosmtplib.SMTP, identity: SmtpSignIn, tokens: TokenProvider) -> None:
        """AUTH XOAUTH2; a refused token is renewed and tried once more (RFC 4954 allows a new AUTH)."""
        try:
            await smtp.auth_xoauth2(identity.username, tokens.token().value)
            return
        except aiosmtplib.SMTPAuthenticationError:
            log.info("smtp: token refused; renewing it once")
        await smtp.auth_xoauth2(identity.username, tokens.renew().value)

    async def _send_batch(
        self, mails: Iterator[OutgoingMail], on_outcome: OnOutcome | None
    ) -> dict[int, TransportError | None]:
        results: dict[int, TransportError | None] = {}

        def report(mail: OutgoingMail, outcome: TransportError | None) -> None:
            results[mail.outbox_id] = outcome
            if on_outcome is not None:
                on_outcome(mail, outcome)

        sessions: dict[int, _Session] = {}  # identity index (-1: no sign-in) → its connection
        try:
            for mail in mails:
                index = self._identity_index(mail.envelope_from)
                if index is None:
                    log.warning("outbox %d: no SMTP identity may send as its From address", mail.outbox_id)
                    report(
                        mail,
                        PermanentTransportError(
                            f"no configured SMTP identity may send as outbox {mail.outbox_id}'s From address"
                        ),
                    )
                    continue
                session = sessions.get(index)
                if session is None:
                    session = sessions[index] = _Session(self.identities[index] if index >= 0 else None)
                smtp = await self._connected(session)
                if smtp is None:
                    failure = session.broken or TransportConnectionError("SMTP connection unusable")
                    report(mail, failure)
                    if len(self.identities) <= 1:
                        break  # nothing else could go out: take no further message
                    continue
                report(mail, await self._send_one(smtp, mail))
        finally:
            for session in sessions.values():
                await _quit(session.smtp)
        return results

    async def _connected(self, session: _Session) -> aiosmtplib.SMTP | None:
        """The session's usable connection, (re)connecting when needed; None once it is broken."""
        if session.broken is not None:
            return None
        smtp = session.smtp
        if smtp is not None and smtp.is_connected:
            return smtp
        if smtp is not None:
            if session.reconnects_left == 0:
                session.broken = TransportConnectionError("SMTP connection lost again")
                return None
            session.reconnects_left -= 1
        try:
            session.smtp = await self._connect(session.identity)
        except (aiosmtplib.SMTPException, OSError, SignInError) as error:
            session.broken = _error_for(error)
            log.warning("smtp %s:%s: connect failed (%s)", self.host, self.port, session.broken.code)
            return None
        return session.smtp

    async def _envelope_options(self, smtp: aiosmtplib.SMTP, mail: OutgoingMail) -> list[str]:
        """MAIL FROM options; raises ``AddressRefusedError`` for an address that cannot be sent."""
        addresses = [mail.envelope_from, *mail.recipients]
        for address in addresses:
            problem = _address_problem(address)
            if problem is not None:
                raise AddressRefusedError(f"address refused before sending: {problem}")
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()  # the extensions below are only known after EHLO
        options = []
        if not all(address.isascii() for address in addresses):
            if not smtp.supports_extension("smtputf8"):
                raise AddressRefusedError(
                    "a non-ASCII address needs SMTPUTF8 (RFC 6531), which the server does not offer"
                )
            options.append("SMTPUTF8")
        if not mail.raw.isascii() and smtp.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")  # RFC 6152; Exchange advertises it
        return options

    async def _send_one(self, smtp: aiosmtplib.SMTP, mail: OutgoingMail) -> TransportError | None:
        try:
            options = await self._envelope_options(smtp, mail)
            refused, _reply = await smtp.sendmail(
                mail.envelope_from, list(mail.recipients), mail.raw, mail_options=options
            )
        except AddressRefusedError as refused_address:
            log.warning("outbox %d: not sent (%s)", mail.outbox_id, type(refused_address).__name__)
            return refused_address
        except ValueError as error:  # aiosmtplib refuses an address it cannot quote (UnicodeError too)
            log.warning("outbox %d: not sent (address refused by the SMTP library)", mail.outbox_id)
            return AddressRefusedError(f"address refused by the SMTP library: {type(error).__name__}")
        except (aiosmtplib.SMTPException, OSError) as error:
            failure = _error_for(error)
            log.warning(
                "outbox %d: not sent (%s, code %s)", mail.outbox_id, type(failure).__name__, failure.code
            )
            return failure
        if refused:
            refusals: RefusedRecipients = {rcpt: (resp.code, resp.message) for rcpt, resp in refused.items()}
            log.warning(
                "outbox %d: sent, but %d of %d recipient(s) refused (codes %s)",
                mail.outbox_id,
                len(refusals),
                len(mail.recipients),
                sorted({code for code, _text in refusals.values()}),
            )
            if self.on_refused is not None:
                self.on_refused(mail, refusals)
        else:
            log.info("outbox %d: sent", mail.outbox_id)
        return None


async def _probe_sender(smtp: aiosmtplib.SMTP, address: str) -> SenderProbe:
    try:
        reply = await smtp.mail(address)
        probe = SenderProbe(address, reply.code, reply.message)
    except aiosmtplib.SMTPResponseException as error:
        probe = SenderProbe(address, error.code, explained(error.message))
    await smtp.rset()
    return probe


async def _probe_identity(
    transport: SmtpTransport, identity: SmtpSignIn | None, senders: list[str]
) -> IdentityProbe:
    method = "none" if identity is None else ("oauth2" if identity.tokens else "password")
    result = IdentityProbe(identity.username if identity else "(no sign-in)", method)
    try:
        smtp = await transport._connect(identity)
    except (aiosmtplib.SMTPException, OSError, SignInError) as error:
        result.error = str(_error_for(error))
        return result
    try:
        for address in senders:
            result.senders.append(await _probe_sender(smtp, address))
    except (aiosmtplib.SMTPException, OSError) as error:
        result.error = str(_error_for(error))
    finally:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()
    return result
