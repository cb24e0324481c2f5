"""``mailbot check-connection``: sign in to every mailbox and the SMTP server and say what works.

Per mailbox: the sign-in, the capabilities mailbot relies on (IDLE, MOVE, UIDPLUS, SPECIAL-USE), and
the folders it will use, whether they exist and whether it may write them (SELECT answers READ-WRITE).
For sending: each identity's sign-in and, for each From address, ``MAIL FROM`` then ``RSET`` (nothing
is sent). Every known failure carries its plain explanation (``mailbot.signin.explain``). Nothing is
changed: missing folders are reported, not created. ``render`` is pure text for the operator.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient

from mailbot.config import MailboxSettings, Settings
from mailbot.errors import ConfigError, MailbotError
from mailbot.service.bootstrap import build_source, build_transport
from mailbot.signin.explain import explained
from mailbot.signin.registry import TokenProviders
from mailbot.sources.imap import ImapSource
from mailbot.transports.smtp import IdentityProbe, SmtpTransport

CAPABILITIES = ("IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE")


@dataclass
class FolderCheck:
    role: str
    name: str
    exists: bool
    writable: bool | None = None  # None when it does not exist (mailbot creates it)


@dataclass
class MailboxCheck:
    name: str
    address: str
    where: str
    method: str
    error: str | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    folders: list[FolderCheck] = field(default_factory=list)

    @property
    def problems(self) -> int:
        unwritable = sum(1 for f in self.folders if f.exists and not f.writable)
        return (1 if self.error else 0) + unwritable


@dataclass
class SendingCheck:
    where: str
    identities: list[IdentityProbe] = field(default_factory=list)
    error: str | None = None

    @property
    def problems(self) -> int:
        refused = sum(1 for i in self.identities for s in i.senders if not s.accepted)
        return (1 if self.error else 0) + sum(1 for i in self.identities if i.error) + refused


@dataclass
class ConnectionReport:
    mailboxes: list[MailboxCheck]
    sending: SendingCheck | None

    @property
    def problems(self) -> int:
        return sum(m.problems for m in self.mailboxes) + (self.sending.problems if self.sending else 0)


def check_connections(settings: Settings, ssl_context: ssl.SSLContext | None = None) -> ConnectionReport:
    """Sign in everywhere ``settings`` says and report; never raises for a failing server."""
    tokens = TokenProviders(settings.signin)
    mailboxes = [check_mailbox(m, tokens, ssl_context) for m in settings.mailboxes.values()]
    sending = None
    if settings.transport.kind == "smtp" and settings.transport.smtp is not None:
        sending = check_sending(settings, tokens, ssl_context)
    return ConnectionReport(mailboxes, sending)


def check_mailbox(
    mailbox: MailboxSettings, tokens: TokenProviders, ssl_context: ssl.SSLContext | None = None
) -> MailboxCheck:
    if mailbox.imap is None:
        return MailboxCheck(mailbox.name, mailbox.address, "maildir", "none (local folder)")
    imap = mailbox.imap
    result = MailboxCheck(
        mailbox.name,
        mailbox.address,
        f"imap {imap.host}:{imap.port} tls {imap.tls}",
        _method(imap.auth, tokens),
    )
    source = build_source(mailbox, ssl_context, tokens, inspect_only=True)
    if not isinstance(source, ImapSource):  # pragma: no cover - build_source gives IMAP for [imap]
        return result
    try:
        result.capabilities, result.folders = source.with_connection(_inspect(source), "inspect")
    except MailbotError as error:
        result.error = explained(str(error))
    finally:
        source.close()
    return result


def _inspect(source: ImapSource) -> Any:
    def look(client: IMAPClient) -> tuple[dict[str, bool], list[FolderCheck]]:
        capabilities = {name: bool(client.has_capability(name)) for name in CAPABILITIES}
        folders = []
        for role, name in (
            ("inbox", source.inbox),
            ("processed", source.processed_folder),
            ("review", source.review_folder),
            ("sent", source.sent_folder or "Sent"),
        ):
            if not client.folder_exists(name):
                folders.append(FolderCheck(role, name, exists=False))
                continue
            info = client.select_folder(name)  # read-write SELECT: the server says READ-WRITE or READ-ONLY
            folders.append(FolderCheck(role, name, exists=True, writable=bool(info.get(b"READ-WRITE"))))
        return capabilities, folders

    return look


def check_sending(
    settings: Settings, tokens: TokenProviders, ssl_context: ssl.SSLContext | None = None
) -> SendingCheck:
    smtp = settings.transport.smtp
    if smtp is None:
        raise ConfigError(["transport.smtp: missing section [transport.smtp]"])
    result = SendingCheck(f"smtp {smtp.host}:{smtp.port} tls {smtp.tls}")
    transport = build_transport(settings, ssl_context, tokens)
    try:
        if isinstance(transport, SmtpTransport):
            result.identities = transport.probe([m.address for m in settings.mailboxes.values()])
    except MailbotError as error:
        result.error = explained(str(error))
    finally:
        transport.close()
    return result


def _method(auth: str, tokens: TokenProviders) -> str:
    if auth == "microsoft" and tokens.signin.microsoft is not None:
        app = tokens.signin.microsoft
        how = "certificate" if app.certificate_path else "client secret"
        return f"microsoft (app {app.client_id}, tenant {app.tenant_id}, {how})"
    if auth == "google":
        return "google (service account, domain-wide delegation)"
    return auth


def render(report: ConnectionReport) -> str:
    """The report as the operator reads it."""
    lines: list[str] = []
    for mailbox in report.mailboxes:
        lines.append(f"mailbox {mailbox.name} <{mailbox.address}>: {mailbox.where}, sign-in {mailbox.method}")
        if mailbox.error:
            lines.append(f"  sign-in FAILED: {mailbox.error}")
            continue
        if mailbox.where == "maildir":
            lines.append("  local Maildir: nothing to sign in to")
            continue
        lines.append("  signed in: yes")
        lines.append(
            "  capabilities: "
            + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in mailbox.capabilities.items())
        )
        for folder in mailbox.folders:
            if not folder.exists:
                state = "missing (mailbot creates it at first sign-in)"
            else:
                state = "writable" if folder.writable else "READ-ONLY: mailbot cannot move or file mail here"
            lines.append(f"  folder {folder.role:<9} {folder.name!r}: {state}")
    if report.sending is not None:
        lines.append(f"sending: {report.sending.where}")
        if report.sending.error:
            lines.append(f"  FAILED: {report.sending.error}")
        for identity in report.sending.identities:
            lines.append(f"  identity {identity.username} ({identity.method})")
            if identity.error:
                lines.append(f"    sign-in FAILED: {identity.error}")
                continue
            lines.append("    signed in: yes")
            for sender in identity.senders:
                verdict = "may send" if sender.accepted else "REFUSED"
                lines.append(f"    From {sender.address}: {verdict} ({sender.code} {sender.text})")
    problems = report.problems
    lines.append("all connections work" if problems == 0 else f"{problems} problem(s) found")
    return "\n".join(lines)
