"""The daemon's schedules (APScheduler): daily chase-ups, the weekly digest, retention.

Outbox retries need no schedule: the daemon's outbox thread wakes when the next row falls due.

Each job is also a CLI command (``mailbot chase``, ``mailbot digest``), so an operator can run one by
hand; both paths are idempotent through the outbox's dedupe keys.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from mailbot.rules.cadence import is_digest_day
from mailbot.workflow.chase import run_chases
from mailbot.workflow.retention import purge
from mailbot.workflow.weekly_digest import queue_digest

if TYPE_CHECKING:
    from mailbot.service.bootstrap import App
    from mailbot.service.daemon import Runner

log = logging.getLogger(__name__)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def chase_job(app: App) -> None:
    now = app.now()
    run_chases(app.register, app.shell, now.astimezone(app.settings.zone).date(), now)


def digest_job(app: App) -> None:
    """Queue the digest when today is a digest day: the digest weekday on or before an allocations
    meeting (every week, every other week or once a month, as configured)."""
    now = app.now()
    today = now.astimezone(app.settings.zone).date()
    workflow = app.settings.workflow
    if not is_digest_day(today, workflow.allocation_cadence, workflow.digest_weekday):
        log.info("digest skipped: no allocations meeting follows today")
        return
    with app.register.transaction() as session:
        queue_digest(session, app.shell, today, now)


def retention_job(app: App) -> None:
    purge(app.register, app.shell.storage, app.settings.retention, app.now())


def start_scheduler(app: App, runner: Runner) -> BackgroundScheduler:
    """Start the background schedules; returns the scheduler so the caller can shut it down."""
    workflow = app.settings.workflow
    scheduler = BackgroundScheduler(timezone=app.settings.timezone)

    # Chase at 09:00 on weekdays; bank holidays are skipped inside run_chases (no working day passes).
    def chase_then_send() -> None:
        chase_job(app)
        runner.drain_outbox()

    def digest_then_send() -> None:
        digest_job(app)
        runner.drain_outbox()

    scheduler.add_job(
        chase_then_send,
        CronTrigger(day_of_week="mon-fri", hour=9, minute=0, timezone=app.settings.timezone),
        id="chase-ups",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        digest_then_send,
        CronTrigger(
            day_of_week=DAY_NAMES[workflow.digest_weekday],
            hour=workflow.digest_time.hour,
            minute=workflow.digest_time.minute,
            timezone=app.settings.timezone,
        ),
        id="weekly-digest",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,
    )
    retention = app.settings.retention
    if retention.raw_mail_days or retention.sent_mail_days or retention.closed_case_days:
        scheduler.add_job(
            lambda: retention_job(app),
            CronTrigger(hour=2, minute=30, timezone=app.settings.timezone),
            id="retention",
            max_instances=1,
            coalesce=True,
        )
    scheduler.start()
    log.info("scheduler started jobs=%s", len(scheduler.get_jobs()))
    return scheduler
