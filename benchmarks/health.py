"""Health at scale: how long ``mailbot status`` (``read_figures``, the aggregate queries behind it,
``/healthz`` and ``/metrics``) takes on a register of a million messages and a million sent emails.

The register is filled with plain INSERTs (mostly processed messages and sent emails, a few hundred
waiting, sending and failed with open review items), then the figures are read ``--runs`` times and
the median printed. Not a timed test: a figure. PostgreSQL with ``--postgres URL`` (an empty database).

    uv run python benchmarks/health.py --rows 1000000
    uv run python benchmarks/health.py --rows 1000000 --postgres postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from mailbot.register.database import Register  # noqa: E402
from mailbot.register.health import read_figures  # noqa: E402
from mailbot.register.models import Message, Outbox, Request, ReviewItem  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CHUNK = 20_000


def _message(n: int, waiting: int) -> dict[str, object]:
    state = "received" if n < waiting else ("failed" if n < waiting * 2 else "processed")
    return {
        "mailbox": "caf",
        "direction": "in",
        "message_id": f"<m{n}@bench>",
        "sha256": f"{n:064x}",
        "raw_path": f"raw/{n % 256:02x}/{n:064x}",
        "size": 40_000,
        "state": state,
        "received_at": NOW - timedelta(minutes=n % 100_000),
        "processed_at": None if state == "received" else NOW - timedelta(minutes=n % 100_000),
    }


def _outbox(n: int, waiting: int) -> dict[str, object]:
    state = "sending" if n < waiting else ("failed" if n < waiting * 2 else "sent")
    at = NOW - timedelta(minutes=n % 100_000)
    return {
        "dedupe_key": f"k{n}",
        "message_id": f"<mailbot.{n}@bench>",
        "mailbox": "caf",
        "template": "acknowledgement",
        "recipients": ["sw.one@lancashire.gov.uk"],
        "to_address": "sw.one@lancashire.gov.uk",
        "subject": f"URN request received [SD-{n:06d}]",
        "raw": b"x" * 200,
        "state": state,
        "attempts": 1,
        "next_attempt_at": at,
        "created_at": at,
        "sent_at": at if state == "sent" else None,
    }


def fill(register: Register, rows: int, waiting: int) -> None:
    with register.engine.begin() as connection:
        for start in range(0, rows, CHUNK):
            span = range(start, min(rows, start + CHUNK))
            connection.execute(insert(Message), [_message(n, waiting) for n in span])
            connection.execute(insert(Outbox), [_outbox(n, waiting) for n in span])
            connection.execute(
                insert(Request),
                [
                    {
                        "mailbox": "caf",
                        "type": "urn_request",
                        "state": "done" if n % 7 else "incomplete",
                        "sender": "sw.one@lancashire.gov.uk",
                        "missing": [],
                        "facts": {},
                        "chase_count": 0,
                        "last_activity_at": NOW,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in span
                    if n % 10 == 0
                ],
            )
        reviews = [
            {"reason": "send_failed", "detail": "", "state": "open", "outbox_id": n + 1, "created_at": NOW}
            for n in range(waiting, waiting * 2)
        ]
        connection.execute(insert(ReviewItem), reviews)
    # What autovacuum (PostgreSQL) or a long-running register has: statistics and a visibility map.
    with register.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if register.dialect == "postgresql" else "ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="messages (and as many outbox rows)")
    parser.add_argument("--waiting", type=int, default=300, help="rows in each waiting or failed state")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database instead of SQLite")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.postgres or f"sqlite:///{folder}/bench.sqlite3"
        register = Register(url)
        started = time.perf_counter()
        fill(register, options.rows, options.waiting)
        print(
            f"filled {options.rows:,} messages + {options.rows:,} outbox rows in {time.perf_counter() - started:.0f} s"
        )
        timings = []
        for _ in range(options.runs):
            started = time.perf_counter()
            with register.transaction() as session:
                figures = read_figures(session, NOW)
            timings.append(time.perf_counter() - started)
        register.close()
    print(
        f"{register.dialect}: read_figures median {statistics.median(timings) * 1000:.0f} ms over {options.runs} runs"
    )
    print(f"  messages {figures.messages}; outbox {figures.outbox}; failures open {figures.failures_open}")


if __name__ == "__main__":
    main()
