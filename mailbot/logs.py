"""Structured logging: one JSON line an event, ids only — never names, dates of birth or subjects."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; the message uses lazy ``%s`` arguments with ids only."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: a library's message may quote document text (personal data).
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr (journald/systemd collects them)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries below log document or protocol content at DEBUG/INFO: keep them quiet.
    for noisy in (
        "pdfminer",
        "pdfplumber",
        "imapclient",
        "aiosmtplib",
        "apscheduler",
        "alembic",
        "extract_msg",
        "PIL",
        "msal",  # token requests and responses at DEBUG
        "google.auth",
        "urllib3",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
