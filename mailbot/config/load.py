"""Read the one TOML config file, check it section by section, and build ``Settings``.

Every mistake is collected (not just the first) and reported as ``section.key: what is wrong`` so
``mailbot check-config`` can tell an operator everything at once. Each top-level section is checked
on its own, so a mistake in one never hides the mistakes in another, and the checks that span
sections (a mailbox's address in the trusted domains) still run on what could be read.
"""

from __future__ import annotations

import copy
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from mailbot.config.casework import RegisterSection, UrnSection, casework_cross_checks
from mailbot.config.checks import Section
from mailbot.config.problems import Location, dotted, problems_of, type_at, unknown_key
from mailbot.config.sections import (
    DEFAULT_REQUIREMENTS,
    WEEKDAYS,
    AuthenticationSection,
    ConfigFile,
    CouncilSection,
    DocumentsSection,
    LimitsSection,
    MailbotSection,
    MailboxSection,
    RetentionSection,
    TransportSection,
    WorkflowSection,
)
from mailbot.config.settings import (
    AuthenticationSettings,
    ImapSettings,
    LimitSettings,
    MailboxSettings,
    MaildirSettings,
    OidcSettings,
    Settings,
    SmtpSettings,
    TransportSettings,
    WebSettings,
    WorkflowSettings,
)
from mailbot.config.signin import build_signin, signin_problems, smtp_identities
from mailbot.config.web import WebSection
from mailbot.domain.content import DocumentLimits
from mailbot.errors import ConfigError
from mailbot.rules.trust import is_trusted_address


@cache
def _adapter(section: str) -> TypeAdapter[Any]:
    return TypeAdapter(cast(Any, ConfigFile.model_fields[section].annotation))


def _fill_required_tables(annotation: Any, table: Any, location: Location) -> list[tuple[Location, str]]:
    """Add an empty table for each required sub-table that is missing (so its required keys are named
    too), and say it was missing; recurses into sub-tables that are sections."""
    kind = type_at(annotation, ())
    if not (isinstance(table, dict) and isinstance(kind, type) and issubclass(kind, Section)):
        return []
    found: list[tuple[Location, str]] = []
    for key in kind.required_tables(table):
        if key not in table:
            found.append(((*location, key), f"missing section [{dotted((*location, key))}]"))
            table[key] = {}
    for key, value in table.items():
        field = kind.model_fields.get(key)
        if field is not None:
            found += _fill_required_tables(field.annotation, value, (*location, key))
    return found


def _mailbox_roles(table: Any) -> list[tuple[Location, str]]:
    """Exactly one CAF@ and one WPEHS mailbox, counted from what was written (even with other mistakes)."""
    if not isinstance(table, dict) or not table:
        return []
    roles = [mailbox.get("role") for mailbox in table.values() if isinstance(mailbox, dict)]
    return [
        (("mailboxes",), f"need exactly one mailbox with role = {role!r}, found {roles.count(role)}")
        for role in ("caf", "wpehs")
        if roles.count(role) != 1
    ]


def check_sections(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Each section validated on its own: (the sections that passed, every problem as ``path: what``)."""
    found: list[tuple[Location, str]] = []
    for key, value in raw.items():
        if key not in ConfigFile.model_fields:
            found.append(((key,), unknown_key((key,), ConfigFile, value)))
    sections: dict[str, Any] = {}
    for name, field in ConfigFile.model_fields.items():
        table = raw.get(name)
        if table is None and not field.is_required() and field.default is None:
            sections[name] = None  # an optional section left out (``[web]``): nothing to check
            continue
        if table is None:
            table = {}
            if field.is_required():
                found.append(((name,), f"missing section [{name}]"))
        found += _fill_required_tables(field.annotation, table, (name,))
        try:
            sections[name] = _adapter(name).validate_python(table)
        except ValidationError as error:
            found += problems_of(error, (name,), field.annotation)
        if name == "mailboxes":
            found += _mailbox_roles(table)
    return sections, [f"{dotted(where)}: {what}" for where, what in found]


def _path(text: str | None, base_dir: Path) -> Path | None:
    if not text:
        return None
    path = Path(os.path.expandvars(text)).expanduser()
    return path if path.is_absolute() else base_dir / path


def _database_url(url: str, base_dir: Path) -> str:
    """A relative SQLite path is relative to the config file's folder."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            return f"sqlite:///{base_dir / relative}"
    return url


def _mailbox(name: str, section: MailboxSection, base_dir: Path) -> MailboxSettings:
    imap = None
    if section.imap is not None:
        values = section.imap.model_dump()
        values["port"] = values["port"] or (993 if section.imap.tls == "implicit" else 143)
        imap = ImapSettings(**values)
    maildir = MaildirSettings(cast(Path, _path(section.maildir.path, base_dir))) if section.maildir else None
    team = section.team_name or ("CAF Database Team" if section.role == "caf" else "WPEHS")
    return MailboxSettings(name, section.address, section.role, team, imap, maildir)


def _transport(section: TransportSection, base_dir: Path) -> TransportSettings:
    smtp = None
    if section.kind == "smtp" and section.smtp is not None:
        values = section.smtp.model_dump(include={"host", "port", "tls", "timeout"})
        values["port"] = values["port"] or (465 if section.smtp.tls == "implicit" else 587)
        smtp = SmtpSettings(**values, identities=smtp_identities(section.smtp))
    maildir = _path(section.maildir.path, base_dir) if section.kind == "maildir" and section.maildir else None
    return TransportSettings(
        kind=section.kind,
        smtp=smtp,
        maildir=maildir,
        max_attempts=section.max_attempts,
        retry_base_seconds=section.retry_base_seconds,
        claim_lease_seconds=section.claim_lease_seconds,
    )


def _workflow(section: WorkflowSection) -> WorkflowSettings:
    requirements = {k: {kk: list(vv) for kk, vv in v.items()} for k, v in DEFAULT_REQUIREMENTS.items()}
    chase_after: dict[str, int] = {}
    for request_type, rule in section.requirements:
        if rule is not None:
            for key in ("documents", "facts"):
                items = getattr(rule, key)
                if items is not None:
                    requirements[request_type][key] = list(items)
            if rule.chase_after_working_days is not None:
                chase_after[request_type] = rule.chase_after_working_days
    cadence = section.cadence
    return WorkflowSettings(
        chase_after_working_days=section.chase_after_working_days,
        max_chases=section.max_chases,
        allocation_weekday=cadence.weekday,
        allocation_time=section.allocation_time,
        digest_weekday=WEEKDAYS.index(section.digest_weekday),
        digest_time=section.digest_time,
        digest_personal_data=section.digest_personal_data,
        untrusted_policy=section.untrusted_policy,
        bank_holiday_region=section.bank_holiday_region,
        requirements=requirements,
        allocators=tuple(section.allocators),
        console_allocator_days=section.console_allocator_days,
        chase_after_by_type=chase_after,
        allocation_cadence=cadence,
        taf_minutes_within_weeks=section.taf_minutes_within_weeks,
        no_lead_professional_team=section.no_lead_professional_team,
    )


def _limits(section: LimitsSection) -> LimitSettings:
    return LimitSettings(**section.model_dump())


def _authentication(section: AuthenticationSection) -> AuthenticationSettings:
    return AuthenticationSettings(
        trusted_authserv_ids=tuple(section.trusted_authserv_ids),
        exchange_online=section.exchange_online,
        require_results=section.require_results,
    )


def _web(section: WebSection | None, base_dir: Path) -> WebSettings | None:
    if section is None:
        return None
    oidc = section.oidc
    return WebSettings(
        base_url=section.base_url.rstrip("/"),
        session_secret_env=section.session_secret_env,
        oidc=OidcSettings(
            issuer=oidc.issuer,
            client_id=oidc.client_id,
            client_secret_env=oidc.client_secret_env,
            client_certificate=_path(oidc.client_certificate, base_dir),
            scopes=oidc.scopes,
            groups_claim=oidc.groups_claim,
        ),
        roles={role: tuple(groups) for role, groups in section.roles if groups is not None},
        host=section.host,
        port=section.port,
        idle_timeout_minutes=section.idle_timeout_minutes,
        session_max_hours=section.session_max_hours,
        undo_minutes=section.undo_minutes,
        assets_dir=_path(section.assets_dir, base_dir),
        forwarded_allow_ips=section.forwarded_allow_ips,
    )


def _documents(section: DocumentsSection) -> DocumentLimits:
    return DocumentLimits(
        max_bytes=int(section.max_megabytes * 2**20),
        max_pages=section.max_pages,
        timeout_seconds=section.timeout_seconds,
        max_ocr_pages=section.max_ocr_pages,
        ocr_enabled=section.ocr,
        workers=section.workers,
    )


def _trusted_domains(sections: dict[str, Any], raw: dict[str, Any]) -> tuple[str, ...]:
    """The trusted domains, normalised; read from the file as written when [council] has mistakes."""
    council = sections.get("council")
    written = council.trusted_domains if isinstance(council, CouncilSection) else None
    if written is None:
        table = raw.get("council")
        candidate = table.get("trusted_domains") if isinstance(table, dict) else None
        written = [d for d in candidate if isinstance(d, str)] if isinstance(candidate, list) else []
    return tuple(domain.lower().lstrip("@") for domain in written)


def _cross_checks(sections: dict[str, Any], raw: dict[str, Any], base_dir: Path) -> list[str]:
    """Checks that span sections or touch the disk, on whatever sections could be read."""
    found = []
    trusted = _trusted_domains(sections, raw)
    for name, mailbox in sections.get("mailboxes", {}).items():
        if not is_trusted_address(mailbox.address, trusted):
            found.append(f"mailboxes.{name}.address: {mailbox.address} is not in council.trusted_domains")
    top = sections.get("mailbot")
    if isinstance(top, MailbotSection):
        templates_dir = _path(top.templates_dir, base_dir)
        if templates_dir and not templates_dir.is_dir():
            found.append(f"mailbot.templates_dir: {templates_dir} is not a folder")
        fields_file = _path(top.fields_file, base_dir)
        if fields_file and not fields_file.is_file():
            found.append(f"mailbot.fields_file: {fields_file} does not exist")
        forms_dir = _path(top.forms_dir, base_dir)
        if forms_dir and forms_dir.exists() and not forms_dir.is_dir():  # made by the first `forms learn`
            found.append(f"mailbot.forms_dir: {forms_dir} is not a folder")
        if top.retention_days is not None and "raw_mail_days" in (raw.get("retention") or {}):
            found.append("mailbot.retention_days: replaced by retention.raw_mail_days; keep only that one")
    found += casework_cross_checks(raw, trusted)
    web = sections.get("web")
    if isinstance(web, WebSection):
        certificate = _path(web.oidc.client_certificate, base_dir)
        if certificate and not certificate.is_file():
            found.append(f"web.oidc.client_certificate: {certificate} does not exist")
    found += signin_problems(sections, raw, lambda text: _path(text, base_dir))
    return found


def _register_columns(section: RegisterSection) -> dict[str, str]:
    return section.columns.mapping()


def build_settings(sections: dict[str, Any], base_dir: Path, source_path: Path | None) -> Settings:
    """Settings from sections that all passed their checks (paths made absolute, defaults filled in)."""
    top: MailbotSection = sections["mailbot"]
    council: CouncilSection = sections["council"]
    urn: UrnSection = sections["urn"]
    mailboxes = {name: _mailbox(name, m, base_dir) for name, m in sections["mailboxes"].items()}
    first = next(iter(mailboxes.values()), None)
    retention: RetentionSection = sections["retention"]
    if top.retention_days is not None:
        retention = retention.model_copy(update={"raw_mail_days": top.retention_days})
    return Settings(
        council_name=council.name,
        timezone=top.timezone,
        database_url=_database_url(os.environ.get("MAILBOT_DATABASE_URL") or top.database_url, base_dir),
        storage_dir=cast(Path, _path(top.storage_dir, base_dir)),
        trusted_domains=tuple(domain.lower().lstrip("@") for domain in council.trusted_domains),
        mailboxes=mailboxes,
        transport=_transport(sections["transport"], base_dir),
        urn=urn.scheme,
        urn_next_number=urn.next_number,
        documents=_documents(sections["documents"]),
        workflow=_workflow(sections["workflow"]),
        districts={key.upper().replace(" ", ""): value for key, value in sections["districts"].items()},
        message_id_domain=top.message_id_domain
        or (first.address.rpartition("@")[2].lower() if first else "mailbot.invalid"),
        templates_dir=_path(top.templates_dir, base_dir),
        fields_file=_path(top.fields_file, base_dir),
        forms_dir=_path(top.forms_dir, base_dir),
        log_level=top.log_level,
        retention=retention,
        health=sections["health"],
        source_path=source_path,
        limits=_limits(sections["limits"]),
        authentication=_authentication(sections["authentication"]),
        web=_web(sections["web"], base_dir),
        district_teams=dict(sections["district_teams"]),
        register_columns=_register_columns(sections["register"]),
        signin=build_signin(sections["signin"], lambda text: _path(text, base_dir)),
    )


def parse_settings(raw: dict[str, Any], base_dir: Path, source_path: Path | None = None) -> Settings:
    """Validate a parsed TOML document; raises ConfigError listing every problem found."""
    raw = copy.deepcopy(raw)
    database_url = os.environ.get("MAILBOT_DATABASE_URL")
    if database_url and isinstance(raw.get("mailbot"), dict):
        raw["mailbot"]["database_url"] = database_url
    sections, problems = check_sections(raw)
    problems += _cross_checks(sections, raw, base_dir)
    if problems:
        raise ConfigError(problems)
    return build_settings(sections, base_dir, source_path)


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
