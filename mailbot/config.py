"""Load and validate mailbot's one TOML config file; secrets come only from the environment.

Every mistake is collected (not just the first) and reported as ``section.key: what is wrong`` so
``mailbot check-config`` can tell an operator everything at once.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.documents.content import DocumentLimits
from mailbot.errors import ConfigError
from mailbot.urn import UrnScheme

TlsMode = Literal["implicit", "starttls", "none"]
#: How a mailbox or a sending identity signs in: a password, or an OAuth2 token from Entra ID or Google.
AuthMethod = Literal["password", "microsoft", "google"]
AUTH_METHODS = ("password", "microsoft", "google")
MailboxRole = Literal["caf", "wpehs"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: What each request type needs before it is complete; a council may change these in config.
DEFAULT_REQUIREMENTS: dict[str, dict[str, list[str]]] = {
    "urn_request": {"documents": ["assessment_or_plan"], "facts": ["child_identity", "consent"]},
    "new_lead_professional": {
        "documents": ["assessment", "plan"],
        "facts": ["urn", "lead_professional_name", "lead_professional_agency", "lead_professional_contact"],
    },
    "taf_minutes": {"documents": ["taf_document"], "facts": ["urn"]},
    "step_down_wpehs": {"documents": ["assessment", "plan"], "facts": ["urn", "work_requested"]},
    "meeting_representation": {
        "documents": ["assessment", "plan"],
        "facts": ["urn", "work_requested", "meeting_date"],
    },
}
KNOWN_DOCUMENT_REQUIREMENTS = {"assessment", "plan", "assessment_or_plan", "taf_document", "consent_form"}
KNOWN_FACT_REQUIREMENTS = {
    "urn",
    "child_identity",
    "consent",
    "work_requested",
    "meeting_date",
    "lead_professional_name",
    "lead_professional_agency",
    "lead_professional_contact",
}


def is_trusted_address(address: str, trusted_domains: tuple[str, ...]) -> bool:
    """True when ``address``'s domain is one of ``trusted_domains`` or a subdomain of one.

    The one rule for invariant 4, used by the rules (who gets personal data) and by the outbox
    guard (which refuses it anyway), so the two can never disagree.
    """
    domain = address.rpartition("@")[2].strip().lower().rstrip(">")
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in trusted_domains)


@dataclass(frozen=True)
class MicrosoftSignIn:
    """``[signin.microsoft]``: the Entra ID app used app-only for IMAP and SMTP (client credentials)."""

    tenant_id: str
    client_id: str
    client_secret_env: str | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority: str = "https://login.microsoftonline.com"
    scope: str = "https://outlook.office365.com/.default"
    ca_file: Path | None = None

    def client_secret(self) -> str | None:
        """The client secret from the environment (never from the file)."""
        return os.environ.get(self.client_secret_env) if self.client_secret_env else None


@dataclass(frozen=True)
class GoogleSignIn:
    """``[signin.google]``: a service account key with domain-wide delegation for the mailboxes."""

    service_account_file: Path
    scope: str = "https://mail.google.com/"
    ca_file: Path | None = None


@dataclass(frozen=True)
class SignInSettings:
    microsoft: MicrosoftSignIn | None = None
    google: GoogleSignIn | None = None


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: TlsMode
    username: str
    password_env: str | None = None
    auth: AuthMethod = "password"
    inbox: str = "INBOX"
    processed_folder: str = "Processed"
    review_folder: str = "Review"
    #: None: the folder the server marks ``\Sent`` (RFC 6154 SPECIAL-USE), else "Sent".
    sent_folder: str | None = None
    poll_interval: float = 60.0
    idle: bool = True
    batch_size: int = 50

    def password(self) -> str:
        """The IMAP password from the environment (never from the file)."""
        return os.environ.get(self.password_env, "") if self.password_env else ""


@dataclass(frozen=True)
class MaildirSettings:
    path: Path


@dataclass(frozen=True)
class MailboxSettings:
    """One watched shared mailbox (CAF@ or preventionearlyhelp@)."""

    name: str
    address: str
    role: MailboxRole
    team_name: str
    imap: ImapSettings | None = None
    maildir: MaildirSettings | None = None


@dataclass(frozen=True)
class SmtpIdentity:
    """One SMTP sign-in and the From addresses it may use (itself, plus any it has Send As rights on)."""

    name: str
    username: str
    auth: AuthMethod
    send_as: tuple[str, ...]
    password_env: str | None = None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None

    def may_send_as(self, address: str) -> bool:
        return address.lower() in {a.lower() for a in self.send_as}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    #: Who signs in. Empty: an unauthenticated relay (loopback or IP-allowed), any From goes.
    identities: tuple[SmtpIdentity, ...] = ()
    timeout: float = 30.0

    def identity_for(self, from_address: str) -> SmtpIdentity | None:
        """The identity that may send as ``from_address`` (None if none may, or there are none)."""
        return next((i for i in self.identities if i.may_send_as(from_address)), None)


@dataclass(frozen=True)
class TransportSettings:
    kind: Literal["smtp", "maildir"]
    smtp: SmtpSettings | None = None
    maildir: Path | None = None
    max_attempts: int = 8
    retry_base_seconds: float = 30.0


@dataclass(frozen=True)
class WorkflowSettings:
    chase_after_working_days: int = 3
    max_chases: int = 2
    allocation_weekday: int = 0  # Monday
    allocation_time: time = time(8, 0)
    digest_weekday: int = 0
    digest_time: time = time(8, 0)
    digest_personal_data: Literal["initials", "none"] = "initials"
    auto_replies_per_sender_per_hour: int = 5
    untrusted_policy: Literal["acknowledge", "silent"] = "acknowledge"
    bank_holiday_region: str = "ENG"
    requirements: dict[str, dict[str, list[str]]] = field(default_factory=lambda: dict(DEFAULT_REQUIREMENTS))


@dataclass(frozen=True)
class Settings:
    """The whole validated configuration."""

    council_name: str
    timezone: str
    database_url: str
    storage_dir: Path
    trusted_domains: tuple[str, ...]
    mailboxes: dict[str, MailboxSettings]
    transport: TransportSettings
    urn: UrnScheme
    documents: DocumentLimits
    workflow: WorkflowSettings
    districts: dict[str, str]
    message_id_domain: str
    templates_dir: Path | None = None
    fields_file: Path | None = None
    log_level: str = "INFO"
    retention_days: int = 0
    signin: SignInSettings = field(default_factory=SignInSettings)
    #: ``mailbot status`` is unhealthy when a mailbox has failed to connect for longer than this.
    connection_alarm_seconds: float = 900.0
    source_path: Path | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def mailbox_by_role(self, role: MailboxRole) -> MailboxSettings:
        for mailbox in self.mailboxes.values():
            if mailbox.role == role:
                return mailbox
        raise KeyError(role)

    def is_trusted(self, address: str) -> bool:
        """True when ``address`` is in a trusted domain (or a subdomain of one)."""
        return is_trusted_address(address, self.trusted_domains)

    @property
    def own_addresses(self) -> tuple[str, ...]:
        return tuple(m.address.lower() for m in self.mailboxes.values())


class _Reader:
    """Pulls typed values out of nested TOML tables, collecting every problem with its dotted path."""

    def __init__(self, base_dir: Path) -> None:
        self.problems: list[str] = []
        self.base_dir = base_dir

    def table(self, parent: Mapping[str, Any], key: str, where: str, required: bool = True) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            if required:
                self.problems.append(f"{where}{key}: missing section [{where}{key}]")
            return {}
        if not isinstance(value, dict):
            self.problems.append(f"{where}{key}: must be a table, not {type(value).__name__}")
            return {}
        return value

    def get(self, table: Mapping[str, Any], key: str, where: str, kind: type, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                self.problems.append(f"{where}{key}: missing (required)")
                return None
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problems.append(f"{where}{key}: must be {kind.__name__}, got {value!r}")
            return None if default is ... else default
        return value

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...], default: Any = ...
    ) -> Any:
        value = self.get(table, key, where, str, default)
        if value is not None and value not in choices:
            self.problems.append(f"{where}{key}: must be one of {', '.join(choices)}; got {value!r}")
            return None
        return value

    def path(self, table: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Path | None:
        value = self.get(table, key, where, str, default)
        if value is None or value == "":
            return None
        path = Path(os.path.expandvars(value)).expanduser()
        return path if path.is_absolute() else (self.base_dir / path)

    def positive(self, table: Mapping[str, Any], key: str, where: str, kind: type, default: Any) -> Any:
        value = self.get(table, key, where, kind, default)
        if value is not None and value <= 0:
            self.problems.append(f"{where}{key}: must be greater than 0; got {value!r}")
        return value


def _parse_time(reader: _Reader, text: str | None, where: str) -> time:
    if text is None:
        return time(8, 0)
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        reader.problems.append(f"{where}: must be HH:MM (24-hour), got {text!r}")
        return time(8, 0)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret_env(reader: _Reader, table: dict[str, Any], key: str, where: str, required: bool) -> str | None:
    """The name of an environment variable holding a secret; the variable must be set."""
    name = reader.get(table, key, where, str, ... if required else None)
    if name and name not in os.environ:
        reader.problems.append(f"{where}{key}: environment variable {name} is not set")
    return str(name) if name else None


def _auth(reader: _Reader, table: dict[str, Any], where: str, default: str = "password") -> AuthMethod:
    value = reader.choice(table, "auth", where, AUTH_METHODS, default)
    return value if value in AUTH_METHODS else "password"


def _imap(reader: _Reader, table: dict[str, Any], where: str) -> ImapSettings | None:
    host = reader.get(table, "host", where, str)
    tls = reader.choice(table, "tls", where, ("implicit", "starttls", "none"), "implicit")
    port = reader.get(table, "port", where, int, 993 if tls == "implicit" else 143)
    username = reader.get(table, "username", where, str)
    auth = _auth(reader, table, where)
    password_env = _secret_env(reader, table, "password_env", where, required=auth == "password")
    if auth != "password" and password_env:
        reader.problems.append(f"{where}password_env: not used with auth = {auth!r}; remove it")
    if host and tls == "none" and not _is_loopback(host):
        reader.problems.append(
            f"{where}tls: 'none' sends the password in clear; only allowed for loopback hosts"
        )
    if None in (host, port, username, tls):
        return None
    return ImapSettings(
        host=host,
        port=port,
        tls=tls,
        username=username,
        password_env=password_env,
        auth=auth,
        inbox=reader.get(table, "inbox", where, str, "INBOX"),
        processed_folder=reader.get(table, "processed_folder", where, str, "Processed"),
        review_folder=reader.get(table, "review_folder", where, str, "Review"),
        sent_folder=reader.get(table, "sent_folder", where, str, None),
        poll_interval=reader.positive(table, "poll_interval", where, float, 60.0),
        idle=reader.get(table, "idle", where, bool, True),
        batch_size=reader.positive(table, "batch_size", where, int, 50),
    )


def _microsoft(reader: _Reader, table: dict[str, Any]) -> MicrosoftSignIn | None:
    where = "signin.microsoft."
    tenant_id = reader.get(table, "tenant_id", where, str)
    client_id = reader.get(table, "client_id", where, str)
    secret_env = _secret_env(reader, table, "client_secret_env", where, required=False)
    certificate = reader.path(table, "certificate_path", where, "")
    thumbprint = reader.get(table, "certificate_thumbprint", where, str, None)
    if bool(secret_env) == bool(certificate):
        reader.problems.append(
            f"{where[:-1]}: give either client_secret_env or certificate_path (with certificate_thumbprint)"
        )
    if certificate is not None and not certificate.is_file():
        reader.problems.append(f"{where}certificate_path: {certificate} does not exist")
    if thumbprint is not None:
        digits = thumbprint.replace(":", "")
        if len(digits) != 40 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            reader.problems.append(
                f"{where}certificate_thumbprint: must be the certificate's SHA-1 thumbprint "
                "(40 hexadecimal digits, as Entra ID shows it)"
            )
    ca_file = reader.path(table, "ca_file", where, "")
    if ca_file is not None and not ca_file.is_file():
        reader.problems.append(f"{where}ca_file: {ca_file} does not exist")
    if tenant_id is None or client_id is None:
        return None
    return MicrosoftSignIn(
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret_env=secret_env,
        certificate_path=certificate,
        certificate_thumbprint=thumbprint,
        authority=reader.get(table, "authority", where, str, "https://login.microsoftonline.com"),
        scope=reader.get(table, "scope", where, str, "https://outlook.office365.com/.default"),
        ca_file=ca_file,
    )


def _google(reader: _Reader, table: dict[str, Any]) -> GoogleSignIn | None:
    where = "signin.google."
    key_file = reader.path(table, "service_account_file", where)
    if key_file is not None and not key_file.is_file():
        reader.problems.append(f"{where}service_account_file: {key_file} does not exist")
    ca_file = reader.path(table, "ca_file", where, "")
    if ca_file is not None and not ca_file.is_file():
        reader.problems.append(f"{where}ca_file: {ca_file} does not exist")
    if key_file is None:
        return None
    return GoogleSignIn(
        service_account_file=key_file,
        scope=reader.get(table, "scope", where, str, "https://mail.google.com/"),
        ca_file=ca_file,
    )


def _signin(reader: _Reader, raw: dict[str, Any]) -> SignInSettings:
    table = reader.table(raw, "signin", "", required=False)
    microsoft = google = None
    if "microsoft" in table:
        microsoft = _microsoft(reader, reader.table(table, "microsoft", "signin."))
    if "google" in table:
        google = _google(reader, reader.table(table, "google", "signin."))
    return SignInSettings(microsoft=microsoft, google=google)


def _mailboxes(reader: _Reader, raw: dict[str, Any]) -> dict[str, MailboxSettings]:
    tables = reader.table(raw, "mailboxes", "")
    mailboxes: dict[str, MailboxSettings] = {}
    for name, table in tables.items():
        where = f"mailboxes.{name}."
        if not isinstance(table, dict):
            reader.problems.append(f"mailboxes.{name}: must be a table")
            continue
        address = reader.get(table, "address", where, str)
        if address and "@" not in address:
            reader.problems.append(f"{where}address: {address!r} is not an email address")
        role = reader.choice(table, "role", where, ("caf", "wpehs"))
        team = reader.get(table, "team_name", where, str, "CAF Database Team" if role == "caf" else "WPEHS")
        imap = maildir = None
        if "imap" in table:
            imap = _imap(reader, reader.table(table, "imap", where), where + "imap.")
        if "maildir" in table:
            path = reader.path(reader.table(table, "maildir", where), "path", where + "maildir.")
            maildir = MaildirSettings(path) if path else None
        if "imap" not in table and "maildir" not in table:
            reader.problems.append(f"{where[:-1]}: needs an [{where}imap] or [{where}maildir] section")
        if "imap" in table and "maildir" in table:
            reader.problems.append(f"{where[:-1]}: has both imap and maildir; choose one")
        if address and role:
            mailboxes[name] = MailboxSettings(name, address, role, team, imap, maildir)
    roles: list[str] = [m.role for m in mailboxes.values()]
    for role in ("caf", "wpehs"):
        if tables and roles.count(role) != 1:
            reader.problems.append(
                f"mailboxes: need exactly one mailbox with role = {role!r}, found {roles.count(role)}"
            )
    return mailboxes


def _identity(reader: _Reader, table: dict[str, Any], where: str, name: str) -> SmtpIdentity | None:
    username = reader.get(table, "username", where, str)
    auth = _auth(reader, table, where)
    password_env = _secret_env(reader, table, "password_env", where, required=auth == "password")
    send_as = reader.get(table, "send_as", where, list, [username] if username else [])
    if any(not isinstance(a, str) or "@" not in a for a in send_as):
        reader.problems.append(f"{where}send_as: list the email addresses this identity may send as")
        send_as = []
    if username is None:
        return None
    addresses = tuple(dict.fromkeys(str(a) for a in (username, *send_as) if "@" in str(a)))
    return SmtpIdentity(name, username, auth, addresses, password_env)


def _smtp_identities(reader: _Reader, s: dict[str, Any], sw: str) -> tuple[SmtpIdentity, ...]:
    """One identity in ``[transport.smtp]`` itself (``username``...), or one per
    ``[transport.smtp.identities.NAME]`` (a sign-in per mailbox); none for an open relay."""
    tables = reader.table(s, "identities", sw, required=False)
    if tables and "username" in s:
        reader.problems.append(f"{sw}identities: give one identity in [transport.smtp] or several here, not both")
    if not tables:
        if "username" not in s:
            _secret_env(reader, s, "password_env", sw, required=False)
            return ()
        identity = _identity(reader, s, sw, "default")
        return (identity,) if identity else ()
    identities = []
    for name, table in tables.items():
        if not isinstance(table, dict):
            reader.problems.append(f"{sw}identities.{name}: must be a table")
            continue
        identity = _identity(reader, table, f"{sw}identities.{name}.", name)
        if identity:
            identities.append(identity)
    return tuple(identities)


def _transport(reader: _Reader, raw: dict[str, Any]) -> TransportSettings:
    table = reader.table(raw, "transport", "")
    where = "transport."
    kind = reader.choice(table, "kind", where, ("smtp", "maildir"), "smtp")
    smtp = None
    maildir = None
    if kind == "smtp":
        s = reader.table(table, "smtp", where)
        sw = where + "smtp."
        host = reader.get(s, "host", sw, str)
        tls = reader.choice(s, "tls", sw, ("implicit", "starttls", "none"), "starttls")
        port = reader.get(s, "port", sw, int, 465 if tls == "implicit" else 587)
        if host and tls == "none" and not _is_loopback(host):
            reader.problems.append(f"{sw}tls: 'none' is only allowed for loopback hosts")
        identities = _smtp_identities(reader, s, sw)
        if host and port and tls:
            smtp = SmtpSettings(
                host=host,
                port=port,
                tls=tls,
                identities=identities,
                timeout=reader.positive(s, "timeout", sw, float, 30.0),
            )
    elif kind == "maildir":
        maildir = reader.path(reader.table(table, "maildir", where), "path", where + "maildir.")
    return TransportSettings(
        kind=kind or "smtp",
        smtp=smtp,
        maildir=maildir,
        max_attempts=reader.positive(table, "max_attempts", where, int, 8),
        retry_base_seconds=reader.positive(table, "retry_base_seconds", where, float, 30.0),
    )


def _check_signin(reader: _Reader, settings: Settings) -> None:
    """Every OAuth2 sign-in has its [signin.*] section; every From address has an identity to send it."""
    wanted: list[tuple[str, str]] = [
        (f"mailboxes.{m.name}.imap.auth", m.imap.auth) for m in settings.mailboxes.values() if m.imap
    ]
    smtp = settings.transport.smtp if settings.transport.kind == "smtp" else None
    if smtp is not None:
        wanted += [(f"transport.smtp identity {i.name!r} auth", i.auth) for i in smtp.identities]
    for where, auth in wanted:
        if auth == "microsoft" and settings.signin.microsoft is None:
            reader.problems.append(f"{where}: 'microsoft' needs a [signin.microsoft] section (tenant_id, client_id...)")
        if auth == "google" and settings.signin.google is None:
            reader.problems.append(f"{where}: 'google' needs a [signin.google] section (service_account_file)")
    if smtp is not None and smtp.identities:
        for mailbox in settings.mailboxes.values():
            if smtp.identity_for(mailbox.address) is None:
                reader.problems.append(
                    f"mailboxes.{mailbox.name}.address: no SMTP identity may send as {mailbox.address}; "
                    "add it to transport.smtp.send_as (Send As rights) or add an identity for it"
                )


def _weekday(reader: _Reader, table: Mapping[str, Any], key: str, where: str) -> int:
    value = reader.choice(table, key, where, WEEKDAYS, "monday")
    return WEEKDAYS.index(value) if value else 0


def _workflow(reader: _Reader, raw: dict[str, Any]) -> WorkflowSettings:
    table = reader.table(raw, "workflow", "", required=False)
    where = "workflow."
    requirements = {k: {kk: list(vv) for kk, vv in v.items()} for k, v in DEFAULT_REQUIREMENTS.items()}
    for request_type, rule in reader.table(table, "requirements", where, required=False).items():
        rw = f"{where}requirements.{request_type}."
        if request_type not in DEFAULT_REQUIREMENTS:
            reader.problems.append(
                f"{rw[:-1]}: unknown request type; known: {', '.join(DEFAULT_REQUIREMENTS)}"
            )
            continue
        if not isinstance(rule, dict):
            reader.problems.append(f"{rw[:-1]}: must be a table with documents = [...] and facts = [...]")
            continue
        for key, known in (("documents", KNOWN_DOCUMENT_REQUIREMENTS), ("facts", KNOWN_FACT_REQUIREMENTS)):
            items = rule.get(key, requirements[request_type][key])
            if not isinstance(items, list) or any(i not in known for i in items):
                reader.problems.append(f"{rw}{key}: each item must be one of {', '.join(sorted(known))}")
                continue
            requirements[request_type][key] = list(items)
    return WorkflowSettings(
        chase_after_working_days=reader.positive(table, "chase_after_working_days", where, int, 3),
        max_chases=reader.positive(table, "max_chases", where, int, 2),
        allocation_weekday=_weekday(reader, table, "allocation_weekday", where),
        allocation_time=_parse_time(
            reader, reader.get(table, "allocation_time", where, str, "10:00"), where + "allocation_time"
        ),
        digest_weekday=_weekday(reader, table, "digest_weekday", where),
        digest_time=_parse_time(
            reader, reader.get(table, "digest_time", where, str, "08:00"), where + "digest_time"
        ),
        digest_personal_data=reader.choice(
            table, "digest_personal_data", where, ("initials", "none"), "initials"
        )
        or "initials",
        auto_replies_per_sender_per_hour=reader.positive(
            table, "auto_replies_per_sender_per_hour", where, int, 5
        ),
        untrusted_policy=reader.choice(
            table, "untrusted_policy", where, ("acknowledge", "silent"), "acknowledge"
        )
        or "acknowledge",
        bank_holiday_region=reader.get(table, "bank_holiday_region", where, str, "ENG"),
        requirements=requirements,
    )


def _documents(reader: _Reader, raw: dict[str, Any]) -> DocumentLimits:
    table = reader.table(raw, "documents", "", required=False)
    where = "documents."
    defaults = DocumentLimits()
    return DocumentLimits(
        max_bytes=int(
            reader.positive(table, "max_megabytes", where, float, defaults.max_bytes / 2**20) * 2**20
        ),
        max_pages=reader.positive(table, "max_pages", where, int, defaults.max_pages),
        timeout_seconds=reader.positive(table, "timeout_seconds", where, float, defaults.timeout_seconds),
        max_ocr_pages=reader.positive(table, "max_ocr_pages", where, int, defaults.max_ocr_pages),
        ocr_enabled=reader.get(table, "ocr", where, bool, True),
        workers=reader.get(table, "workers", where, int, 0),
    )


def parse_settings(raw: dict[str, Any], base_dir: Path, source_path: Path | None = None) -> Settings:
    """Validate a parsed TOML document; raises ConfigError listing every problem found."""
    reader = _Reader(base_dir)
    top = reader.table(raw, "mailbot", "")
    council = reader.table(raw, "council", "")
    timezone = reader.get(top, "timezone", "mailbot.", str, "Europe/London")
    try:
        ZoneInfo(timezone or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        reader.problems.append(f"mailbot.timezone: unknown time zone {timezone!r}")
    database_url = os.environ.get("MAILBOT_DATABASE_URL") or reader.get(
        top, "database_url", "mailbot.", str, "sqlite:///var/mailbot.sqlite3"
    )
    if database_url and database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        relative = database_url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            database_url = f"sqlite:///{base_dir / relative}"
    if database_url and not database_url.startswith(("sqlite", "postgresql")):
        reader.problems.append(
            "mailbot.database_url: only sqlite:/// and postgresql+psycopg:// URLs are supported"
        )
    trusted = reader.get(council, "trusted_domains", "council.", list, [])
    if not trusted:
        reader.problems.append(
            "council.trusted_domains: list at least one domain (personal data only goes there)"
        )
    urn_table = reader.table(raw, "urn", "", required=False)
    prefix = reader.get(urn_table, "prefix", "urn.", str, "LAN")
    width = reader.get(urn_table, "width", "urn.", int, 6)
    if prefix is not None and not (prefix.isalnum() and prefix.isascii() and prefix.upper() == prefix):
        reader.problems.append(f"urn.prefix: use capital letters and digits only; got {prefix!r}")
    if width is not None and not 4 <= width <= 10:
        reader.problems.append(f"urn.width: must be between 4 and 10; got {width}")
    districts_table = reader.table(raw, "districts", "", required=False)
    districts = {str(k).upper().replace(" ", ""): str(v) for k, v in districts_table.items()}
    mailboxes = _mailboxes(reader, raw)
    first_mailbox = next(iter(mailboxes.values()), None)
    settings = Settings(
        council_name=reader.get(council, "name", "council.", str, "Lancashire County Council"),
        timezone=timezone or "Europe/London",
        database_url=database_url or "",
        storage_dir=reader.path(top, "storage_dir", "mailbot.", "var/storage") or base_dir / "var/storage",
        trusted_domains=tuple(str(d).lower().lstrip("@") for d in trusted),
        mailboxes=mailboxes,
        transport=_transport(reader, raw),
        urn=UrnScheme(prefix or "LAN", width or 6),
        documents=_documents(reader, raw),
        workflow=_workflow(reader, raw),
        districts=districts,
        message_id_domain=reader.get(
            top,
            "message_id_domain",
            "mailbot.",
            str,
            first_mailbox.address.rpartition("@")[2].lower() if first_mailbox else "mailbot.invalid",
        ),
        templates_dir=reader.path(top, "templates_dir", "mailbot.", ""),
        fields_file=reader.path(top, "fields_file", "mailbot.", ""),
        log_level=reader.choice(top, "log_level", "mailbot.", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
        or "INFO",
        retention_days=reader.get(top, "retention_days", "mailbot.", int, 0),
        signin=_signin(reader, raw),
        connection_alarm_seconds=60.0
        * reader.positive(top, "unhealthy_after_minutes", "mailbot.", float, 15.0),
        source_path=source_path,
    )
    _check_signin(reader, settings)
    for mailbox in settings.mailboxes.values():
        if not settings.is_trusted(mailbox.address):
            reader.problems.append(
                f"mailboxes.{mailbox.name}.address: {mailbox.address} is not in council.trusted_domains"
            )
    if settings.templates_dir and not settings.templates_dir.is_dir():
        reader.problems.append(f"mailbot.templates_dir: {settings.templates_dir} is not a folder")
    if settings.fields_file and not settings.fields_file.is_file():
        reader.problems.append(f"mailbot.fields_file: {settings.fields_file} does not exist")
    if reader.problems:
        raise ConfigError(reader.problems)
    return settings


def load_settings(path: Path) -> Settings:
    """Read and validate the config file at ``path``; relative paths in it are relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([f"{path}: cannot be read ({error.strerror})"]) from error
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path}: not valid TOML ({error})"]) from error
    return parse_settings(raw, path.resolve().parent, source_path=path)
