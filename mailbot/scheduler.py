"""The daemon's schedules (APScheduler): outbox retry, chase-ups, the weekly digest."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

if TYPE_CHECKING:
    from mailbot.bootstrap import App
    from mailbot.daemon import Runner

log = logging.getLogger(__name__)


def start_scheduler(app: App, runner: Runner) -> BackgroundScheduler:
    """Start the background schedules; returns the scheduler so the caller can shut it down."""
    scheduler = BackgroundScheduler(timezone=app.settings.timezone)
    scheduler.add_job(
        runner.drain_outbox, "interval", seconds=60, id="outbox-retry", max_instances=1, coalesce=True
    )
    scheduler.start()
    return scheduler
