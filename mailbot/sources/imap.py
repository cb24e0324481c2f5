"""Reads a shared mailbox over IMAP: fetch what waits in the inbox, move it out once stored, IDLE for more."""

from __future__ import annotations

import logging
import random
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, Literal, TypeVar

from imapclient import SEEN, IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import SENT

from mailbot.errors import SignInError, SourceConnectionError, SourceError, SourceTimeoutError
from mailbot.signin.explain import explained
from mailbot.signin.providers import TokenProvider
from mailbot.signin.tokens import AccessToken
from mailbot.signin.xoauth2 import Xoauth2Responder
from mailbot.sources.base import Disposition, SourceMessage
from mailbot.sources.pieces import SPOOL_PIECE, STALE, size_batches, spool

log = logging.getLogger(__name__)

TlsMode = Literal["implicit", "starttls", "none"]
T = TypeVar("T")

#: Errors meaning the connection is gone or unusable (not "the server said NO"): drop it, reconnect.
#: imaplib raises ``abort`` for EOF and for an unsolicited ``* BYE``; ssl errors are OSErrors.
_CONNECTION_LOST: tuple[type[BaseException], ...] = (OSError, IMAPClientAbortError, EOFError)


class _IdleInterruptedError(Exception):
    """The server said BYE during IDLE (Dovecot shutdown, Exchange's idle cut-off): reconnect."""



_IDLE_ENDED: tuple[type[BaseException], ...] = (_IdleInterruptedError, *_CONNECTION_LOST)


def _mapped(error: BaseException, where: str) -> SourceError:
    """The mailbot error for a low-level failure, so the runner can tell 'server down' from a bug."""
    if isinstance(error, TimeoutError):
        return SourceTimeoutError(f"{where}: no answer from the IMAP server ({error})")
    return SourceConnectionError(f"{where}: IMAP connection failed ({type(error).__name__}: {error})")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _message_id(raw: bytes) -> str | None:
    value = BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True).get("Message-ID")
    return str(value).strip() if value else None


class ImapSource:
    """One shared mailbox on an IMAP server (Dovecot, Exchange, ...), implementing ``MessageSource``.

    Everything left in ``inbox`` is waiting: once the register holds a message, ``mark_done`` moves it
    to ``processed_folder`` or ``review_folder``, so no flag or local state decides what is new. The
    connection is opened lazily, missing folders are created, and a lost connection is re-opened with
    exponential backoff and jitter (``sleep`` is injectable for tests). Failures surface as
    ``SourceConnectionError`` or ``SourceTimeoutError`` once ``connect_attempts`` tries have failed;
    a refused login or certificate fails at once (retrying will not fix a password). A command the
    server answers with NO/BAD raises ``SourceError``.

    Sign-in: a password, or with ``tokens`` SASL XOAUTH2 with a bearer token (Exchange Online, Gmail).
    A token the server refuses is renewed once and tried again; a session is re-opened with a fresh
    token before its token expires (Exchange ends a session whose token has expired), including
    during IDLE, which ends early for it. ``sent_folder=None`` finds the ``\\Sent`` folder (RFC 6154
    SPECIAL-USE, else a common name, else "Sent"). ``on_signed_in`` is called after each sign-in.

    Not thread-safe: one runner per mailbox owns one source (DESIGN.md).
    """

    def __init__(
        self,
        mailbox: str,
        host: str,
        port: int,
        tls: TlsMode,
        username: str,
        password: str,
        *,
        inbox: str = "INBOX",
        processed_folder: str = "Processed",
        review_folder: str = "Review",
        sent_folder: str | None = "Sent",
        poll_interval: float = 60.0,
        idle_timeout: float = 29 * 60,
        batch_size: int = 50,
        batch_bytes: int = 8 * 1024 * 1024,
        spool_dir: Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = 30.0,
        read_timeout: float = 120.0,
        use_idle: bool = True,
        connect_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        tokens: TokenProvider | None = None,
        on_signed_in: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        create_folders: bool = True,
    ) -> None:
        if tls not in ("implicit", "starttls", "none"):
            raise ValueError(f"tls must be implicit, starttls or none, not {tls!r}")
        if batch_size < 1 or connect_attempts < 1:
            raise ValueError("batch_size and connect_attempts must be at least 1")
        self.mailbox = mailbox
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self._password = password
        self.inbox = inbox
        self.processed_folder = processed_folder
        self.review_folder = review_folder
        self._sent_configured = sent_folder
        self.sent_folder: str | None = sent_folder  # resolved at sign-in when None
        self.poll_interval = poll_interval
        self.idle_timeout = idle_timeout
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.spool_dir = spool_dir
        self.use_idle = use_idle
        self.connect_attempts = connect_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._ssl_context = ssl_context
        self._timeout = SocketTimeout(connect=connect_timeout, read=read_timeout)
        self._sleep = sleep
        self._jitter = jitter
        self._client: IMAPClient | None = None
        self._selected: tuple[str, bool, int] | None = None  # (folder, readonly, uidvalidity)
        self._uidvalidity: int | None = None  # of the inbox, as last selected
        self._highest_seen_uid = 0  # highest inbox UID fetch_waiting has yielded under _uidvalidity
        self.connections_opened = 0  # for health checks and tests
        #: IDLE commands the server has accepted ("+ idling" received): an observable for tests and
        #: health checks, so they can tell "waiting in IDLE" and "IDLE re-issued" without timing.
        self.idle_commands = 0
        self._tokens = tokens
        self._on_signed_in = on_signed_in
        self._clock = clock
        self._session_token: AccessToken | None = None  # the token the open session signed in with
        self._create_folders = create_folders
        self._interrupted = False  # set by ``interrupt``: the daemon is stopping; never IDLE again

    def __repr__(self) -> str:
        return f"ImapSource({self.mailbox!r}, {self.host}:{self.port}, tls={self.tls})"

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- connection -------------------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.mailbox} ({self.host}:{self.port})"

    def _open(self) -> IMAPClient:
        context = self._ssl_context or ssl.create_default_context()
        client = IMAPClient(
            self.host,
            self.port,
            use_uid=True,
            ssl=self.tls == "implicit",
            ssl_context=context if self.tls == "implicit" else None,
            timeout=self._timeout,
        )
        try:
            if self.tls == "starttls":
                # Refuse to send the password in clear when the server does not offer STARTTLS:
                # imapclient raises CapabilityError, which we report as a connection failure.
                client.starttls(context)
            self._session_token = self._sign_in(client)
            self.sent_folder = self._sent_configured or self._find_sent_folder(client)
            if self._create_folders:
                self._create_missing_folders(client)
        except BaseException:
            client.shutdown()
            raise
        return client

    def _sign_in(self, client: IMAPClient) -> AccessToken | None:
        """LOGIN with the password, or AUTHENTICATE XOAUTH2 with a token; the token signed in with.

        A refused token is renewed and tried once more on the same connection (RFC 3501 allows
        another AUTHENTICATE after a NO): the server may have revoked it before it expired.
        """
        if self._tokens is None:
            client.login(self.username, self._password)
            return None
        token = self._tokens.token()
        refusal = _xoauth2(client, self.username, token)
        if refusal is not None:
            log.info("mailbox %s: token refused; renewing it once", self.mailbox)
            token = self._tokens.renew()
            refusal = _xoauth2(client, self.username, token)
        if refusal is not None:
            raise refusal
        return token

    @staticmethod
    def _find_sent_folder(client: IMAPClient) -> str:
        """The folder flagged ``\\Sent`` (RFC 6154: "Sent Items" on Exchange, "[Gmail]/Sent Mail"),
        else one with a common Sent name, else "Sent" (created when missing)."""
        found = client.find_special_folder(SENT)
        return str(found) if found else "Sent"

    def _create_missing_folders(self, client: IMAPClient) -> None:
        for folder in (self.processed_folder, self.review_folder, self.sent_folder):
            if folder and not client.folder_exists(folder):
                log.info("mailbox %s: creating folder %s", self.mailbox, folder)
                try:
                    client.create_folder(folder)
                except IMAPClientError:
                    # Another connection (the outbox's, another instance) created it meanwhile.
                    if not client.folder_exists(folder):
                        raise

    def _session_due(self) -> bool:
        """True when the open session's token is due for renewal (so the session must be re-opened)."""
        token = self._session_token
        return token is not None and token.due(self._clock())

    def _backoff(self, failures: int) -> float:
        """Delay before retry ``failures`` (1, 2, ...): exponential, capped, with 'equal jitter'."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (failures - 1))
        return ceiling / 2 + ceiling / 2 * self._jitter()

    def _connect(self) -> IMAPClient:
        """The open connection, opening (with backoff between failed attempts) when there is none.

        A session whose token is due is logged out and re-opened with a fresh token first.
        """
        if self._client is not None and self._session_due():
            log.info("mailbox %s: session token due for renewal; signing in again", self.mailbox)
            self.close()
        if self._client is not None:
            return self._client
        failures = 0
        while True:
            try:
                client = self._open()
            except SignInError as error:
                raise SourceConnectionError(f"{self._where()}: no access token: {error}") from error
            except LoginError as error:
                raise SourceConnectionError(
                    f"{self._where()}: sign-in refused: {type(error).__name__}: {explained(str(error))}"
                ) from error
            except ssl.SSLCertVerificationError as error:
                raise SourceConnectionError(f"{self._where()}: {type(error).__name__}: {error}") from error
            except IMAPClientError as error:
                if not isinstance(error, IMAPClientAbortError):
                    # e.g. CapabilityError for a missing STARTTLS, or NO to CREATE: not transient.
                    raise SourceConnectionError(f"{self._where()}: {error}") from error
                failures += 1
                if failures >= self.connect_attempts:
                    raise _mapped(error, self._where()) from error
            except _CONNECTION_LOST as error:
                failures += 1
                if failures >= self.connect_attempts:
                    raise _mapped(error, self._where()) from error
            else:
                self._client = client
                self._selected = None
                self.connections_opened += 1
                log.info("mailbox %s: connected to %s:%s", self.mailbox, self.host, self.port)
                if self._on_signed_in is not None:
                    self._on_signed_in()
                return client
            delay = self._backoff(failures)
            log.warning(
                "mailbox %s: connect attempt %d failed; retrying in %.1fs", self.mailbox, failures, delay
            )
            self._sleep(delay)

    def _drop(self) -> None:
        """Forget a connection that failed; the next operation reconnects."""
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # the socket is already broken; nothing to report
                log.debug("mailbox %s: error while shutting a broken connection", self.mailbox)

    def _run(self, operation: Callable[[IMAPClient], T], what: str, *, retry: bool = True) -> T:
        """Run ``operation`` on a live connection; after a lost connection reconnect and retry once.

        Only idempotent operations may retry (search, fetch, move, select): a connection can drop after
        the server acted but before we read its answer.
        """
        attempts = 2 if retry else 1
        for attempt in range(1, attempts + 1):
            client = self._connect()
            try:
                return operation(client)
            except _CONNECTION_LOST as error:
                self._drop()
                if attempt == attempts:
                    raise _mapped(error, f"{self._where()} {what}") from error
                log.warning("mailbox %s: connection lost during %s; reconnecting", self.mailbox, what)
            except IMAPClientError as error:
                raise SourceError(f"{self._where()} {what}: server refused: {error}") from error
        raise AssertionError("unreachable")

    def _select(self, client: IMAPClient, folder: str, *, readonly: bool = False) -> int:
        """Select ``folder`` unless it already is; returns its UIDVALIDITY (RFC 3501 §2.3.1.1)."""
        if self._selected is not None and self._selected[:2] == (folder, readonly):
            return self._selected[2]
        info: dict[bytes, Any] = client.select_folder(folder, readonly=readonly)
        uidvalidity = int(info[b"UIDVALIDITY"])
        self._selected = (folder, readonly, uidvalidity)
        if folder == self.inbox:
            if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
                # The mailbox was rebuilt (Exchange database move, restore): old UIDs mean nothing now.
                log.warning("mailbox %s: inbox UIDVALIDITY changed; UIDs restart", self.mailbox)
                self._highest_seen_uid = 0
            self._uidvalidity = uidvalidity
        return uidvalidity

    def with_connection(self, operation: Callable[[IMAPClient], T], what: str) -> T:
        """Run a read-only ``operation`` on the signed-in connection (``check-connection``)."""
        return self._run(operation, what)

    # -- MessageSource ------------------------------------------------------------------------------

    def fetch_waiting(self, limit: int) -> Iterator[SourceMessage]:
        """Yield up to ``limit`` messages in the inbox, oldest (lowest UID) first.

        UID SEARCH ALL, then RFC822.SIZE of each, then UID FETCH BODY.PEEK[] in batches of at most
        ``batch_size`` messages and ``batch_bytes`` bytes; a message bigger than ``batch_bytes`` is
        fetched on its own — with ``spool_dir``, in pieces into a file there — so memory holds one
        batch or one piece, never a backlog. PEEK
        leaves ``\\Seen`` alone, so a person looking at the mailbox still sees unread mail as unread.
        A message someone moved away between search and fetch is skipped; if UIDVALIDITY changes in
        between the generator stops (the next call starts afresh).
        """

        def search(client: IMAPClient) -> tuple[int, list[int], dict[int, int]]:
            uidvalidity = self._select(client, self.inbox)
            client.noop()  # bring a long-selected view up to date first (see _idle)
            uids = sorted(int(uid) for uid in client.search("ALL"))[: max(limit, 0)]
            sizes: dict[int, int] = {}
            for start in range(0, len(uids), 500):
                for uid, item in client.fetch(uids[start : start + 500], ["RFC822.SIZE"]).items():
                    sizes[int(uid)] = int(item.get(b"RFC822.SIZE", 0))
            return uidvalidity, uids, sizes

        uidvalidity, uids, sizes = self._run(search, "search")
        if uids:
            log.info("mailbox %s: %d message(s) waiting", self.mailbox, len(uids))
        for batch in size_batches(uids, sizes, self.batch_size, self.batch_bytes):
            if self.spool_dir is not None and len(batch) == 1 and sizes.get(batch[0], 0) > self.batch_bytes:
                spooled = self._spool(self.spool_dir, batch[0], uidvalidity)
                if spooled is STALE:
                    return
                if isinstance(spooled, SourceMessage):
                    self._highest_seen_uid = max(self._highest_seen_uid, batch[0])
                    yield spooled
                continue

            def fetch(client: IMAPClient, batch: list[int] = batch) -> tuple[int, dict[int, Any]]:
                now_valid = self._select(client, self.inbox)
                return now_valid, client.fetch(batch, ["BODY.PEEK[]"])

            now_valid, fetched = self._run(fetch, "fetch")
            if now_valid != uidvalidity:
                return
            for uid in batch:
                raw = fetched.pop(uid, {}).get(b"BODY[]")  # pop: hold each message only while it is used
                if raw is None:
                    log.info("mailbox %s: uid %d left the inbox before it was fetched", self.mailbox, uid)
                    continue
                self._highest_seen_uid = max(self._highest_seen_uid, uid)
                yield SourceMessage(self.mailbox, self.inbox, uidvalidity, uid, bytes(raw))
                del raw

    def _spool(self, spool_dir: Path, uid: int, uidvalidity: int) -> SourceMessage | object | None:
        """Fetch a big message in pieces into a file in ``spool_dir`` (``pieces.spool``): memory holds
        one piece, never the message. None when the message left the inbox meanwhile; ``STALE`` when
        UIDVALIDITY changed."""

        def fetch_piece(start: int) -> bytes | object | None:
            def piece(client: IMAPClient) -> tuple[int, dict[int, Any]]:
                now_valid = self._select(client, self.inbox)
                return now_valid, client.fetch([uid], [f"BODY.PEEK[]<{start}.{SPOOL_PIECE}>"])

            now_valid, fetched = self._run(piece, "fetch")
            if now_valid != uidvalidity:
                return STALE
            item = fetched.pop(uid, None)
            if item is None:
                return None
            data = next((value for key, value in item.items() if bytes(key).startswith(b"BODY[]")), b"")
            return bytes(data or b"")

        spooled = spool(spool_dir, fetch_piece)
        if not isinstance(spooled, tuple):
            if spooled is None:
                log.info("mailbox %s: uid %d left the inbox before it was fetched", self.mailbox, uid)
            return spooled
        path, size = spooled
        log.info("mailbox %s: uid %d (%d bytes) fetched in pieces", self.mailbox, uid, size)
        return SourceMessage(self.mailbox, self.inbox, uidvalidity, uid, b"", spooled=path)

    def mark_done(self, message: SourceMessage, disposition: Disposition) -> None:
        """Move one message to the processed or review folder (see ``move_done``)."""
        self.move_done([message], disposition)

    def move_done(self, messages: Sequence[SourceMessage], disposition: Disposition) -> None:
        """Move messages to the processed or review folder, a whole set per command; never deletes
        without a copy first.

        UID MOVE of the set (RFC 6851) when offered; else UID COPY + \\Deleted + UID EXPUNGE of the
        set (RFC 4315 UIDPLUS), so only these messages are expunged; else COPY + \\Deleted +
        EXPUNGE (plain RFC 3501 — Exchange 2010 offers neither MOVE nor UIDPLUS), which also expunges
        anything another client marked \\Deleted, as that client asked. Raises ``SourceError`` if a
        folder's UIDVALIDITY no longer matches its messages' (their UIDs may now name others); the
        messages of other folders are moved first.
        """
        target = self.processed_folder if disposition == "processed" else self.review_folder
        groups: dict[tuple[str, int], list[int]] = {}
        for message in messages:
            groups.setdefault((message.folder, message.uidvalidity), []).append(message.uid)
        stale: list[int] = []

        def move(client: IMAPClient) -> None:
            for (folder, uidvalidity), uids in groups.items():
                current = self._select(client, folder)
                if folder == self.inbox and current != uidvalidity:
                    stale.extend(uids)
                    continue
                if client.has_capability("MOVE"):
                    client.move(uids, target)
                    continue
                # A retry after a lost connection may copy twice: a duplicate in the target, never a loss.
                client.copy(uids, target)
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()

        self._run(move, "move")
        moved = len(messages) - len(stale)
        if moved:
            log.info("mailbox %s: %d message(s) moved to %s", self.mailbox, moved, target)
        if stale:
            raise SourceError(
                f"{self._where()}: {len(stale)} message(s) not moved: UIDVALIDITY changed since they were fetched"
            )

    def wait_for_mail(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for new mail; True when some may have arrived.

        With IDLE (RFC 2177) and ``use_idle``: True as soon as the server reports EXISTS/RECENT, or at
        once when the inbox already holds mail newer than the last fetch (mail that arrived while we
        were busy); IDLE is re-issued every ``idle_timeout`` (RFC 2177 lets servers drop a client
        idle for 30 minutes; Exchange does so at about 29); False when ``timeout`` passes quietly.
        A dropped connection is re-opened and answered with True (mail may have come meanwhile).
        Without IDLE: sleep ``min(poll_interval, timeout)`` and return True (poll).
        """
        if self._interrupted:
            return False
        client = self._connect()
        if not (self.use_idle and client.has_capability("IDLE")):
            self._sleep(max(0.0, min(self.poll_interval, timeout)))
            return True
        try:
            return self._idle(client, timeout)
        except _IDLE_ENDED:
            self._drop()
            if self._interrupted:
                return False
            log.info("mailbox %s: connection lost while idling; reconnecting", self.mailbox)
            self._connect()
            return True
        except IMAPClientError as error:
            raise SourceError(f"{self._where()} idle: server refused: {error}") from error

    def _idle(self, client: IMAPClient, timeout: float) -> bool:
        self._select(client, self.inbox)
        # Dovecot (like most servers) answers SEARCH from the session's view as it was before the
        # command and reports new mail only afterwards, so NOOP first to bring the view up to date.
        client.noop()
        newer = [int(u) for u in client.search(["UID", f"{self._highest_seen_uid + 1}:*"])]
        # "n:*" always matches the last message, even when its UID is below n (RFC 3501 §6.4.4).
        if any(uid > self._highest_seen_uid for uid in newer):
            return True
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            if self._session_due():
                return True  # the next operation signs in again with a fresh token; mail may be waiting
            period = min(remaining, self.idle_timeout, self._session_seconds_left())
            if self._interrupted:
                return False
            client.idle()
            self.idle_commands += 1
            woke = self._idle_period(client, time.monotonic() + period)
            # If the connection died, DONE raises and wait_for_mail reconnects.
            _text, tail = client.idle_done()
            if woke or _says_new_mail(tail):
                return True
        return False

    def _session_seconds_left(self) -> float:
        """Seconds the session may idle before its token is due (infinite with a password)."""
        token = self._session_token
        return float("inf") if token is None else max(0.0, token.seconds_left(self._clock()))

    @staticmethod
    def _idle_period(client: IMAPClient, period_end: float) -> bool:
        """Collect IDLE responses until ``period_end``; True on new mail, False on quiet or early EOF."""
        while (left := period_end - time.monotonic()) > 0:
            responses = client.idle_check(timeout=left)
            if _says_bye(responses):
                raise _IdleInterruptedError
            if _says_new_mail(responses):
                return True
            if not responses and period_end - time.monotonic() > 0.01:
                # imapclient returns [] on EOF as well as on timeout; the caller's DONE tells which.
                return False
        return False

    def append_sent(self, raw: bytes) -> None:
        """APPEND a copy of a sent message to ``sent_folder``, flagged \\Seen.

        APPEND is not idempotent: after a lost connection we look for the Message-ID before trying
        again, so a restart-safety copy is filed once.
        """

        def append(client: IMAPClient) -> None:
            client.append(self._sent(), raw, flags=(SEEN,))

        try:
            self._run(append, "append", retry=False)
        except (SourceConnectionError, SourceTimeoutError):
            message_id = _message_id(raw)
            if message_id is not None and self.has_sent(message_id):
                return
            self._run(append, "append", retry=False)

    def has_sent(self, message_id: str) -> bool:
        """True when ``sent_folder`` holds a message whose Message-ID header is exactly ``message_id``.

        SEARCH HEADER is a substring match (RFC 3501 §6.4.4), so candidates are confirmed by reading
        their Message-ID header.
        """
        wanted = message_id.strip()
        if not wanted.startswith("<"):
            wanted = f"<{wanted}>"

        def search(client: IMAPClient) -> bool:
            self._select(client, self._sent(), readonly=True)
            uids = client.search(["HEADER", "Message-ID", wanted])
            if not uids:
                return False
            fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for item in fetched.values():
                header = item.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]") or b""
                if _message_id(bytes(header)) == wanted:
                    return True
            return False

        return self._run(search, "sent search")

    def _sent(self) -> str:
        return self.sent_folder or "Sent"  # resolved at sign-in; the fallback only before any

    def interrupt(self) -> None:
        """Wake a ``wait_for_mail`` blocked in IDLE in another thread (the daemon is stopping).

        Shuts the socket down without a LOGOUT: a LOGOUT would interleave with the IDLE exchange the
        other thread is reading. The waiting thread sees the connection end and returns. From now on
        ``wait_for_mail`` returns at once: a stop that lands while the other thread is busy (say,
        re-opening a connection to file a Sent copy) must not let it start a fresh IDLE nobody wakes.
        """
        self._interrupted = True
        client = self._client
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # already closed; nothing left to wake
                log.debug("mailbox %s: connection already closed", self.mailbox)

    def close(self) -> None:
        """Log out politely; a broken connection is simply dropped."""
        client, self._client, self._selected = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, *_CONNECTION_LOST, ValueError):
            # ValueError: imaplib's file is already closed (``interrupt`` shut the socket down).
            try:
                client.shutdown()
            except (OSError, ValueError):
                log.debug("mailbox %s: connection was already closed", self.mailbox)


def _xoauth2(client: IMAPClient, user: str, token: AccessToken) -> LoginError | None:
    """AUTHENTICATE XOAUTH2; None when accepted, else the refusal (with the server's JSON error)."""
    responder = Xoauth2Responder(user, token.value)
    try:
        client.sasl_login("XOAUTH2", responder)
    except LoginError as error:
        detail = f" ({responder.server_error})" if responder.server_error else ""
        return LoginError(f"{error}{detail}")
    return None


def _says_new_mail(responses: list[Any]) -> bool:
    """EXISTS, or a non-zero RECENT, in untagged IDLE responses such as ``(3, b'EXISTS')``."""
    return any(
        len(r) >= 2 and isinstance(r[0], int) and (r[1] == b"EXISTS" or (r[1] == b"RECENT" and r[0] > 0))
        for r in responses
    )


def _says_bye(responses: list[Any]) -> bool:
    return any(len(r) >= 1 and r[0] == b"BYE" for r in responses)
