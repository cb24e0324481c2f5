"""The validated configuration as the rest of mailbot reads it: plain frozen values, no parsing here.

``load.py`` builds these from the file after ``sections.py`` has checked it; new sections can be held
here as their pydantic section model (``retention``, ``health``) without a twin dataclass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from mailbot.config.sections import (
    DEFAULT_REQUIREMENTS,
    HealthSection,
    MailboxRole,
    RetentionSection,
    TlsMode,
)
from mailbot.config.signin import AuthMethod, SignInSettings, SmtpIdentity, identity_for
from mailbot.domain.content import DocumentLimits
from mailbot.domain.urn import UrnScheme
from mailbot.rules.cadence import Cadence, next_meeting
from mailbot.rules.limits import ReplyLimits
from mailbot.rules.trust import is_trusted_address


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
        """The IMAP password from the environment (never from the file); empty with OAuth2."""
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
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    #: Who signs in (``mailbot.config.signin``). Empty: an unauthenticated relay, any From goes.
    identities: tuple[SmtpIdentity, ...] = ()
    timeout: float = 30.0

    def identity_for(self, from_address: str) -> SmtpIdentity | None:
        """The identity that may send as ``from_address`` (None if none may, or there are none)."""
        return identity_for(self.identities, from_address)


@dataclass(frozen=True)
class TransportSettings:
    kind: Literal["smtp", "maildir"]
    smtp: SmtpSettings | None = None
    maildir: Path | None = None
    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    #: How long one drain holds an outbox row it is sending; after that any drain may take it over.
    claim_lease_seconds: float = 300.0


@dataclass(frozen=True)
class WorkflowSettings:
    chase_after_working_days: int = 3
    max_chases: int = 2
    allocation_weekday: int = 0  # Monday
    allocation_time: time = time(8, 0)
    digest_weekday: int = 0
    digest_time: time = time(8, 0)
    digest_personal_data: Literal["initials", "none"] = "initials"
    untrusted_policy: Literal["acknowledge", "silent"] = "acknowledge"
    bank_holiday_region: str = "ENG"
    requirements: dict[str, dict[str, list[str]]] = field(default_factory=lambda: dict(DEFAULT_REQUIREMENTS))
    #: Addresses whose replies to the weekly digest may allocate (lower-case); anyone else's reply is
    #: a review item and nothing is sent.
    allocators: tuple[str, ...] = ()
    #: people who signed in to the console within this many days with a role that may allocate are
    #: allocators by email too (their identity provider group); 0 turns this off.
    console_allocator_days: int = 0
    #: per request type: chase after this many working days instead of ``chase_after_working_days``.
    chase_after_by_type: dict[str, int] = field(default_factory=dict)
    allocation_cadence: Cadence = field(default_factory=Cadence)
    #: weeks the new lead professional has to send CAF@ the first TAF minutes (practice guidance: 4).
    taf_minutes_within_weeks: int = 4
    #: who takes a case when no lead professional can be found (CAF link workers); "" means CAF@. They
    #: are also copied into the "TAF minutes overdue" escalation (the practice guidance has them make
    #: sure the first TAF meeting happens).
    no_lead_professional_team: str = ""

    def chase_after(self, request_type: str) -> int:
        """Working days before a request of ``request_type`` is chased."""
        return self.chase_after_by_type.get(request_type, self.chase_after_working_days)


@dataclass(frozen=True)
class LimitSettings:
    """``[limits]``: the reply limits that stop floods and mail loops (``mailbot.rules.limits``)."""

    replies_per_thread_per_day: int = 3
    replies_per_pattern_per_day: int = 3
    replies_per_sender_per_hour: int = 20
    replies_per_sender_per_day: int = 60

    @property
    def reply_limits(self) -> ReplyLimits:
        return ReplyLimits(
            per_thread_per_day=self.replies_per_thread_per_day,
            per_pattern_per_day=self.replies_per_pattern_per_day,
            per_sender_per_hour=self.replies_per_sender_per_hour,
            per_sender_per_day=self.replies_per_sender_per_day,
        )


@dataclass(frozen=True)
class AuthenticationSettings:
    """``[authentication]``: whose ``Authentication-Results`` to believe (see ``AuthenticationSection``)."""

    trusted_authserv_ids: tuple[str, ...] = ()
    exchange_online: bool = False
    require_results: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.trusted_authserv_ids) or self.exchange_online


@dataclass(frozen=True)
class OidcSettings:
    """The council's identity provider, as ``[web.oidc]`` names it (paths made absolute)."""

    issuer: str
    client_id: str
    client_secret_env: str | None = None
    client_certificate: Path | None = None
    scopes: str = "openid profile email"
    groups_claim: str = "groups"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def client_secret(self) -> str | None:
        return os.environ.get(self.client_secret_env) if self.client_secret_env else None


@dataclass(frozen=True)
class WebSettings:
    """``mailbot web``: where it listens, its public address, sessions, sign-in and roles."""

    base_url: str
    session_secret_env: str
    oidc: OidcSettings
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8080
    idle_timeout_minutes: int = 30
    session_max_hours: int = 10
    undo_minutes: int = 180
    assets_dir: Path | None = None
    forwarded_allow_ips: str = "127.0.0.1"

    @property
    def secure(self) -> bool:
        """Cookies are ``Secure`` and HSTS is sent when the console is reached over TLS."""
        return self.base_url.startswith("https://")

    def session_secret(self) -> str:
        return os.environ.get(self.session_secret_env, "")


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
    retention: RetentionSection = field(default_factory=RetentionSection)
    health: HealthSection = field(default_factory=HealthSection)
    source_path: Path | None = None
    limits: LimitSettings = field(default_factory=LimitSettings)
    authentication: AuthenticationSettings = field(default_factory=AuthenticationSettings)
    #: The console's settings; None when the file has no ``[web]`` (the service runs without it).
    web: WebSettings | None = None
    #: district name → the district team's email (meeting-before-allocations alerts go there).
    district_teams: dict[str, str] = field(default_factory=dict)
    #: the register import/export columns: mailbot's field → the council's column name.
    register_columns: dict[str, str] = field(default_factory=dict)
    #: the first number mailbot issues when the register's sequence is behind it (continues the council's).
    urn_next_number: int = 1
    #: ``[signin.*]``: the OAuth2 apps mailboxes and SMTP identities sign in with.
    signin: SignInSettings = field(default_factory=SignInSettings)

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

    def next_allocations_meeting(self, now: datetime) -> datetime:
        """The next allocations meeting strictly after ``now``, on the configured cadence."""
        workflow = self.workflow
        return next_meeting(now, workflow.allocation_cadence, workflow.allocation_time, self.timezone)

    @property
    def own_addresses(self) -> tuple[str, ...]:
        return tuple(m.address.lower() for m in self.mailboxes.values())
