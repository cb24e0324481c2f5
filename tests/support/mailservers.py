"""Real mail servers for the test suite: a throwaway Dovecot (IMAP + LMTP) and an aiosmtpd relay into it.

Nothing here is a fake: Dovecot is the Debian ``dovecot-imapd``/``dovecot-lmtpd`` binary run with its own
config in a temporary directory on free loopback ports, and the SMTP listener is aiosmtpd delivering
every accepted message into Dovecot over LMTP, so a reply mailbot sends lands in the recipient's INBOX.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import pwd
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from support.waiting import HANG_TIMEOUT, wait_until

DOVECOT_BINARY = "/usr/sbin/dovecot"
DOVEADM_BINARY = "/usr/bin/doveadm"
LOOPBACK = "127.0.0.1"
DEFAULT_PASSWORD = "secret-test-password"
#: The OAuth2-only Dovecot's master user, for the test harness's own look into mailboxes.
HARNESS_MASTER = "harness"
HARNESS_MASTER_PASSWORD = "harness-master-password"

#: Users every test session starts with: the two shared mailboxes and some social workers.
STANDARD_USERS = (
    "caf@lancashire.gov.uk",
    "preventionearlyhelp@lancashire.gov.uk",
    "sw.one@lancashire.gov.uk",
    "sw.two@lancashire.gov.uk",
    "sw.three@lancashire.gov.uk",
    "yot.worker@lancashire.gov.uk",
    "someone@blackpool.gov.uk",
    "someone@blackburn.gov.uk",
    "stranger@example.com",
)

#: What an old IMAP4rev1 server without IDLE, MOVE or UIDPLUS advertises (Exchange 2010 and friends
#: lacked MOVE; several hosted servers disable IDLE). Used to exercise ImapSource's fallback paths.
BASIC_IMAP_CAPABILITY = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE"


class ServerStartError(RuntimeError):
    """A test server could not be started; the message says why (missing binary, log tail)."""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = HANG_TIMEOUT, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy and return that; AssertionError on timeout.

    ``support.waiting.wait_until`` with a slower poll (each call here is usually an IMAP login).
    """
    return wait_until(predicate, timeout, interval)


def _wait_for_greeting(port: int, timeout: float, *, expect: bytes, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"server exited with status {process.returncode} before listening")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=10.0) as sock:
                greeting = sock.recv(1024)
                if expect in greeting:
                    return
                last_error = RuntimeError(f"unexpected greeting {greeting!r}")
        except OSError as error:
            last_error = error
        time.sleep(0.05)
    raise ServerStartError(f"no greeting on port {port} within {timeout:.0f}s: {last_error}")


# --------------------------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for ``localhost``/``127.0.0.1`` and its key, made with openssl."""

    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only this certificate (hostname checking stays on)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert), str(self.key))
        return context


def make_self_signed_cert(directory: Path) -> TlsFiles:
    """Create a fresh self-signed certificate in ``directory`` (readable by Dovecot's processes)."""
    if shutil.which("openssl") is None:
        raise ServerStartError("openssl is not installed; it is needed to make the test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o644)
    return TlsFiles(cert=cert, key=key)


# ----------------------------------------------------------------------------------------- Dovecot


_PASSWORD_PASSDB = """\
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {root}/users
}}
"""

#: OAuth2 only (as Exchange Online and Gmail): XOAUTH2/OAUTHBEARER tokens checked locally against the
#: token service's signing key (Dovecot 2.3 ``introspection_mode = local``); no password passdb at all.
#: The test harness itself signs in as ``user*harness`` through a master-user passdb.
_OAUTH2_PASSDBS = """\
auth_master_user_separator = *
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%Lu {root}/masters
}}
# No user has a password: LOGIN/PLAIN as a mailbox is refused as a wrong password is.
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%Lu {root}/no-passwords
}}
"""

#: The token's ``realm`` claim must name the mailbox's domain (an app-only token names no mailbox), and
#: its ``mailboxes`` claim must list the mailbox (Exchange's FullAccess): otherwise ``allow_nets`` admits
#: only a documentation address, so the sign-in fails as Exchange's does ("AUTHENTICATE failed").
_OAUTH2_SETTINGS = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={root}/oauth2-keys/
username_attribute = realm
username_format = %Ld
pass_attrs = allow_nets=%{{if;%{{oauth2:mailboxes}};*;*%{{user}}*;0.0.0.0/0;192.0.2.1/32}}
"""

#: Exchange's Sent folder, marked \\Sent (RFC 6154) so mailbot finds it without configuration.
_SENT_ITEMS = """\
  mailbox "Sent Items" {
    special_use = \\Sent
    auto = subscribe
  }
"""

_CONFIG = """\
# Throwaway Dovecot for mailbot's test suite; everything lives under {root}.
protocols = imap lmtp
listen = {host}
# Process titles name each IMAP session's user and running command ("imap [user ip IDLE]"): tests
# read them to know, from the server's side, that a client waits in IDLE or that a session has ended.
verbose_proctitle = yes
instance_name = {instance}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
debug_log_path = {root}/dovecot.log
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_uid = {mail_user}
mail_gid = {mail_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%Lu/Maildir
mail_max_userip_connections = 200
auth_username_format = %Lu
disable_plaintext_auth = no
auth_mechanisms = {auth_mechanisms}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
lmtp_save_to_detail_mailbox = no
{passdbs}userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%Lu{userdb_extra}
}}
namespace inbox {{
  inbox = yes
  separator = /
{special_use}}}
service imap-login {{
{login_chroot}  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
# No login-failure delay or per-IP auth penalty: tests log in with a wrong password on purpose and the
# next test must not pay for it (production Dovecots keep both).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
{capability_line}}}
"""


@dataclass
class Dovecot:
    """One running Dovecot with plain IMAP, implicit-TLS IMAP (imaps) and LMTP on free loopback ports.

    Users log in with their full address; every user's password is ``DEFAULT_PASSWORD`` unless
    ``add_user`` said otherwise. ``imap_capability`` replaces the advertised capability list (to play
    an old server); None keeps Dovecot's own (IDLE, MOVE, UIDPLUS, ...).
    """

    root: Path
    tls: TlsFiles
    imap_capability: str | None = None
    oauth2_key: tuple[str, str] | None = None  # (kid, public key PEM): OAuth2 only, no passwords
    host: str = LOOPBACK
    imap_port: int = 0
    imaps_port: int = 0
    lmtp_port: int = 0
    passwords: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, users: Iterable[str] = STANDARD_USERS) -> None:
        """Write the config, create the users and run ``dovecot -F``; returns once IMAP greets."""
        if not Path(DOVECOT_BINARY).exists():
            raise ServerStartError(
                f"{DOVECOT_BINARY} not found: install the Debian packages dovecot-imapd and dovecot-lmtpd "
                "(scripts/install-test-deps.sh does)"
            )
        if os.geteuid() == 0:
            # As root Dovecot drops privileges: login processes as dovenull, internal ones and the
            # mail processes as dovecot (it refuses to run mail as root).
            login_user, internal_user, mail_user, login_chroot = "dovenull", "dovecot", "dovecot", ""
        else:
            # Rootless: every process runs as us and nothing can chroot.
            me = pwd.getpwuid(os.geteuid()).pw_name
            login_user = internal_user = mail_user = me
            login_chroot = "  chroot =\n"
        entry = pwd.getpwnam(mail_user)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.root / "mail", entry.pw_uid, entry.pw_gid)
        if not self.imap_port:
            self.imap_port, self.imaps_port, self.lmtp_port = free_port(), free_port(), free_port()
        capability_line = f"  imap_capability = {self.imap_capability}\n" if self.imap_capability else ""
        self.config_path.write_text(
            _CONFIG.format(
                root=self.root,
                host=self.host,
                instance=self.instance_name,
                mail_user=mail_user,
                mail_group=entry.pw_gid,
                cert=self.tls.cert,
                key=self.tls.key,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
                capability_line=capability_line,
                special_use=_SENT_ITEMS if self.oauth2_key else "",
                # No passdb can look users up (tokens only): LMTP delivery must not ask one.
                userdb_extra=" allow_all_users=yes" if self.oauth2_key else "",
                auth_mechanisms="xoauth2 oauthbearer plain login" if self.oauth2_key else "plain login",
                passdbs=(_OAUTH2_PASSDBS if self.oauth2_key else _PASSWORD_PASSDB).format(root=self.root),
                login_user=login_user,
                internal_user=internal_user,
                login_chroot=login_chroot,
            )
        )
        for user in users:
            self.passwords.setdefault(user.lower(), DEFAULT_PASSWORD)
        self._write_users()
        if self.oauth2_key is not None:
            self._write_oauth2_files(*self.oauth2_key)
        self.resume()

    def _write_oauth2_files(self, kid: str, public_key_pem: str) -> None:
        """The oauth2 passdb's settings, the signing key where its dict finds it, the harness's master."""
        (self.root / "dovecot-oauth2.conf.ext").write_text(_OAUTH2_SETTINGS.format(root=self.root))
        # Dovecot looks the key up as shared/<azp>/<alg>/<kid>; tokens without ``azp`` use "default".
        key_dir = self.root / "oauth2-keys" / "default" / "RS256"
        key_dir.mkdir(parents=True, exist_ok=True)
        (key_dir / kid).write_text(public_key_pem)
        for path in (self.root / "oauth2-keys", self.root / "oauth2-keys" / "default", key_dir):
            path.chmod(0o755)
        masters = self.root / "masters"
        masters.write_text(f"{HARNESS_MASTER}:{{PLAIN}}{HARNESS_MASTER_PASSWORD}::::::\n")
        masters.chmod(0o644)
        (self.root / "no-passwords").write_text("")
        (self.root / "no-passwords").chmod(0o644)

    def resume(self) -> None:
        """Run Dovecot (again, after ``stop``) with the written config; returns once IMAP and LMTP greet."""
        self.process = subprocess.Popen(
            [DOVECOT_BINARY, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "dovecot.stderr").open("ab"),
        )
        try:
            _wait_for_greeting(self.imap_port, HANG_TIMEOUT, expect=b"* OK", process=self.process)
            _wait_for_greeting(self.lmtp_port, HANG_TIMEOUT, expect=b"220", process=self.process)
        except ServerStartError as error:
            self.stop()
            raise ServerStartError(f"Dovecot did not start: {error}\n{self.log_tail()}") from error

    @property
    def instance_name(self) -> str:
        return f"mailbot-test-{self.imap_port}"

    def _own_processes(self) -> list[int]:
        """PIDs of this instance's processes (titled ``dovecot-<instance_name>/<service>``)."""
        prefix = f"dovecot-{self.instance_name}/".encode()
        pids = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                with contextlib.suppress(OSError):
                    if (proc / "cmdline").read_bytes().startswith(prefix):
                        pids.append(int(proc.name))
        return pids

    def stop(self) -> None:
        """Stop Dovecot: SIGTERM to the master, then make sure its children are gone too.

        The master exits before its children do; an imap process may keep serving an open session
        for a moment, so children still alive after a grace period get SIGKILL (a test of "server
        down" must find it down).
        """
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=HANG_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=HANG_TIMEOUT)
        self.process = None
        deadline = time.monotonic() + 0.5
        while (pids := self._own_processes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self._own_processes())

    def log_tail(self, lines: int = 30) -> str:
        texts = []
        for path in (self.log_path, self.root / "dovecot.stderr"):
            if path.exists():
                texts.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(texts)

    # -- users -------------------------------------------------------------------------------------

    def _write_users(self) -> None:
        path = self.root / "users"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(f"{user}:{{PLAIN}}{pw}::::::\n" for user, pw in self.passwords.items()))
        tmp.chmod(0o644)
        tmp.replace(path)  # passwd-file is re-read when its mtime changes

    def add_user(self, address: str, password: str = DEFAULT_PASSWORD) -> str:
        """Create (or re-password) a user; returns the address as Dovecot knows it (lower-case)."""
        address = address.lower()
        self.passwords[address] = password
        self._write_users()
        # passwd-file notices a change by mtime (1 s resolution on some filesystems); make sure it sees it.
        wait_for(lambda: self._can_login(address))
        return address

    def has_user(self, address: str) -> bool:
        return address.lower() in self.passwords

    def _can_login(self, address: str) -> bool:
        try:
            with self.client(address):
                return True
        except Exception:
            os.utime(self.root / "users")
            return False

    # -- IMAP helpers for tests --------------------------------------------------------------------

    @contextlib.contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient (plain IMAP on loopback) for ``user``; logs out afterwards."""
        imap = IMAPClient(self.host, self.imap_port, ssl=False, timeout=HANG_TIMEOUT)
        try:
            if self.oauth2_key is not None:  # no passwords here: the harness signs in as master user
                imap.login(f"{user.lower()}*{HARNESS_MASTER}", HARNESS_MASTER_PASSWORD)
            else:
                imap.login(user.lower(), self.passwords[user.lower()])
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def imap_messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """Raw bytes of every message in ``folder`` (oldest first); [] when the folder does not exist."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                return []
            imap.select_folder(folder, readonly=True)
            uids = sorted(imap.search("ALL"))
            if not uids:
                return []
            fetched = imap.fetch(uids, ["BODY.PEEK[]"])
            return [fetched[uid][b"BODY[]"] for uid in uids if uid in fetched]

    def append(self, user: str, folder: str, raw: bytes, flags: Iterable[bytes] = ()) -> int:
        """APPEND ``raw`` to ``folder`` (created if missing); returns the new UID."""
        return self.append_many(user, folder, [raw], flags)[0]

    def append_many(
        self, user: str, folder: str, raws: Iterable[bytes], flags: Iterable[bytes] = ()
    ) -> list[int]:
        """APPEND each message over one connection; returns their UIDs (from UIDPLUS APPENDUID)."""
        uids = []
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            for raw in raws:
                response = imap.append(folder, raw, flags=tuple(flags))
                # b'[APPENDUID <uidvalidity> <uid>] Append completed.'
                text = response.decode() if isinstance(response, bytes) else str(response)
                uids.append(int(text.split("]")[0].split()[-1]))
        return uids

    def folders(self, user: str) -> list[str]:
        with self.client(user) as imap:
            return sorted(str(name) for _flags, _sep, name in imap.list_folders())

    def reset_user(self, user: str) -> None:
        """Empty the user's INBOX and delete every other folder (between tests)."""
        if self._untouched(user):
            return
        with self.client(user) as imap:
            names = [str(name) for _flags, _sep, name in imap.list_folders()]
            for name in sorted(names, key=lambda n: n.count("/"), reverse=True):
                if name.upper() != "INBOX":
                    # A parent created implicitly ("Mailbot" of "Mailbot/Done") may be gone already.
                    with contextlib.suppress(IMAPClientError):
                        imap.delete_folder(name)
            imap.select_folder("INBOX")
            uids = imap.search("ALL")
            if uids:
                imap.delete_messages(uids)
                imap.expunge()

    def _untouched(self, user: str) -> bool:
        """True when the user's maildir holds no message and no folder (so there is nothing to reset)."""
        maildir = self.root / "mail" / user.lower() / "Maildir"
        if not maildir.exists():
            return True
        if any(child.is_dir() and child.name.startswith(".") for child in maildir.iterdir()):
            return False
        return not any(any((maildir / sub).iterdir()) for sub in ("new", "cur") if (maildir / sub).exists())

    def kick(self, user: str) -> None:
        """Disconnect every IMAP session of ``user`` (``doveadm kick``), as a server restart would.

        Returns once the imap processes that served those sessions have exited, so their sockets are
        closed: the client's next command is sure to find the connection gone.
        """
        sessions = {pid for pid, _command in self.imap_sessions(user)}
        result = subprocess.run(
            [DOVEADM_BINARY, "-c", str(self.config_path), "kick", user.lower()],
            check=False,
            capture_output=True,
        )
        if result.returncode not in (0, 68):  # 68 (EX_NOUSER): the user had no session to kick
            raise RuntimeError(f"doveadm kick failed: {result.stderr.decode(errors='replace')}")
        wait_for(lambda: not sessions & {pid for pid, _command in self.imap_sessions(user)})

    def imap_sessions(self, user: str) -> list[tuple[int, str]]:
        """``(pid, command)`` of each IMAP session ``user`` has open now; command is "" between commands.

        Read from the imap processes' titles (``verbose_proctitle``: ``imap [user ip IDLE]``); one
        process serves one session.
        """
        prefix = f"dovecot-{self.instance_name}/imap [".encode()
        sessions = []
        for pid in self._own_processes():
            with contextlib.suppress(OSError):
                title = (Path("/proc") / str(pid) / "cmdline").read_bytes().rstrip(b"\0")
                if title.startswith(prefix) and title.endswith(b"]"):
                    fields = title[len(prefix) : -1].decode(errors="replace").split()
                    if fields and fields[0] == user.lower():
                        sessions.append((pid, " ".join(fields[2:])))
        return sessions

    def idling(self, user: str) -> int:
        """How many of ``user``'s IMAP sessions are waiting in IDLE now, as the server sees them."""
        return sum(command == "IDLE" for _pid, command in self.imap_sessions(user))


def start_dovecot(
    tls: TlsFiles, *, imap_capability: str | None = None, oauth2_key: tuple[str, str] | None = None
) -> Dovecot:
    """Start a Dovecot in a fresh world-traversable temp dir (the mail user must reach its maildirs).

    With ``oauth2_key`` (kid, public key PEM) it accepts only OAuth2 bearer tokens signed by that key.
    """
    root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root=root, tls=tls, imap_capability=imap_capability, oauth2_key=oauth2_key)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


def remove_dovecot(server: Dovecot) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


# ------------------------------------------------------------------------------- SMTP → LMTP relay


@dataclass(frozen=True)
class Delivery:
    """One message the SMTP listener accepted: the client connection it came on and its envelope."""

    peer: tuple[str, int]
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


class LmtpDeliveryHandler:
    """aiosmtpd handler: accept mail for known users and deliver it into Dovecot over LMTP.

    ``fail_next(n)`` makes the next ``n`` DATA commands answer ``451`` (for retry tests); unknown
    recipients get ``550 5.1.1`` at RCPT time (for bounce tests).

    Holding makes a batch observable: ``hold_after(n)`` lets DATA through until ``n`` messages have
    been accepted, then holds the next DATA — fully received, not yet answered — until ``release()``
    (``holding`` is set meanwhile). A client killed while its DATA is held never gets a reply, and
    the held message is then dropped, not delivered: from the client's side it was never accepted.
    """

    def __init__(self, lmtp_host: str, lmtp_port: int, is_known: Callable[[str], bool]) -> None:
        self.lmtp_host = lmtp_host
        self.lmtp_port = lmtp_port
        self.is_known = is_known
        self.deliveries: list[Delivery] = []
        self._failures_left = 0
        self._hangups_left = 0
        self._failure_reply = "451 4.3.0 Temporary failure, try again later"
        self._lock = threading.Lock()
        self._hold_after: int | None = None
        self.holding = threading.Event()
        self.dropped = 0  # held messages whose client went away: never delivered

    def hold_after(self, accepted: int) -> None:
        """Hold every DATA once ``accepted`` messages have been delivered (until ``release``)."""
        with self._lock:
            self._hold_after = accepted

    def pause(self) -> None:
        """Hold every DATA from now on (until ``release``)."""
        with self._lock:
            self._hold_after = len(self.deliveries)

    def release(self) -> None:
        """Let held and future DATA through."""
        with self._lock:
            self._hold_after = None
        self.holding.clear()

    async def _wait_while_held(self) -> None:
        try:
            while True:
                with self._lock:
                    held = self._hold_after is not None and len(self.deliveries) >= self._hold_after
                if not held:
                    return
                self.holding.set()
                # Awaiting (not blocking) lets aiosmtpd notice a client that went away: it cancels
                # this handler, and the message is dropped.
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            with self._lock:
                self.dropped += 1
            self.holding.clear()
            raise

    def fail_next(self, count: int, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        with self._lock:
            self._failures_left = count
            self._failure_reply = reply

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not self.is_known(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def hang_up_next(self, count: int) -> None:
        """Make the next ``count`` DATA commands drop the connection without a reply (a crash)."""
        with self._lock:
            self._hangups_left = count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await self._wait_while_held()
        with self._lock:
            if self._hangups_left > 0:
                self._hangups_left -= 1
                server.transport.close()
                return "421 4.3.2 Connection dropped"  # never reaches the client
            if self._failures_left > 0:
                self._failures_left -= 1
                return self._failure_reply
        raw = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        for recipient in envelope.rcpt_tos:
            reply = await loop.run_in_executor(None, self._deliver, envelope.mail_from, recipient, raw)
            if reply is not None:
                return reply
        self.deliveries.append(
            Delivery(tuple(session.peer[:2]), envelope.mail_from, tuple(envelope.rcpt_tos), raw)
        )
        return "250 2.0.0 OK delivered"

    def _deliver(self, mail_from: str, recipient: str, raw: bytes) -> str | None:
        """One LMTP transaction per recipient (smtplib reads only one reply after LMTP DATA)."""
        try:
            with smtplib.LMTP(self.lmtp_host, self.lmtp_port, timeout=HANG_TIMEOUT) as lmtp:
                lmtp.sendmail(mail_from, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return f"{code} {text.decode(errors='replace')}"
        except smtplib.SMTPResponseException as error:
            return f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        except OSError as error:
            return f"451 4.4.1 LMTP delivery failed: {error}"
        return None


@dataclass
class SmtpRelay:
    """The aiosmtpd listeners: ``port`` (plain, STARTTLS offered, AUTH allowed after STARTTLS) and
    ``tls_port`` (implicit TLS). Both share one handler, so ``deliveries`` and ``fail_next`` cover both.
    """

    handler: LmtpDeliveryHandler
    controllers: list[Controller]
    host: str = LOOPBACK

    @property
    def port(self) -> int:
        return int(self.controllers[0].port)

    @property
    def tls_port(self) -> int:
        return int(self.controllers[1].port)

    @property
    def deliveries(self) -> list[Delivery]:
        return self.handler.deliveries

    def fail_next(self, count: int, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        self.handler.fail_next(count, reply)

    def hang_up_next(self, count: int) -> None:
        self.handler.hang_up_next(count)

    def hold_after(self, accepted: int) -> None:
        self.handler.hold_after(accepted)

    def pause(self) -> None:
        self.handler.pause()

    def release(self) -> None:
        self.handler.release()

    def send(self, raw: bytes, mail_from: str, to: str | Iterable[str]) -> None:
        """Inject a message as a social worker's mail server would (plain SMTP → LMTP → Dovecot)."""
        recipients = [to] if isinstance(to, str) else list(to)
        with smtplib.SMTP(self.host, self.port, timeout=HANG_TIMEOUT) as smtp:
            smtp.sendmail(mail_from, recipients, raw)

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()


def start_smtp_relay(dovecot: Dovecot, tls: TlsFiles) -> SmtpRelay:
    """Start the SMTP listeners delivering into ``dovecot``; AUTH PLAIN/LOGIN checks Dovecot's passwords."""

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode().lower()
            if dovecot.passwords.get(user) == auth_data.password.decode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    handler = LmtpDeliveryHandler(dovecot.host, dovecot.lmtp_port, dovecot.has_user)
    # No SMTPUTF8 (aiosmtpd's Controller offers it by default): like many relays, so a non-ASCII
    # address meets the refusal mailbot must survive.
    common: dict[str, Any] = {
        "authenticator": authenticate,
        "auth_require_tls": True,
        "ready_timeout": HANG_TIMEOUT,
        "enable_SMTPUTF8": False,
    }
    plain = Controller(
        handler, hostname=LOOPBACK, port=free_port(), tls_context=tls.server_context(), **common
    )
    implicit = Controller(
        handler,
        hostname=LOOPBACK,
        port=free_port(),
        ssl_context=tls.server_context(),
        server_hostname="localhost",
        **common,
    )
    started: list[Controller] = []
    try:
        for controller in (plain, implicit):
            controller.start()
            started.append(controller)
    except BaseException:
        for controller in started:
            controller.stop()
        raise
    return SmtpRelay(handler=handler, controllers=[plain, implicit])


# ------------------------------------------------------------------------ SMTP with OAuth2 (XOAUTH2)


class OAuth2SubmissionHandler(LmtpDeliveryHandler):
    """aiosmtpd handler playing Exchange Online's SMTP submission with OAuth2 only.

    ``AUTH XOAUTH2`` is accepted only with a valid, unexpired token from ``verify`` (the test token
    service) whose ``mailboxes`` claim lists the sign-in user; anything else gets the base64 JSON
    error challenge and ``535 5.7.3``. ``MAIL FROM`` is refused with ``530 5.7.57`` without a sign-in
    or once the token has expired, and with Exchange's ``550 5.7.60`` for a From address the identity
    may not send as (neither itself nor in the token's ``send_as`` claim). No password mechanism.
    """

    def __init__(
        self,
        lmtp_host: str,
        lmtp_port: int,
        is_known: Callable[[str], bool],
        verify: Callable[[str], dict[str, Any] | None],
    ) -> None:
        super().__init__(lmtp_host, lmtp_port, is_known)
        self.verify = verify
        self.sign_ins: list[str] = []  # users signed in, in order
        self.refused_sign_ins = 0

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        import base64
        import json

        blob = args[1] if len(args) > 1 else ""
        try:
            text = base64.b64decode(blob, validate=True).decode()
            fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
            user, token = fields["user"].lower(), fields["auth"].removeprefix("Bearer ")
        except (ValueError, KeyError):
            return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot decode response")
        claims = self.verify(token)
        if claims is None or user not in str(claims.get("mailboxes", "")).lower().split():
            self.refused_sign_ins += 1
            error = {"status": "401", "schemes": "bearer", "scope": "https://outlook.office365.com/.default"}
            await server.challenge_auth(json.dumps(error).encode())
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        self.sign_ins.append(user)
        return AuthResult(success=True, auth_data={"user": user, "token": token})

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        data = session.auth_data if session.authenticated else None
        claims = self.verify(data["token"]) if data else None
        if data is None or claims is None:
            return "530 5.7.57 Client not authenticated to send mail"
        allowed = {data["user"], *str(claims.get("send_as", "")).lower().split()}
        if address.lower() not in allowed:
            return "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"


class _LongAuthLineSMTP(SMTP):
    """RFC 4954 §4 lets an AUTH command line be 12,288 octets (a JWT in XOAUTH2 is over 1,000);
    aiosmtpd holds every command to RFC 5321's 512 unless told otherwise."""

    line_length_limit = 12288 + 2  # the stream reader's limit, read when the server is built

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        # An instance dict: the class-level one is shared by every aiosmtpd server in the process.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, {"AUTH": 12288})


class _OAuth2Controller(Controller):
    def factory(self) -> SMTP:
        return _LongAuthLineSMTP(self.handler, **self.SMTP_kwargs)


def start_oauth2_smtp(dovecot: Dovecot, verify: Callable[[str], dict[str, Any] | None]) -> SmtpRelay:
    """An OAuth2-only submission server on loopback (plain, no STARTTLS: tokens stay on this host)."""
    handler = OAuth2SubmissionHandler(dovecot.host, dovecot.lmtp_port, dovecot.has_user, verify)
    # auth_require_tls=False: loopback only, so mailbot can use tls = "none" from a subprocess too.
    controller = _OAuth2Controller(
        handler, hostname=LOOPBACK, port=free_port(), auth_require_tls=False, ready_timeout=10
    )
    controller.start()
    return SmtpRelay(handler=handler, controllers=[controller])


def deliver_lmtp(dovecot: Dovecot, raw: bytes, mail_from: str, to: str) -> None:
    """Deliver a message straight into ``to``'s INBOX over LMTP (mail from outside the council)."""
    with smtplib.LMTP(dovecot.host, dovecot.lmtp_port, timeout=10) as lmtp:
        lmtp.sendmail(mail_from, [to], raw)
