"""The one place that builds real adapters from config: register, reader, sources, transport, outbox."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mailbot.config import MailboxSettings, Settings, SignInSettings
from mailbot.errors import ConfigError
from mailbot.register.database import Register
from mailbot.register.storage import Storage
from mailbot.rules.decide import Rules
from mailbot.service.mailbox_health import MailboxHealthRecorder
from mailbot.service.message_reading import OpeningRules
from mailbot.service.pipeline import Pipeline
from mailbot.service.reader_pool import DocumentPool
from mailbot.signin.registry import TokenProviders
from mailbot.sources.base import MessageSource
from mailbot.sources.imap import ImapSource
from mailbot.sources.maildir import MaildirSource
from mailbot.templating.templates import TemplateRenderer
from mailbot.transports.base import OutgoingMail, Transport
from mailbot.transports.journal import AcceptedJournal
from mailbot.transports.maildir import MaildirTransport
from mailbot.transports.outbox import OutboxSender
from mailbot.transports.outgoing import Shell
from mailbot.transports.refusals import RefusedRecipientsReview
from mailbot.transports.smtp import RefusedRecipients, SmtpSignIn, SmtpTransport

#: The accepted journal's file in the storage folder, shared by ``mailbot run`` and ``mailbot web``.
ACCEPTED_JOURNAL = "outbox-accepted.log"


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_source(
    mailbox: MailboxSettings,
    ssl_context: ssl.SSLContext | None = None,
    tokens: TokenProviders | None = None,
    on_signed_in: Callable[[], None] | None = None,
    *,
    inspect_only: bool = False,
    spool_dir: Path | None = None,
) -> MessageSource:
    """An IMAP or Maildir source for ``mailbox``, from its config section.

    ``inspect_only`` (``check-connection``): one connection attempt, and no folder is created.
    ``spool_dir`` is where an IMAP source fetches a message too big to hold in memory.
    """
    if mailbox.imap is not None:
        imap = mailbox.imap
        providers = tokens or TokenProviders(SignInSettings())
        return ImapSource(
            mailbox.name,
            imap.host,
            imap.port,
            imap.tls,
            imap.username,
            imap.password(),
            inbox=imap.inbox,
            processed_folder=imap.processed_folder,
            review_folder=imap.review_folder,
            sent_folder=imap.sent_folder,
            poll_interval=imap.poll_interval,
            batch_size=imap.batch_size,
            use_idle=imap.idle,
            ssl_context=ssl_context,
            tokens=providers.for_user(imap.auth, imap.username),
            on_signed_in=on_signed_in,
            connect_attempts=1 if inspect_only else 5,
            create_folders=not inspect_only,
            spool_dir=spool_dir,
        )
    if mailbox.maildir is None:
        raise ConfigError([f"mailboxes.{mailbox.name}: needs an imap or a maildir section"])
    return MaildirSource(mailbox.name, mailbox.maildir.path)


def build_transport(
    settings: Settings,
    ssl_context: ssl.SSLContext | None = None,
    tokens: TokenProviders | None = None,
    on_refused: Callable[[OutgoingMail, RefusedRecipients], None] | None = None,
) -> Transport:
    """The configured transport; ``tokens`` signs in OAuth2 identities (built from the settings when
    not given); ``on_refused`` hears of recipients an SMTP server refused."""
    transport = settings.transport
    if transport.kind == "maildir":
        if transport.maildir is None:
            raise ConfigError(["transport.maildir: missing section [transport.maildir]"])
        return MaildirTransport(transport.maildir)
    smtp = transport.smtp
    if smtp is None:
        raise ConfigError(["transport.smtp: missing section [transport.smtp]"])
    providers = tokens or TokenProviders(settings.signin)
    identities = [
        SmtpSignIn(
            username=identity.username,
            password=identity.password() if identity.auth == "password" else None,
            tokens=providers.for_user(identity.auth, identity.username),
            send_as=identity.send_as,
        )
        for identity in smtp.identities
    ]
    return SmtpTransport(
        smtp.host,
        smtp.port,
        smtp.tls,
        timeout=smtp.timeout,
        ssl_context=ssl_context,
        on_refused=on_refused,
        identities=identities,
    )


def rules_factory(settings: Settings) -> Callable[[datetime], Rules]:
    """Rules for a moment in time (the next allocations meeting depends on the clock)."""
    workflow = settings.workflow

    def rules_for(now: datetime) -> Rules:
        meeting = settings.next_allocations_meeting(now)
        return Rules(
            trusted_domains=settings.trusted_domains,
            requirements=workflow.requirements,
            caf_address=settings.mailbox_by_role("caf").address,
            wpehs_address=settings.mailbox_by_role("wpehs").address,
            untrusted_policy=workflow.untrusted_policy,
            limits=settings.limits.reply_limits,
            require_authentication=settings.authentication.require_results,
            next_allocation_meeting=meeting.date(),
            urn_scheme=settings.urn,
            taf_minutes_within_days=7 * workflow.taf_minutes_within_weeks,
            no_lead_professional_team=workflow.no_lead_professional_team,
            district_teams=settings.district_teams,
            districts=settings.districts,
            allocators=frozenset(workflow.allocators),
            console_allocator_days=workflow.console_allocator_days,
        )

    return rules_for


@dataclass
class App:
    """Everything a running mailbot needs, built from one Settings."""

    settings: Settings
    register: Register
    shell: Shell
    pipeline: Pipeline
    reader: DocumentPool
    transport: Transport
    sources: dict[str, MessageSource] = field(default_factory=dict)
    outbox: OutboxSender | None = None
    now: Callable[[], datetime] = utc_now
    health: MailboxHealthRecorder | None = None

    def close(self) -> None:
        self.reader.close()
        for source in self.sources.values():
            source.close()
        if self.outbox is not None:
            self.outbox.close()
        self.transport.close()
        self.register.close()


def build_app(
    settings: Settings,
    *,
    now: Callable[[], datetime] = utc_now,
    ssl_context: ssl.SSLContext | None = None,
    with_sources: bool = True,
) -> App:
    """Wire real adapters from ``settings`` (nothing here is a fake: tests pass real servers' config)."""
    register = Register(settings.database_url)
    storage = Storage(settings.storage_dir)
    shell = Shell(settings=settings, renderer=TemplateRenderer(settings.templates_dir), storage=storage)
    # The workers open each stored message (parse, store its attachments) as well as read its files,
    # so they need the storage folder and what tells automatic mail apart.
    reader = DocumentPool(
        settings.documents,
        settings.fields_file,
        settings.urn,
        storage_root=storage.root,
        opening=OpeningRules(settings.own_addresses, settings.message_id_domain, settings.urn),
        forms_dir=settings.forms_dir,
    )
    pipeline = Pipeline(register, shell, reader, now, rules_factory(settings))
    tokens = TokenProviders(settings.signin)
    transport = build_transport(
        settings, ssl_context, tokens, on_refused=RefusedRecipientsReview(register, now)
    )
    health = MailboxHealthRecorder(register, now)
    sources = (
        {
            name: build_source(
                mailbox, ssl_context, tokens, _signed_in(health, name), spool_dir=storage.root / "spool"
            )
            for name, mailbox in settings.mailboxes.items()
        }
        if with_sources
        else {}
    )
    # The outbox files and looks up Sent copies on connections of its own (opened when first used):
    # a mailbox runner may be in IDLE on its connection while the outbox thread files a reply.
    sent_folders = {
        name: build_source(mailbox, ssl_context, tokens) for name, mailbox in settings.mailboxes.items()
    }
    outbox = OutboxSender(
        register,
        transport,
        sent_folders,
        {name: mailbox.address for name, mailbox in settings.mailboxes.items()},
        max_attempts=settings.transport.max_attempts,
        retry_base_seconds=settings.transport.retry_base_seconds,
        lease_seconds=settings.transport.claim_lease_seconds,
        journal=AcceptedJournal(settings.storage_dir / ACCEPTED_JOURNAL),
        now=now,
    )
    return App(settings, register, shell, pipeline, reader, transport, sources, outbox, now, health)


def _signed_in(health: MailboxHealthRecorder, mailbox: str) -> Callable[[], None]:
    return lambda: health.signed_in(mailbox)
