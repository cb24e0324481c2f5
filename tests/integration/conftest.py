"""Session fixtures that start real servers for integration tests: Dovecot, an aiosmtpd relay, PostgreSQL.

Servers start once per test session on free loopback ports and stop at its end. A missing Dovecot or an
unreachable PostgreSQL FAILS the tests that need them (never skips): CI must not pass by testing nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from support import databases, mailservers
from support.mailservers import Dovecot, SmtpRelay, TlsFiles
from support.oauth import OAuthWorld
from support.tokenservice import SIGNING_KID, TokenService
from support.waiting import HANG_TIMEOUT

from mailbot.sources.imap import ImapSource


@pytest.fixture(scope="session")
def tls_files() -> Iterator[TlsFiles]:
    """A self-signed certificate for localhost/127.0.0.1 (Dovecot's imaps and the SMTP relay use it)."""
    directory = Path(tempfile.mkdtemp(prefix="mailbot-tls-"))
    directory.chmod(0o755)
    try:
        yield mailservers.make_self_signed_cert(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _start_dovecot(tls: TlsFiles, capability: str | None) -> Dovecot:
    try:
        return mailservers.start_dovecot(tls, imap_capability=capability)
    except mailservers.ServerStartError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def dovecot(tls_files: TlsFiles) -> Iterator[Dovecot]:
    """A real Dovecot with IDLE, MOVE and UIDPLUS; users in ``mailservers.STANDARD_USERS``."""
    server = _start_dovecot(tls_files, None)
    yield server
    mailservers.remove_dovecot(server)


@pytest.fixture(scope="session")
def dovecot_basic(tls_files: TlsFiles) -> Iterator[Dovecot]:
    """A second Dovecot advertising only IMAP4rev1 basics (no IDLE, MOVE, UIDPLUS), like an old server."""
    server = _start_dovecot(tls_files, mailservers.BASIC_IMAP_CAPABILITY)
    yield server
    mailservers.remove_dovecot(server)


@pytest.fixture(scope="session")
def smtp_server(dovecot: Dovecot, tls_files: TlsFiles) -> Iterator[SmtpRelay]:
    """aiosmtpd listeners into Dovecot: plain+STARTTLS on ``port``, implicit TLS on ``tls_port``."""
    relay = mailservers.start_smtp_relay(dovecot, tls_files)
    yield relay
    relay.stop()


class MailWorld:
    """What a test needs from the mail servers: inject mail, look into mailboxes, wait."""

    def __init__(self, dovecot: Dovecot, smtp: SmtpRelay) -> None:
        self.dovecot = dovecot
        self.smtp = smtp

    def imap_messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Raw bytes of every message in ``user``'s ``folder``, oldest first ([] if no such folder)."""
        return self.dovecot.imap_messages(user, folder)

    def append(self, user: str, folder: str, raw: bytes) -> int:
        """Put ``raw`` straight into ``user``'s ``folder`` (IMAP APPEND); returns its UID."""
        return self.dovecot.append(user, folder, raw)

    def smtp_send(self, raw: bytes, from_: str, to: str | list[str]) -> None:
        """Send as a social worker would: SMTP to the relay → LMTP → the recipients' Dovecot INBOX."""
        self.smtp.send(raw, from_, to)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = HANG_TIMEOUT) -> Any:
        """Poll until ``predicate()`` is truthy and return it; AssertionError after ``timeout`` s (a hang)."""
        return mailservers.wait_for(predicate, timeout)

    def add_user(self, address: str, password: str = mailservers.DEFAULT_PASSWORD) -> str:
        return self.dovecot.add_user(address, password)

    def password(self, user: str) -> str:
        return self.dovecot.passwords[user.lower()]


@pytest.fixture
def mail(dovecot: Dovecot, smtp_server: SmtpRelay) -> MailWorld:
    """The mail servers with every user's mailbox emptied and the relay's failure counter cleared."""
    for user in list(dovecot.passwords):
        dovecot.reset_user(user)
    smtp_server.fail_next(0)
    smtp_server.hang_up_next(0)
    smtp_server.release()
    smtp_server.deliveries.clear()
    return MailWorld(dovecot, smtp_server)


@pytest.fixture
def make_imap_source(dovecot: Dovecot) -> Iterator[Callable[..., ImapSource]]:
    """Factory: ``make_imap_source(user, server=dovecot, **overrides)`` → an ImapSource on plain IMAP.

    Sources are closed after the test. ``overrides`` go to ``ImapSource`` (folders, batch_size, ...).
    The socket timeouts are generous: on a loaded machine a live server may answer slowly; only a
    hang should time out.
    """
    made: list[ImapSource] = []

    def make(user: str, server: Dovecot | None = None, **overrides: Any) -> ImapSource:
        server = server or dovecot
        options: dict[str, Any] = {"connect_timeout": HANG_TIMEOUT, "read_timeout": HANG_TIMEOUT}
        options.update(overrides)
        source = ImapSource(
            user.split("@")[0],
            server.host,
            options.pop("port", server.imap_port),
            options.pop("tls", "none"),
            user,
            server.passwords[user.lower()],
            **options,
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """libpq URL of a PostgreSQL role that may create databases; fails the test if there is none."""
    try:
        return databases.admin_url()
    except databases.PostgresUnavailableError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def postgresql_url(postgres_admin_url: str) -> Iterator[str]:
    """SQLAlchemy URL (``postgresql+psycopg://``) of a fresh database for the whole session."""
    url = databases.create_database(postgres_admin_url)
    yield url
    databases.drop_database(postgres_admin_url, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test, once on SQLite (a temp file) and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url = databases.create_database(admin)
    yield url
    databases.drop_database(admin, url)


# ------------------------------------------------------------------------------------ OAuth2 world


@pytest.fixture(scope="session")
def token_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenService]:
    """The OAuth2 token service over TLS (trustme CA), playing Entra ID and Google."""
    directory = tmp_path_factory.mktemp("token-service")
    service = TokenService(trustme.CA(), directory)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def oauth_dovecot(tls_files: TlsFiles, token_service: TokenService) -> Iterator[Dovecot]:
    """A Dovecot that accepts only bearer tokens signed by the token service (no passwords)."""
    try:
        server = mailservers.start_dovecot(
            tls_files, oauth2_key=(SIGNING_KID, token_service.public_key_pem())
        )
    except mailservers.ServerStartError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    mailservers.remove_dovecot(server)


@pytest.fixture(scope="session")
def oauth_smtp(oauth_dovecot: Dovecot, token_service: TokenService) -> Iterator[SmtpRelay]:
    """The OAuth2-only submission server (XOAUTH2, Send As checked at MAIL FROM) into ``oauth_dovecot``."""
    relay = mailservers.start_oauth2_smtp(oauth_dovecot, token_service.verify)
    yield relay
    relay.stop()


@pytest.fixture
def oauth(
    oauth_dovecot: Dovecot, oauth_smtp: SmtpRelay, token_service: TokenService, tmp_path: Path
) -> OAuthWorld:
    """The OAuth2 servers with empty mailboxes, hour-long tokens and a fresh app registration."""
    for user in list(oauth_dovecot.passwords):
        oauth_dovecot.reset_user(user)
    oauth_smtp.deliveries.clear()
    oauth_smtp.handler.sign_ins.clear()
    oauth_smtp.handler.refused_sign_ins = 0
    token_service.lifetime = 3600
    return OAuthWorld(token_service, oauth_dovecot, oauth_smtp, tmp_path)
