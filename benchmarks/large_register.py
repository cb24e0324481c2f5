"""Make a large register (a million cases by default) for the scale benchmarks; never used by tests.

The shape of a council's register after years of use: every case has its children (a quarter of
families have two), a lead professional, the request that created it, the incoming message with its
ledger row and one document, the reply in the outbox and the audit event; most requests are
finished, a few hundred WPEHS step downs wait for the allocations meeting (what the digest lists),
a few are incomplete, a few review items are open. URNs are 7 digits wide (``[urn] width = 7``).

The schema is the newest migration's (the register is opened with ``Register``), and rows are
written with the fastest bulk path each database has: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Columns the schema does not have are left out, so the same generator fills an older
schema (to measure "before") and a newer one.

    uv run python benchmarks/large_register.py sqlite:////tmp/register-1m.sqlite3 --cases 1000000
    uv run python benchmarks/large_register.py postgresql+psycopg://postgres@127.0.0.1/big --cases 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import inspect  # noqa: E402

from mailbot.domain.facts import Child, Consent, DocumentFacts, LeadProfessional  # noqa: E402
from mailbot.domain.urn import UrnScheme  # noqa: E402
from mailbot.register.database import Register  # noqa: E402

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
    "Zara",
    "Alfie",
]
LAST = [
    "Example",
    "Sample",
    "Kershaw",
    "Ingham",
    "Crompton",
    "Fairclough",
    "Clegg",
    "Begum",
    "Shah",
    "Hughes",
]
DISTRICTS = [
    "Preston",
    "Chorley",
    "Hyndburn",
    "Burnley",
    "Pendle",
    "Lancaster",
    "Wyre",
    "Fylde",
    "Ribble Valley",
]
START = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
#: WPEHS requests still waiting for allocation / still incomplete (the digest's rows).
WAITING, INCOMPLETE = 400, 100
CHUNK = 20_000


def _at(case: int, cases: int) -> datetime:
    """Cases spread evenly over ten years, the newest a week ago."""
    span = (datetime(2026, 11, 20, tzinfo=UTC) - START).total_seconds()
    return START + timedelta(seconds=span * case / cases)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _child_ids(case: int) -> list[int]:
    """Children of a case: ids are dense, every fourth case has a second child."""
    first = case + (case - 1) // 4
    return [first, first + 1] if case % 4 == 0 else [first]


def _child(case: int, child_id: int) -> dict[str, Any]:
    return {
        "id": child_id,
        "case_id": case,
        "name": f"{FIRST[child_id % len(FIRST)]} {LAST[(child_id // 7) % len(LAST)]}-{child_id}",
        "date_of_birth": date(2005 + child_id % 18, 1 + child_id % 12, 1 + child_id % 28),
        "lcs_id": f"LCS{1_000_000 + child_id}" if child_id % 5 else None,
        "postcode": f"PR{1 + child_id % 9} {child_id % 10}AB",
    }


def _state(case: int, cases: int) -> tuple[str, str, str]:
    """(mailbox, type, state): the newest WPEHS requests are the ones still waiting."""
    if case % 10 >= 7:  # 30 % of requests were step downs to WPEHS
        remaining = cases - case
        if remaining < WAITING * 10 // 3:
            return "wpehs", "step_down", "awaiting_allocation"
        if remaining < (WAITING + INCOMPLETE) * 10 // 3:
            return "wpehs", "step_down", "incomplete"
        return "wpehs", "step_down", "allocated"
    return "caf", "urn_request", "done"


def _facts(case: int, children: list[dict[str, Any]]) -> str:
    facts = DocumentFacts(
        file="Assessment.docx",
        kind="assessment",
        children=tuple(Child(c["name"], c["date_of_birth"], c["lcs_id"], c["postcode"]) for c in children),
        lead_professional=LeadProfessional(
            "Sam Worker", "Social Worker", "Lancashire CSC", "sw@lancashire.gov.uk"
        ),
        consent=Consent(True),
        level_of_need=2,
        work_requested="Support with school attendance and routines at home",
        provenance={"children[0].name": "table 1 row 2 cell 2", "consent.given": "paragraph 40"},
    )
    return json.dumps(facts.to_json())


def rows_for(case: int, cases: int, scheme: UrnScheme) -> dict[str, list[dict[str, Any]]]:
    """Every row one case brings, by table."""
    at = _naive(_at(case, cases))
    mailbox, kind, state = _state(case, cases)
    sender = f"sw{case % 5000}@lancashire.gov.uk"
    children = [_child(case, child_id) for child_id in _child_ids(case)]
    sha = hashlib.sha256(str(case).encode()).hexdigest()
    facts = _facts(case, children)
    message_id = f"<mailbot.{sha[:32]}@lancashire.gov.uk>"
    rows: dict[str, list[dict[str, Any]]] = {
        "cases": [
            {
                "id": case,
                "urn": scheme.format(case),
                "status": "open" if case % 10 == 0 or state != "done" else "closed",
                "district": DISTRICTS[case % len(DISTRICTS)],
                "created_at": at,
                "updated_at": at,
            }
        ],
        "children": children,
        "requests": [
            {
                "id": case,
                "mailbox": mailbox,
                "type": kind,
                "state": state,
                "sender": sender,
                "case_id": case,
                "missing": json.dumps(["plan"] if state == "incomplete" else []),
                "facts": json.dumps({"bodies": []}),
                "chase_count": 0,
                "last_activity_at": at,
                "last_chased_at": None,
                "meeting_date": None,
                "created_at": at,
                "updated_at": at,
            }
        ],
        "lead_professionals": [
            {
                "id": case,
                "case_id": case,
                "name": f"Lead {LAST[case % len(LAST)]}",
                "role": "Family Support Worker",
                "agency": "Lancashire Family Help",
                "email": f"lead{case % 900}@lancashire.gov.uk",
                "phone": "01772 000000",
                "recorded_at": at,
                "ended_at": None,
                "request_id": case,
            }
        ],
        "messages": [
            {
                "id": case,
                "mailbox": mailbox,
                "direction": "in",
                "message_id": f"<gen{case}@outlook.example.net>",
                "sha256": sha,
                "raw_path": f"raw/{sha[:2]}/{sha}",
                "size": 120_000,
                "state": "processed",
                "request_id": case,
                "sender": sender,
                "automatic": None,
                "error": None,
                "received_at": at,
                "processed_at": at,
            }
        ],
        "source_ledger": [
            {
                "id": case,
                "mailbox": mailbox,
                "folder": "INBOX",
                "uidvalidity": 1,
                "uid": case,
                "message_row_id": case,
                "seen_at": at,
                "done_at": at,
            }
        ],
        "documents": [
            {
                "id": case,
                "message_row_id": case,
                "request_id": case,
                "case_id": case,
                "filename": "Assessment.docx",
                "kind": "assessment",
                "sha256": sha,
                "stored_path": f"documents/{sha[:2]}/{sha}",
                "facts": facts,
                "problems": "[]",
                "created_at": at,
            }
        ],
        "outbox": [
            {
                "id": case,
                "dedupe_key": f"m{case}:urn_issued:",
                "message_id": message_id,
                "mailbox": mailbox,
                "template": "urn_issued",
                "recipients": json.dumps([sender]),
                "to_address": sender,
                "subject": f"URN issued [SD-{case:06d}]",
                "raw": b"From: caf@lancashire.gov.uk\r\nSubject: URN issued\r\n\r\n" + b"x" * 240,
                "state": "sent",
                "attempts": 1,
                "next_attempt_at": at,
                "last_error": None,
                "request_id": case,
                "counterpart": sender,
                "pattern": sha[32:48],
                "created_at": at,
                "sent_at": at,
                "filed_at": at,  # in the Sent folder (newer schemas; what migration 0007 sets for old rows)
            }
        ],
        "events": [
            {
                "id": case,
                "at": at,
                "kind": "decision",
                "request_id": case,
                "case_id": case,
                "message_row_id": case,
                "detail": json.dumps({"request_type": kind, "state": state, "actions": ["IssueUrn", "Send"]}),
            }
        ],
    }
    if state == "allocated":
        rows["allocations"] = [
            {
                "id": case,
                "request_id": case,
                "case_id": case,
                "worker_name": f"Worker {LAST[case % len(LAST)]}",
                "worker_email": f"worker{case % 300}@lancashire.gov.uk",
                "team": DISTRICTS[case % len(DISTRICTS)],
                "source": "email",
                "allocated_at": at,
            }
        ]
    if case % 500 == 0:
        rows["review_items"] = [
            {
                "id": case // 500,
                "reason": "conflicting_facts",
                "detail": "two dates of birth",
                "state": "open" if case > cases - 10_000 else "resolved",
                "request_id": case,
                "message_row_id": case,
                "outbox_id": None,
                "hold_key": None,
                "created_at": at,
                "resolved_at": None if case > cases - 10_000 else at,
                "resolution": None,
            }
        ]
    return rows


TABLE_ORDER = [
    "cases",
    "children",
    "requests",
    "lead_professionals",
    "messages",
    "source_ledger",
    "documents",
    "outbox",
    "events",
    "allocations",
    "review_items",
]


def _chunks(cases: int, scheme: UrnScheme) -> Iterator[dict[str, list[dict[str, Any]]]]:
    for start in range(1, cases + 1, CHUNK):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
        for case in range(start, min(cases, start + CHUNK - 1) + 1):
            for table, rows in rows_for(case, cases, scheme).items():
                batch[table].extend(rows)
        yield batch


def _derived(table: str, row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Columns newer schemas derive from others (filled here only when the schema has them)."""
    if table == "children" and "lcs_id_normalised" in columns:
        row["lcs_id_normalised"] = "".join(row["lcs_id"].split()).upper() if row["lcs_id"] else None
    return row


def _sqlite_writer(register: Register) -> Callable[[str, list[str], list[tuple[Any, ...]]], None]:
    raw = register.engine.raw_connection()
    raw.execute("PRAGMA synchronous=OFF")

    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat(sep=" ", timespec="microseconds")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def write(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(convert(v) for v in row) for row in rows],
        )
        raw.commit()

    return write


def _postgres_writer(register: Register) -> Callable[[str, list[str], list[tuple[Any, ...]]], None]:
    raw = register.engine.raw_connection()

    def write(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()

    return write


def generate(url: str, cases: int) -> None:
    register = Register(url)
    scheme = UrnScheme(width=7)
    inspector = inspect(register.engine)
    columns = {table: [c["name"] for c in inspector.get_columns(table)] for table in TABLE_ORDER}
    write = _sqlite_writer(register) if register.dialect == "sqlite" else _postgres_writer(register)
    started = time.perf_counter()
    for number, batch in enumerate(_chunks(cases, scheme)):
        for table in TABLE_ORDER:
            rows = [_derived(table, row, columns[table]) for row in batch[table]]
            if rows:
                names = [c for c in columns[table] if c in rows[0]]
                write(table, names, [tuple(row[c] for c in names) for row in rows])
        done = min(cases, (number + 1) * CHUNK)
        if done % 100_000 == 0 or done == cases:
            print(f"  {done:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    with register.engine.begin() as connection:
        connection.exec_driver_sql(f"INSERT INTO sequences (name, last_value) VALUES ('urn', {int(cases)})")
        if register.dialect == "postgresql":
            for table in TABLE_ORDER:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    register.close()
    print(f"register of {cases:,} cases written in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty database (a SQLite file is created)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    generate(args.url, args.cases)


if __name__ == "__main__":
    main()
