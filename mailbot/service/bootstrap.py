"""The one place that builds real adapters from config: register, reader, sources, transport, outbox."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mailbot.config import MailboxSettings, Settings
from mailbot.register.database import Register
from mailbot.register.storage import Storage
from mailbot.rules.decide import Rules
from mailbot.rules.digest import next_allocations_meeting
from mailbot.service.message_reading import OpeningRules
from mailbot.service.pipeline import Pipeline
from mailbot.service.reader_pool import DocumentPool
from mailbot.sources.base import MessageSource
from mailbot.sources.imap import ImapSource
from mailbot.sources.maildir import MaildirSource
from mailbot.templating.templates import TemplateRenderer
from mailbot.transports.base import Transport
from mailbot.transports.maildir import MaildirTransport
from mailbot.transports.outbox import OutboxSender
from mailbot.transports.outgoing import Shell
from mailbot.transports.smtp import SmtpTransport


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_source(
    mailbox: MailboxSettings, ssl_context: ssl.SSLContext | None = None, spool_dir: Path | None = None
) -> MessageSource:
    """An IMAP or Maildir source for ``mailbox``, from its config section. ``spool_dir`` is where an
    IMAP source fetches a message too big to hold in memory."""
    if mailbox.imap is not None:
        imap = mailbox.imap
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
            spool_dir=spool_dir,
        )
    assert mailbox.maildir is not None
    return MaildirSource(mailbox.name, mailbox.maildir.path)


def build_transport(settings: Settings, ssl_context: ssl.SSLContext | None = None) -> Transport:
    transport = settings.transport
    if transport.kind == "maildir":
        assert transport.maildir is not None
        return MaildirTransport(transport.maildir)
    assert transport.smtp is not None
    smtp = transport.smtp
    return SmtpTransport(
        smtp.host,
        smtp.port,
        smtp.tls,
        smtp.username,
        smtp.password(),
        timeout=smtp.timeout,
        ssl_context=ssl_context,
    )


def rules_factory(settings: Settings) -> Callable[[datetime], Rules]:
    """Rules for a moment in time (the next allocations meeting depends on the clock)."""
    workflow = settings.workflow

    def rules_for(now: datetime) -> Rules:
        meeting = next_allocations_meeting(
            now, workflow.allocation_weekday, workflow.allocation_time, settings.timezone
        )
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
    #: the outbox's own connections for filing Sent copies (it sends on its own thread)
    sent_sources: dict[str, MessageSource] = field(default_factory=dict)

    def close(self) -> None:
        self.reader.close()
        for source in [*self.sources.values(), *self.sent_sources.values()]:
            source.close()
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
    reader = DocumentPool(
        settings.documents,
        settings.fields_file,
        settings.urn,
        storage_root=storage.root,
        opening=OpeningRules(settings.own_addresses, settings.message_id_domain, settings.urn),
    )
    pipeline = Pipeline(register, shell, reader, now, rules_factory(settings))
    transport = build_transport(settings, ssl_context)
    sources, sent_sources = {}, {}
    if with_sources:
        for name, mailbox in settings.mailboxes.items():
            sources[name] = build_source(mailbox, ssl_context, storage.root / "spool")
            sent_sources[name] = build_source(mailbox, ssl_context)
    outbox = OutboxSender(
        register,
        transport,
        sent_sources,
        {name: mailbox.address for name, mailbox in settings.mailboxes.items()},
        max_attempts=settings.transport.max_attempts,
        retry_base_seconds=settings.transport.retry_base_seconds,
        now=now,
    )
    return App(settings, register, shell, pipeline, reader, transport, sources, outbox, now, sent_sources)
