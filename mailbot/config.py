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

from mailbot.domain.content import DocumentLimits
from mailbot.domain.urn import UrnScheme
from mailbot.errors import ConfigError
from mailbot.rules.trust import is_trusted_address

TlsMode = Literal["implicit", "starttls", "none"]
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


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: TlsMode
    username: str
    password_env: str
    inbox: str = "INBOX"
    processed_folder: str = "Processed"
    review_folder: str = "Review"
    sent_folder: str = "Sent"
    poll_interval: float = 60.0
    idle: bool = True
    batch_size: int = 50

    def password(self) -> str:
        """The IMAP password from the environment (never from the file)."""
        return os.environ.get(self.password_env, "")


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
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


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
    #: forms taught with ``mailbot forms learn``: one JSON file per form (see README, "Learned forms").
    forms_dir: Path | None = None
    log_level: str = "INFO"
    retention_days: int = 0
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


def _imap(reader: _Reader, table: dict[str, Any], where: str) -> ImapSettings | None:
    host = reader.get(table, "host", where, str)
    tls = reader.choice(table, "tls", where, ("implicit", "starttls", "none"), "implicit")
    port = reader.get(table, "port", where, int, 993 if tls == "implicit" else 143)
    username = reader.get(table, "username", where, str)
    password_env = reader.get(table, "password_env", where, str)
    if host and tls == "none" and not _is_loopback(host):
        reader.problems.append(
            f"{where}tls: 'none' sends the password in clear; only allowed for loopback hosts"
        )
    if password_env and password_env not in os.environ:
        reader.problems.append(f"{where}password_env: environment variable {password_env} is not set")
    if None in (host, port, username, password_env, tls):
        return None
    return ImapSettings(
        host=host,
        port=port,
        tls=tls,
        username=username,
        password_env=password_env,
        inbox=reader.get(table, "inbox", where, str, "INBOX"),
        processed_folder=reader.get(table, "processed_folder", where, str, "Processed"),
        review_folder=reader.get(table, "review_folder", where, str, "Review"),
        sent_folder=reader.get(table, "sent_folder", where, str, "Sent"),
        poll_interval=reader.positive(table, "poll_interval", where, float, 60.0),
        idle=reader.get(table, "idle", where, bool, True),
        batch_size=reader.positive(table, "batch_size", where, int, 50),
    )


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
        password_env = reader.get(s, "password_env", sw, str, None)
        if host and tls == "none" and not _is_loopback(host):
            reader.problems.append(f"{sw}tls: 'none' is only allowed for loopback hosts")
        if password_env and password_env not in os.environ:
            reader.problems.append(f"{sw}password_env: environment variable {password_env} is not set")
        if host and port and tls:
            smtp = SmtpSettings(
                host=host,
                port=port,
                tls=tls,
                username=reader.get(s, "username", sw, str, None),
                password_env=password_env,
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
        forms_dir=reader.path(top, "forms_dir", "mailbot.", ""),
        log_level=reader.choice(top, "log_level", "mailbot.", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
        or "INFO",
        retention_days=reader.get(top, "retention_days", "mailbot.", int, 0),
        source_path=source_path,
    )
    for mailbox in settings.mailboxes.values():
        if not settings.is_trusted(mailbox.address):
            reader.problems.append(
                f"mailboxes.{mailbox.name}.address: {mailbox.address} is not in council.trusted_domains"
            )
    if settings.templates_dir and not settings.templates_dir.is_dir():
        reader.problems.append(f"mailbot.templates_dir: {settings.templates_dir} is not a folder")
    if settings.fields_file and not settings.fields_file.is_file():
        reader.problems.append(f"mailbot.fields_file: {settings.fields_file} does not exist")
    if settings.forms_dir and settings.forms_dir.exists() and not settings.forms_dir.is_dir():
        reader.problems.append(f"mailbot.forms_dir: {settings.forms_dir} is not a folder")
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
