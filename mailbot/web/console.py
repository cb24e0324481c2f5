"""What every page needs: the register, the shell that queues email, the outbox that sends it, rules.

Built once per console process from the same config as ``mailbot run``. Nothing here is per-person
state: sessions live in signed cookies, so any process behind the load balancer serves any request.
After an action, the outbox is drained from a background task (the rows are claimed, so two console
processes and the service never send one twice); ``mailbot run`` retries whatever is left.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.config import Settings, WebSettings
from mailbot.errors import ConfigError
from mailbot.register.database import Register
from mailbot.register.storage import Storage
from mailbot.rules.decide import Rules
from mailbot.service.bootstrap import ACCEPTED_JOURNAL, build_source, build_transport, rules_factory, utc_now
from mailbot.signin.registry import TokenProviders
from mailbot.templating.templates import TemplateRenderer
from mailbot.transports.journal import AcceptedJournal
from mailbot.transports.outbox import OutboxSender
from mailbot.transports.outgoing import Shell
from mailbot.transports.refusals import RefusedRecipientsReview

log = logging.getLogger(__name__)


@dataclass
class Console:
    """The console's adapters, built from ``settings`` (which must have a ``[web]`` section)."""

    settings: Settings
    register: Register
    shell: Shell
    outbox: OutboxSender | None
    rules_for: Callable[[datetime], Rules]
    now: Callable[[], datetime] = utc_now
    _sending: threading.Lock = field(default_factory=threading.Lock)

    @property
    def web(self) -> WebSettings:
        if self.settings.web is None:
            raise ConfigError(["web: the config has no [web] section"])
        return self.settings.web

    @property
    def undo_window(self) -> timedelta:
        return timedelta(minutes=self.web.undo_minutes)

    def send_now(self) -> None:
        """Drain the outbox (run after a response, in a worker thread); failures stay for the retry."""
        if self.outbox is None:
            return
        with self._sending:
            try:
                result = self.outbox.drain()
                log.info("console drained outbox sent=%s failed=%s", result.sent, result.failed)
            except Exception as error:  # the service's retry job picks up whatever is left
                log.warning("console could not drain the outbox error=%s", type(error).__name__)

    def close(self) -> None:
        if self.outbox is not None:
            self.outbox.transport.close()
            self.outbox.close()
        self.register.close()


def build_console(settings: Settings, *, now: Callable[[], datetime] = utc_now, send: bool = True) -> Console:
    """Wire the console's adapters; ``send`` False leaves sending to ``mailbot run`` alone."""
    if settings.web is None:
        raise ConfigError(["web: the config has no [web] section"])
    register = Register(settings.database_url)
    shell = Shell(
        settings=settings,
        renderer=TemplateRenderer(settings.templates_dir),
        storage=Storage(settings.storage_dir),
    )
    outbox = None
    if send:
        tokens = TokenProviders(settings.signin)  # OAuth2 mailboxes and identities sign in as in ``run``
        sources = {name: build_source(mailbox, tokens=tokens) for name, mailbox in settings.mailboxes.items()}
        # The same claims, lease and accepted journal as ``mailbot run`` (bootstrap): whichever
        # process drains a row, it goes once, and a recipient the server refuses raises a review item.
        outbox = OutboxSender(
            register,
            build_transport(settings, tokens=tokens, on_refused=RefusedRecipientsReview(register, now)),
            sources,
            {name: mailbox.address for name, mailbox in settings.mailboxes.items()},
            max_attempts=settings.transport.max_attempts,
            retry_base_seconds=settings.transport.retry_base_seconds,
            lease_seconds=settings.transport.claim_lease_seconds,
            journal=AcceptedJournal(settings.storage_dir / ACCEPTED_JOURNAL),
            now=now,
        )
    return Console(settings, register, shell, outbox, rules_factory(settings), now)
