"""Exactly-once sending under SIGKILL: ``mailbot run`` killed 6 times over 30 requests, mid-batch too.

Each kill lands at a point drawn from a seeded RNG (``support.kills``): while a reply is in flight on a
connection that already carried others, or while requests are being processed with replies queued.
After every kill the daemon is started again; at the end each request must have exactly one reply at
the SMTP listener, every message and outbox row a final state, and each reply exactly one Sent copy.
The big version (300 requests, 20 kills) is ``benchmarks/kills.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import databases
from support.kills import run_kills

pytestmark = pytest.mark.integration
SEED = 20261125


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_thirty_requests_six_kills_each_answered_exactly_once(
    backend: str, mail: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url, admin = "sqlite:///register.sqlite3", None
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        url = databases.create_database(admin)
    try:
        figures = run_kills(
            mail.dovecot, mail.smtp, tmp_path, url, backend=backend, messages=30, kills=6, seed=SEED
        )
    finally:
        if admin is not None:
            databases.drop_database(admin, url)
    print(figures.summary())
    assert len(figures.kills) == 6
    assert figures.mid_batch_kills >= 1, figures.kills
    assert sorted(figures.replies.values()) == [1] * 30, figures.summary()
    assert (figures.duplicates, figures.lost) == (0, 0)
    assert (figures.unfinished_messages, figures.unsent_rows) == (0, 0)
    assert sorted(figures.sent_copies.values()) == [1] * 30, figures.summary()
