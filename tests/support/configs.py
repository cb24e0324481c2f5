"""A config file for CLI tests that need no mail server: Maildir mailboxes and transport, any database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

MAILBOT = [sys.executable, "-m", "mailbot.cli"]

MAILDIR_CONFIG = """
[mailbot]
database_url = "sqlite:///register.sqlite3"
storage_dir = "storage"

[council]
trusted_domains = ["lancashire.gov.uk"]

[mailboxes.caf]
address = "caf@lancashire.gov.uk"
role = "caf"
[mailboxes.caf.maildir]
path = "mail/caf"

[mailboxes.wpehs]
address = "preventionearlyhelp@lancashire.gov.uk"
role = "wpehs"
[mailboxes.wpehs.maildir]
path = "mail/wpehs"

[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"

[workflow]
bank_holiday_region = "ENG"
chase_after_working_days = 3

[retention]
raw_mail_days = 30

[health]
port = 0

[documents]
workers = 1
"""


def write_maildir_config(folder: Path, text: str = MAILDIR_CONFIG) -> Path:
    """Write ``text`` as ``folder/mailbot.toml`` and create the Maildirs it names; returns the path."""
    for box in ("mail/caf", "mail/wpehs", "outgoing"):
        for sub in ("new", "cur", "tmp"):
            (folder / box / sub).mkdir(parents=True, exist_ok=True)
    path = folder / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def environment(database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The process environment for a CLI run, with the register at ``database_url`` when given."""
    values = {
        key: value for key, value in os.environ.items() if key not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")
    }
    if database_url:
        values["MAILBOT_DATABASE_URL"] = database_url
    values.update(extra)
    return values
