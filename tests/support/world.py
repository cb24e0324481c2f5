"""One real mailbot for one test, with a settable clock, and helpers to send as a social worker and read
what came back (real Dovecot, the SMTP relay, a real register)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

from mailbot.register.export import export_register
from mailbot.service.bootstrap import App
from mailbot.service.daemon import run_once
from support.apps import parsed


class Clock:
    """A settable clock handed to the app, so chase-ups and digests happen on chosen days."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def set(self, day: date, hour: int = 10) -> datetime:
        self.at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)
        return self.at


class World:
    """One app for one test, with helpers to send as a social worker and read what came back."""

    def __init__(self, mail: Any, app: App, clock: Clock) -> None:
        self.mail = mail
        self.app = app
        self.clock = clock

    def send(self, raw: bytes, sender: str, to: str) -> None:
        before = len(self.mail.imap_messages(to))
        self.mail.smtp_send(raw, sender, to)
        self.mail.wait_for(lambda: len(self.mail.imap_messages(to)) > before)

    def run(self) -> None:
        run_once(self.app)

    def inbox(self, user: str, count: int, folder: str = "INBOX") -> list[EmailMessage]:
        """Exactly ``count`` messages in ``user``'s folder (waits for delivery; fails on more)."""
        self.mail.wait_for(lambda: len(self.mail.imap_messages(user, folder)) >= count)
        raws = self.mail.imap_messages(user, folder)
        assert len(raws) == count, [parsed(r)["Subject"] for r in raws]
        return [parsed(r) for r in raws]

    def register(self) -> dict[str, Any]:
        with self.app.register.transaction() as session:
            return export_register(session)

    def query(self, fn: Callable[[Any], Any]) -> Any:
        with self.app.register.transaction() as session:
            return fn(session)

    def drain(self) -> int:
        assert self.app.outbox is not None
        return self.app.outbox.drain().sent


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def attachment_names(message: EmailMessage) -> list[str]:
    return [part.get_filename() or "" for part in message.iter_attachments()]
