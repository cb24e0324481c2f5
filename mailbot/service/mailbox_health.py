"""Each mailbox's connection health in the register: last sign-in, last listen, last error.

The daemon records as it goes (``MailboxHealthRecorder``); ``service/health.py: mailbox_checks`` reads
the rows (``register/health.py: mailbox_health``) for ``mailbot status``, ``/healthz`` and the console,
and ``failing_mailboxes`` (pure: ``now`` is passed) names those that have failed to connect for too
long. Recording never stops a mailbox loop: a database hiccup here is logged and forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mailbot.errors import RegisterError
from mailbot.register.database import Register
from mailbot.register.health import mailbox_health
from mailbot.register.models import MailboxHealth
from mailbot.signin.explain import redact

__all__ = ["MailboxHealthRecorder", "failing_mailboxes", "mailbox_health"]

log = logging.getLogger(__name__)
ERROR_LIMIT = 1000


class MailboxHealthRecorder:
    """Writes sign-ins, listens and failures per mailbox (one small transaction each)."""

    def __init__(self, register: Register, now: Callable[[], datetime]) -> None:
        self.register = register
        self.now = now

    def signed_in(self, mailbox: str) -> None:
        """A successful sign-in ends any failing period."""
        self._update(mailbox, {"last_signed_in_at": self.now(), "failing_since": None})

    def listened(self, mailbox: str) -> None:
        """The mailbox is being watched (a cycle read it, IDLE or a poll follows): that ends any failing
        period too, so a Maildir mailbox, which never signs in, recovers as well."""
        self._update(mailbox, {"last_listened_at": self.now(), "failing_since": None})

    def failed(self, mailbox: str, error: BaseException | str) -> None:
        """A connection or sign-in failure; the text is scrubbed of tokens before it is kept."""
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        now = self.now()
        self._update(
            mailbox,
            {"last_error": redact(text)[:ERROR_LIMIT], "last_error_at": now},
            failing_since=now,
        )

    def _update(self, mailbox: str, values: Mapping[str, Any], failing_since: datetime | None = None) -> None:
        try:
            with self.register.transaction() as session:
                row = session.get(MailboxHealth, mailbox, with_for_update=True)
                if row is None:
                    row = MailboxHealth(mailbox=mailbox)
                    session.add(row)
                for key, value in values.items():
                    setattr(row, key, value)
                if failing_since is not None and row.failing_since is None:
                    row.failing_since = failing_since
        except (SQLAlchemyError, RegisterError) as error:  # health is advisory: never let it stop a mailbox
            log.warning("mailbox health not recorded mailbox=%s error=%s", mailbox, type(error).__name__)


def failing_mailboxes(
    health: Mapping[str, Mapping[str, Any]], now: datetime, alarm_seconds: float
) -> list[str]:
    """Mailboxes that have failed to connect, without a sign-in since, for more than ``alarm_seconds``."""
    failing = []
    for name, row in health.items():
        since = row.get("failing_since")
        if since and (now - datetime.fromisoformat(since)).total_seconds() >= alarm_seconds:
            failing.append(name)
    return failing
