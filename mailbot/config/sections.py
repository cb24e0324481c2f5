"""The config file's schema: one pydantic model per ``[section]``, and ``ConfigFile`` listing them all.

To add a section: write a ``Section`` subclass here (its keys, types and defaults, with a comment per
key in ``config/mailbot.example.toml``), add a field for it to ``ConfigFile``, and read it in
``load.build_settings``. Unknown keys, wrong types and out-of-range values are then reported with
their dotted path by ``check-config`` without further code. The console's ``[web]`` tables are in
``web.py``, beside this module.
"""

from __future__ import annotations

import warnings
from datetime import time
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from mailbot.config.casework import CaseworkWorkflowKeys, DistrictTeams, RegisterSection, UrnSection
from mailbot.config.checks import (
    BankHolidayRegion,
    ClockTime,
    Days,
    EmailAddress,
    LoopbackHost,
    PasswordEnv,
    Port,
    PortOrOff,
    PositiveFloat,
    PositiveInt,
    Section,
    TimeZoneName,
    field_problem,
    is_loopback,
    problem,
    problems,
)
from mailbot.config.signin import AuthMethod, SignInSection, SmtpIdentitySection, password_keys_problem
from mailbot.config.web import WebSection
from mailbot.domain.content import DocumentLimits
from mailbot.rules.limits import ReplyLimits
from mailbot.rules.requirements import (
    KNOWN_DOCUMENT_REQUIREMENTS,
    KNOWN_FACT_REQUIREMENTS,
    LANCASHIRE_REQUIREMENTS,
)
from mailbot.rules.trust import domain_pattern_problem

TlsMode = Literal["implicit", "starttls", "none"]
MailboxRole = Literal["caf", "wpehs"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)

#: What each request type needs before it is complete (Lancashire's); a council may change these in config.
DEFAULT_REQUIREMENTS = LANCASHIRE_REQUIREMENTS
_DOCUMENT_DEFAULTS = DocumentLimits()
_LIMIT_DEFAULTS = ReplyLimits()


def _items_of(known: frozenset[str]) -> AfterValidator:
    def check(items: list[str]) -> list[str]:
        if any(item not in known for item in items):
            raise problem(f"each item must be one of {', '.join(sorted(known))}")
        return items

    return AfterValidator(check)


def _database_url(url: str) -> str:
    if not url.startswith(("sqlite", "postgresql")):
        raise problem("only sqlite:/// and postgresql+psycopg:// URLs are supported")
    return url


def _some_domains(domains: list[str]) -> list[str]:
    if not domains:
        raise problem("list at least one domain (personal data only goes there)")
    found = [(entry, domain_pattern_problem(entry)) for entry in domains]
    if any(why for _entry, why in found):
        raise problems([f"{entry!r} {why}" for entry, why in found if why])
    return domains


def _workers(count: int) -> int:
    if count < 0:
        raise problem(f"must be 0 (one per CPU core) or more; got {count}")
    return count


class MailbotSection(Section):
    """``[mailbot]``: where the register and the stored mail live, time zone, logging."""

    timezone: TimeZoneName = "Europe/London"
    database_url: Annotated[str, AfterValidator(_database_url)] = "sqlite:///var/mailbot.sqlite3"
    storage_dir: str = "var/storage"
    message_id_domain: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    templates_dir: str = ""
    fields_file: str = ""
    #: forms taught with ``mailbot forms learn``: one JSON file per form (README, "Learned forms").
    forms_dir: str = ""
    #: Before ``[retention]`` existed: the same as ``retention.raw_mail_days`` (still accepted).
    retention_days: Days | None = None


class CouncilSection(Section):
    """``[council]``: the council's name and the domains personal data may be sent to.

    A trusted domain covers its subdomains too; ``*.lancs.sch.uk`` covers only the subdomains
    (``mailbot.rules.trust``).
    """

    name: str = "Lancashire County Council"
    trusted_domains: Annotated[list[str], AfterValidator(_some_domains)] = Field(
        default_factory=list, validate_default=True
    )


class ImapSection(Section):
    """``[mailboxes.NAME.imap]``: reading a shared mailbox over IMAP."""

    host: str
    port: Port | None = None
    tls: TlsMode = "implicit"
    username: str
    #: "password" (with ``password_env``), or OAuth2 from ``[signin.microsoft]`` / ``[signin.google]``.
    auth: AuthMethod = "password"
    password_env: PasswordEnv | None = None
    inbox: str = "INBOX"
    processed_folder: str = "Processed"
    review_folder: str = "Review"
    #: None: the folder the server marks ``\Sent`` (RFC 6154 SPECIAL-USE), else "Sent".
    sent_folder: str | None = None
    poll_interval: PositiveFloat = 60.0
    idle: bool = True
    batch_size: PositiveInt = 50

    @model_validator(mode="after")
    def _clear_text_only_on_loopback(self) -> ImapSection:
        if self.tls == "none" and not is_loopback(self.host):
            raise field_problem("tls", "'none' sends the password in clear; only allowed for loopback hosts")
        if (wrong := password_keys_problem(self.auth, self.password_env)) is not None:
            raise wrong
        return self


class MaildirSection(Section):
    """``[mailboxes.NAME.maildir]`` or ``[transport.maildir]``: a Maildir folder on disk."""

    path: str


class MailboxSection(Section):
    """``[mailboxes.NAME]``: one watched shared mailbox (CAF@ or preventionearlyhelp@)."""

    address: EmailAddress
    role: MailboxRole
    team_name: str | None = None
    imap: ImapSection | None = None
    maildir: MaildirSection | None = None

    @model_validator(mode="after")
    def _one_way_of_reading(self) -> MailboxSection:
        if self.imap is None and self.maildir is None:
            raise problem("needs an [<here>.imap] or [<here>.maildir] section")
        if self.imap is not None and self.maildir is not None:
            raise problem("has both imap and maildir; choose one")
        return self


class SmtpSection(Section):
    """``[transport.smtp]``: the SMTP server replies are handed to."""

    host: str
    port: Port | None = None
    tls: TlsMode = "starttls"
    #: One identity here (``username``, ``auth``, ``send_as``), several in ``identities``, or none (a relay).
    username: str | None = None
    auth: AuthMethod = "password"
    password_env: PasswordEnv | None = None
    send_as: list[EmailAddress] | None = None
    identities: dict[str, SmtpIdentitySection] = Field(default_factory=dict)
    timeout: PositiveFloat = 30.0

    @model_validator(mode="after")
    def _clear_text_only_on_loopback(self) -> SmtpSection:
        if self.tls == "none" and not is_loopback(self.host):
            raise field_problem("tls", "'none' is only allowed for loopback hosts")
        if self.identities and self.username is not None:
            raise field_problem(
                "identities", "give one identity in [transport.smtp] or several here, not both"
            )
        if self.username is not None and self.auth == "password" and self.password_env is None:
            raise field_problem("password_env", "missing (required)")
        return self


class TransportSection(Section):
    """``[transport]``: how outgoing mail leaves (SMTP, or a Maildir folder for a dry run)."""

    kind: Literal["smtp", "maildir"] = "smtp"
    smtp: SmtpSection | None = None
    maildir: MaildirSection | None = None
    max_attempts: PositiveInt = 8
    retry_base_seconds: PositiveFloat = 30.0
    #: How long one drain holds an outbox row it is sending; after that any drain may take it over.
    claim_lease_seconds: PositiveFloat = 300.0

    @classmethod
    def required_tables(cls, table: dict[str, Any]) -> tuple[str, ...]:
        kind = table.get("kind", "smtp")
        return (kind,) if kind in ("smtp", "maildir") else ()


class DocumentsSection(Section):
    """``[documents]``: limits for reading attachments."""

    max_megabytes: PositiveFloat = _DOCUMENT_DEFAULTS.max_bytes / 2**20
    max_pages: PositiveInt = _DOCUMENT_DEFAULTS.max_pages
    timeout_seconds: PositiveFloat = _DOCUMENT_DEFAULTS.timeout_seconds
    max_ocr_pages: PositiveInt = _DOCUMENT_DEFAULTS.max_ocr_pages
    ocr: bool = True
    workers: Annotated[int, AfterValidator(_workers)] = 0


class RequirementRule(Section):
    """``[workflow.requirements.TYPE]``: the documents and facts a request type needs."""

    documents: Annotated[list[str], _items_of(KNOWN_DOCUMENT_REQUIREMENTS)] | None = None
    facts: Annotated[list[str], _items_of(KNOWN_FACT_REQUIREMENTS)] | None = None
    #: chase this request type after this many working days instead of ``chase_after_working_days``.
    chase_after_working_days: PositiveInt | None = None


class RequirementsSection(Section):
    """``[workflow.requirements]``: one table per request type; omitted types keep their defaults."""

    unknown_key_message = "unknown request type; known: {known}"

    urn_request: RequirementRule | None = None
    new_lead_professional: RequirementRule | None = None
    taf_minutes: RequirementRule | None = None
    step_down_wpehs: RequirementRule | None = None
    meeting_representation: RequirementRule | None = None
    no_lead_professional: RequirementRule | None = None


def _email_addresses(addresses: list[str]) -> list[str]:
    bad = [address for address in addresses if "@" not in address]
    if bad:
        raise problem(f"each item must be an email address; got {bad[0]!r}")
    return [address.strip().lower() for address in addresses]


def _replaced_by(message: str) -> BeforeValidator:
    """A removed key: whatever value it has, the operator is told ``message`` (what to write instead)."""

    def refuse(_value: Any) -> None:
        raise problem(message)

    return BeforeValidator(refuse)


class WorkflowSection(CaseworkWorkflowKeys):
    """``[workflow]``: chase-ups, the allocations meeting and digest, who may allocate, requirements."""

    chase_after_working_days: PositiveInt = 3
    max_chases: PositiveInt = 2
    bank_holiday_region: BankHolidayRegion = "ENG"
    allocation_weekday: Weekday = "monday"
    allocation_time: ClockTime = time(10, 0)
    digest_weekday: Weekday = "monday"
    digest_time: ClockTime = time(8, 0)
    digest_personal_data: Literal["initials", "none"] = "initials"
    untrusted_policy: Literal["acknowledge", "silent"] = "acknowledge"
    requirements: RequirementsSection = RequirementsSection()
    #: Addresses whose replies to the weekly digest may allocate; anyone else's reply is a review item.
    allocators: Annotated[list[str], AfterValidator(_email_addresses)] = Field(default_factory=list)
    #: Also allocators by email: people who signed in to the console within this many days holding a
    #: role that may allocate (from the identity provider's groups). 0: only ``allocators``.
    console_allocator_days: Days = 0
    #: Replaced by ``[limits]``; still recognised so an old config is told what to write instead.
    auto_replies_per_sender_per_hour: Annotated[
        None,
        _replaced_by(
            "replaced by [limits] (per thread and per repeated message, so busy people are always "
            "answered); use limits.replies_per_sender_per_hour for the flood breaker"
        ),
    ] = Field(default=None, deprecated="replaced by [limits]")


class LimitsSection(Section):
    """``[limits]``: the reply limits that stop floods and mail loops (``mailbot.rules.limits``).

    Replies, chase-ups and escalations all count. Per thread and per repeated pattern, not per
    person; the per-sender numbers are a flood breaker far above what a busy social worker sends.
    """

    replies_per_thread_per_day: PositiveInt = _LIMIT_DEFAULTS.per_thread_per_day
    replies_per_pattern_per_day: PositiveInt = _LIMIT_DEFAULTS.per_pattern_per_day
    replies_per_sender_per_hour: PositiveInt = _LIMIT_DEFAULTS.per_sender_per_hour
    replies_per_sender_per_day: PositiveInt = _LIMIT_DEFAULTS.per_sender_per_day


def _server_names(ids: list[str]) -> list[str]:
    if any(not name.strip() or " " in name.strip() for name in ids):
        raise problem("each must be a server name such as mx.example.gov.uk")
    return [name.strip().lower() for name in ids]


class AuthenticationSection(Section):
    """``[authentication]``: whose ``Authentication-Results`` to believe (``mailbot.mail.authresults``).

    ``trusted_authserv_ids`` are the council's own servers' ids; headers with any other id are ignored
    as forged. ``exchange_online`` reads Exchange Online's id-less header and its
    ``X-MS-Exchange-Organization-AuthAs: Internal``. ``require_results`` makes trusted-domain mail with
    no verdict from those servers untrusted (a failed verdict always is).
    """

    trusted_authserv_ids: Annotated[list[str], AfterValidator(_server_names)] = Field(default_factory=list)
    exchange_online: bool = False
    require_results: bool = False

    @model_validator(mode="after")
    def _results_need_a_server(self) -> AuthenticationSection:
        if self.require_results and not (self.trusted_authserv_ids or self.exchange_online):
            raise field_problem(
                "require_results",
                "needs trusted_authserv_ids or exchange_online = true, or every message would be untrusted",
            )
        return self


class RetentionSection(Section):
    """``[retention]``: how long personal data is kept, in days (0 = for ever)."""

    #: Raw incoming emails, their attachments and what was read from them, once the request is finished.
    raw_mail_days: Days = 0
    #: Bodies and attachments of sent emails, counted from sending; the headers are kept.
    sent_mail_days: Days = 0
    #: A case's children's details and facts, counted from when its last request finished.
    closed_case_days: Days = 0


class HealthSection(Section):
    """``[health]``: the daemon's HTTP health endpoint and when the register counts as unhealthy."""

    listen: LoopbackHost = "127.0.0.1"
    #: ``/healthz`` (JSON) and ``/metrics`` (Prometheus) on this port; 0 = no endpoint.
    port: PortOrOff = 0
    received_max_minutes: PositiveFloat = 30.0
    sending_max_minutes: PositiveFloat = 15.0
    pending_max_minutes: PositiveFloat = 60.0
    #: A failed message or email whose review item has been open this long makes the service unhealthy.
    failed_max_minutes: Annotated[float, Field(ge=0)] = 0.0
    #: A mailbox that has failed to connect or sign in this long (no success since) is unhealthy.
    mailbox_failing_max_minutes: PositiveFloat = 15.0


# ``[register]`` is a section name; the field shadows ``ABCMeta.register`` on the class only, which
# nothing calls on a config model.
warnings.filterwarnings("ignore", message='Field name "register" in "ConfigFile"', category=UserWarning)


class ConfigFile(Section):
    """The whole file: each field is one top-level table; fields without a default must be present."""

    mailbot: MailbotSection
    council: CouncilSection
    urn: UrnSection = UrnSection()
    mailboxes: dict[str, MailboxSection]
    transport: TransportSection
    signin: SignInSection = SignInSection()
    documents: DocumentsSection = DocumentsSection()
    workflow: WorkflowSection = WorkflowSection()
    limits: LimitsSection = LimitsSection()
    authentication: AuthenticationSection = AuthenticationSection()
    retention: RetentionSection = RetentionSection()
    health: HealthSection = HealthSection()
    #: Optional: absent, the service runs without the console.
    web: WebSection | None = None
    districts: dict[str, str] = Field(default_factory=dict)
    district_teams: DistrictTeams = Field(default_factory=dict)
    register: RegisterSection = RegisterSection()
