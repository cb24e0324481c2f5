"""Is mailbot healthy? One answer for ``mailbot status``, ``/healthz``, ``/metrics`` and the watchdog.

``judge`` is pure: figures and thresholds in, named checks out. ``check_health`` is the shell that
reads the figures (aggregate queries) and turns an unreachable database into a failed check.

Each check says whether a restart could cure it (``live``): rows stuck ``received`` or ``sending``
mean mailbot's own loops are wedged (a restart reprocesses and recovers them), and an unreachable
database stops everything; a failed row or an email waiting on a down SMTP server is for a person,
and restarting would only loop. The systemd watchdog is fed only while every ``live`` check passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mailbot.config import HealthSection, Settings
from mailbot.errors import RegisterUnavailableError
from mailbot.register.database import Register, unreachable
from mailbot.register.health import RegisterFigures, mailbox_health, read_figures
from mailbot.register.urn_sequence import urns_remaining
from mailbot.service.mailbox_health import failing_mailboxes


@dataclass(frozen=True)
class Check:
    """One named health check: passed or not, why, and whether a restart could cure it."""

    name: str
    ok: bool
    detail: str
    live: bool = False


@dataclass(frozen=True)
class Health:
    checks: tuple[Check, ...]
    figures: RegisterFigures | None = None
    database_error: str | None = None

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def live(self) -> bool:
        """False when a restart could cure a failing check (the watchdog then stops being fed)."""
        return all(check.ok for check in self.checks if check.live)

    def to_json(self) -> dict[str, Any]:
        """The shape ``status --format json`` and ``/healthz`` print; the flat counts stay for scripts."""
        document: dict[str, Any] = {
            "healthy": self.healthy,
            "checks": [asdict(check) for check in self.checks],
        }
        figures = self.figures
        if figures is not None:
            document.update(
                messages_waiting=figures.messages.get("received", 0),
                oldest_waiting_seconds=int(figures.oldest_received_seconds),
                messages_failed=figures.messages.get("failed", 0),
                outbox_pending=figures.outbox.get("pending", 0),
                outbox_sending=figures.outbox.get("sending", 0),
                outbox_failed=figures.outbox.get("failed", 0),
                failures_unresolved=figures.failures_open,
                review_open=figures.review_open,
                requests_by_state=dict(figures.requests),
            )
        return document


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _age_check(name: str, noun: str, count: int, oldest: float, limit_minutes: float, live: bool) -> Check:
    """Failing when the oldest of ``count`` rows in a waiting state is older than the limit."""
    if count and oldest > limit_minutes * 60:
        detail = f"{count} {noun}, the oldest for {_minutes(oldest)} (limit {limit_minutes:g} min)"
        return Check(name, False, detail, live)
    return Check(
        name, True, f"{count} {noun}" + (f", the oldest for {_minutes(oldest)}" if count else ""), live
    )


def judge(figures: RegisterFigures, limits: HealthSection) -> tuple[Check, ...]:
    """The register's checks from its figures (pure: no clock, no database)."""
    failed_ok = (
        figures.failures_open == 0 or figures.oldest_failure_open_seconds < limits.failed_max_minutes * 60
    )
    return (
        Check("database", True, "the register answers", live=True),
        _age_check(
            "received",
            "message(s) waiting to be processed",
            figures.messages.get("received", 0),
            figures.oldest_received_seconds,
            limits.received_max_minutes,
            live=True,
        ),
        _age_check(
            "sending",
            "email(s) being sent",
            figures.outbox.get("sending", 0),
            figures.oldest_sending_seconds,
            limits.sending_max_minutes,
            live=True,
        ),
        _age_check(
            "pending",
            "email(s) waiting to be sent",
            figures.outbox.get("pending", 0),
            figures.oldest_pending_seconds,
            limits.pending_max_minutes,
            live=False,
        ),
        Check(
            "failed",
            failed_ok,
            f"{figures.failures_open} failed message(s) or email(s) with an open review item"
            + ("" if failed_ok else f", oldest {_minutes(figures.oldest_failure_open_seconds)}"),
        ),
    )


def judge_mailboxes(
    rows: Mapping[str, Mapping[str, Any]], names: Iterable[str], now: datetime, limit_minutes: float
) -> tuple[Check, ...]:
    """One check per configured mailbox that has a connection record (pure: rows and ``now`` in).

    A mailbox fails once it has failed to connect or sign in for ``limit_minutes`` with no success
    since; before that it passes with its error shown. No row yet (the daemon has not tried it) means
    nothing true can be said, so no check is made rather than a false "ok". ``live`` is False: a
    restart does not mend a refused sign-in or an unreachable server.
    """
    failing = set(failing_mailboxes(rows, now, limit_minutes * 60))
    checks = []
    for name in names:
        row = rows.get(name)
        if row is None:
            continue
        since = row.get("failing_since")
        if since:
            age = max(0.0, (now - datetime.fromisoformat(since)).total_seconds())
            detail = (
                f"failing to connect since {since}, for {_minutes(age)} (limit {limit_minutes:g} min); "
                f"last error: {row.get('last_error') or 'unknown'}"
            )
        else:
            detail = (
                f"last sign-in {row.get('last_signed_in_at') or 'never'}, "
                f"last listened {row.get('last_listened_at') or 'never'}"
            )
        checks.append(Check(f"mailbox_{name}", name not in failing, detail, live=False))
    return tuple(checks)


def mailbox_checks(session: Session, settings: Settings, now: datetime) -> tuple[Check, ...]:
    """Mailbox connection health from the register (``mailbox_health``: one row per mailbox, written
    by the daemon as it signs in, listens and fails), judged against ``[health]
    mailbox_failing_max_minutes``."""
    return judge_mailboxes(
        mailbox_health(session), settings.mailboxes, now, settings.health.mailbox_failing_max_minutes
    )


def urn_capacity(session: Session, settings: Settings) -> Check:
    """Fails when fewer than 1% of the issued format's URNs (at least 100) are left: widen
    ``urn.width`` then. Not ``live``: a restart issues no more numbers."""
    left = urns_remaining(session, settings.urn, settings.urn_next_number)
    if left < max(100, settings.urn.capacity // 100):
        detail = (
            f"only {left} URNs of {settings.urn.width} digits are left; "
            "widen urn.width in the config before they run out"
        )
        return Check("urn_capacity", False, detail)
    return Check("urn_capacity", True, f"{left} URNs left")


def check_health(
    register: Register,
    settings: Settings,
    now: datetime,
    extra: Callable[[Session, Settings, datetime], tuple[Check, ...]] = mailbox_checks,
) -> Health:
    """Read the figures and judge them; an unreachable database is a failed ``database`` check."""
    try:
        with register.transaction() as session:
            figures = read_figures(session, now)
            more = (urn_capacity(session, settings), *extra(session, settings, now))
    except RegisterUnavailableError as error:
        return Health((Check("database", False, str(error), live=True),), database_error=str(error))
    except DBAPIError as error:  # tables missing, permission refused: the register cannot be used
        message = str(unreachable(register.url, error))
        return Health((Check("database", False, message, live=True),), database_error=message)
    return Health((*judge(figures, settings.health), *more), figures)
