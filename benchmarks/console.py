"""Console benchmark: server time of the console's pages and searches with a million cases.

Fills a register (SQLite file by default, or ``--database-url postgresql+psycopg://...``) with
``--cases`` cases (1 to 3 children each, invented names), a few thousand requests, review items and
events, and 200 step downs waiting for allocation. Then it asks the real console application (the
same ``create_app`` that ``mailbot web`` serves; a signed session cookie stands in for the sign-in)
for each page in-process, and times the server's work: the search by URN, by full name, by date of
birth and by LCS id, the case page, the board, the review queue and item, and outbox and health.
It prints the median and the 95th percentile over ``--runs`` requests each with a different target,
and the database's query plan for each search, to show it uses an index.

Not a timed test: a figure. ``uv run python benchmarks/console.py --cases 1000000`` (~2 minutes to
fill on 2 cores; the register is kept in ``--folder`` and reused when run again).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from itsdangerous import TimestampSigner  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from mailbot.config import parse_settings  # noqa: E402
from mailbot.domain.urn import UrnScheme  # noqa: E402
from mailbot.register.models import Case, Child, Event, Request, ReviewItem  # noqa: E402
from mailbot.web.app import create_app  # noqa: E402
from mailbot.web.console import build_console  # noqa: E402

FIRST = [
    "Maisie",
    "Theo",
    "Aria",
    "Jayden",
    "Ruby",
    "Oscar",
    "Isla",
    "Noah",
    "Amelia",
    "Leo",
    "Freya",
    "Alfie",
]
LAST = ["Example", "Sample", "Kershaw", "Ingham", "Crompton", "Fairclough", "Clegg", "Begum", "Shah", "Nowak"]
SECRET = "benchmark-session-secret-0123456789abcdef"
BATCH = 20_000


def settings(folder: Path, database_url: str, width: int) -> Any:
    os.environ["BENCH_SESSION"] = SECRET
    os.environ["BENCH_OIDC"] = "unused"
    raw = {
        "mailbot": {"database_url": database_url, "storage_dir": str(folder / "storage")},
        "council": {"trusted_domains": ["lancashire.gov.uk"]},
        "urn": {"prefix": "LAN", "width": width},
        "mailboxes": {
            "caf": {
                "address": "caf@lancashire.gov.uk",
                "role": "caf",
                "maildir": {"path": str(folder / "caf")},
            },
            "wpehs": {
                "address": "preventionearlyhelp@lancashire.gov.uk",
                "role": "wpehs",
                "maildir": {"path": str(folder / "wpehs")},
            },
        },
        "transport": {"kind": "maildir", "maildir": {"path": str(folder / "out")}},
        "web": {
            "base_url": "http://testserver",
            "session_secret_env": "BENCH_SESSION",
            "oidc": {"issuer": "http://127.0.0.1:9", "client_id": "bench", "client_secret_env": "BENCH_OIDC"},
            "roles": {"administrator": ["admins"]},
        },
    }
    return parse_settings(raw, folder)


def width(cases: int) -> int:
    """URN digits: six up to 999,999 cases, then seven (a council's config says which)."""
    return 6 if cases < 1_000_000 else 7


def fill(console: Any, cases: int, rng: random.Random) -> None:
    """Bulk-insert ``cases`` cases with their children, and the requests, reviews and events."""
    register = console.register
    with register.transaction() as session:
        if session.execute(select(func.count(Case.id))).scalar_one() >= cases:
            session.execute(text("ANALYZE"))
            return
    scheme = UrnScheme("LAN", width(cases))
    now = datetime.now(UTC)
    started = time.perf_counter()
    child_id = 0
    for start in range(1, cases + 1, BATCH):
        case_rows, child_rows = [], []
        for number in range(start, min(start + BATCH, cases + 1)):
            case_rows.append(
                {
                    "id": number,
                    "urn": scheme.format(number),
                    "status": "open",
                    "district": "Preston",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                child_id += 1
                child_rows.append(
                    {
                        "id": child_id,
                        "case_id": number,
                        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}-{rng.randrange(100000)}",
                        "date_of_birth": date(2008, 1, 1) + timedelta(days=rng.randrange(6000)),
                        "lcs_id": f"LCS{child_id:07d}",
                        "postcode": "PR1 2AB",
                    }
                )
        with register.transaction() as session:
            session.execute(insert(Case), case_rows)
            session.execute(insert(Child), child_rows)
    with register.transaction() as session:
        requests = [
            {
                "id": i,
                "mailbox": "wpehs",
                "type": "step_down_wpehs",
                "state": "awaiting_allocation" if i <= 200 else "done",
                "sender": "sw@lancashire.gov.uk",
                "case_id": rng.randrange(1, cases + 1),
                "missing": [],
                "facts": {"bodies": []},
                "chase_count": 0,
                "last_activity_at": now,
                "created_at": now - timedelta(days=rng.randrange(20)),
                "updated_at": now,
            }
            for i in range(1, 5001)
        ]
        session.execute(insert(Request), requests)
        session.execute(
            insert(ReviewItem),
            [
                {
                    "reason": "ambiguous_child_match",
                    "detail": "",
                    "state": "open",
                    "request_id": i,
                    "created_at": now,
                }
                for i in range(201, 301)
            ],
        )
        session.execute(
            insert(Event),
            [
                {"at": now, "kind": "decision", "request_id": r["id"], "case_id": r["case_id"], "detail": {}}
                for r in requests
            ],
        )
    with register.engine.connect() as connection:  # what autovacuum (or sqlite_stat1) would know
        connection.execute(text("ANALYZE"))
        connection.commit()
    print(f"filled {cases} cases, {child_id} children in {time.perf_counter() - started:.0f} s")


def cookie(session: dict[str, Any]) -> str:
    payload = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(SECRET).sign(payload).decode()


def measure(client: TestClient, paths: list[str]) -> tuple[float, float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def plans(console: Any) -> None:
    sqlite = console.register.dialect == "sqlite"
    explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    queries = {
        "URN": "SELECT id FROM cases WHERE urn = 'LAN-0000001-X'",
        "name": "SELECT id FROM children WHERE lower(name) = 'maisie example-1'",
        "date of birth": "SELECT id FROM children WHERE date_of_birth = '2012-01-01'",
        "LCS id": "SELECT id FROM children WHERE upper(lcs_id) = 'LCS0000001'",
    }
    with console.register.engine.connect() as connection:
        for label, sql in queries.items():
            rows = connection.execute(text(explain + sql)).all()
            print(f"  plan for {label}: {' | '.join(str(r[-1]) for r in rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "mailbot-console-bench")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{args.folder / f'register-{args.cases}.sqlite3'}"
    console = build_console(settings(args.folder, url, width(args.cases)), send=False)
    rng = random.Random(7)
    fill(console, args.cases, rng)
    client = TestClient(create_app(console))
    now = int(time.time())
    session = {
        "user": {
            "sub": "b",
            "name": "Bench",
            "email": "b@lancashire.gov.uk",
            "roles": ["administrator"],
            "seen": now,
            "since": now,
        }
    }
    client.cookies.set("mailbot_console", cookie(session))
    with console.register.transaction() as db:
        children = db.execute(
            select(Child.name, Child.date_of_birth, Child.lcs_id, Case.urn)
            .join(Case)
            .where(Child.id.in_(rng.sample(range(1, args.cases), args.runs)))
        ).all()
    pages = {
        "search by URN": [f"/search?q={c.urn}" for c in children],
        "search by name": [f"/search?q={c.name.replace(' ', '+')}" for c in children],
        "search by date of birth": [f"/search?q={c.date_of_birth:%d/%m/%Y}" for c in children],
        "search by LCS id": [f"/search?q={c.lcs_id}" for c in children],
        "case page": [f"/cases/{c.urn}" for c in children],
        "allocation board (200 waiting)": ["/board"] * min(args.runs, 10),
        "review queue (100 open)": ["/review"] * args.runs,
        "review item": [f"/review/{i}" for i in range(1, min(args.runs, 100) + 1)],
        "outbox and health": ["/health"] * args.runs,
        "subject access search": [
            f"/subject-access?name={c.name.replace(' ', '+')}&dob={c.date_of_birth:%d/%m/%Y}"
            for c in children
        ],
    }
    print(f"register: {console.register.dialect}, {args.cases} cases; server time per request (ms)")
    print(f"{'page':34} {'median':>8} {'p95':>8}")
    for label, paths in pages.items():
        median, p95 = measure(client, paths)
        print(f"{label:34} {median:8.1f} {p95:8.1f}")
    plans(console)
    console.close()


if __name__ == "__main__":
    main()
