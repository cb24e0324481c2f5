"""Catch every statement mailbot sends to the register, and ask the database how it would run each.

``StatementLog`` records the SELECT, UPDATE and DELETE statements (with their parameters) an engine
executes while real code runs; ``full_scans`` EXPLAINs each one and returns those that read a whole
table of the register. A scan is allowed only over a *partial* index (it holds open work, not the
history) and of tables that stay small whatever the register's size.

Deterministic by construction: on PostgreSQL with ``enable_seqscan = off`` (a sequential scan is
then chosen only when no index can serve the query); on SQLite once without statistics (the planner
then trusts every usable index) and once with the statistics of a register of a million cases
(``MILLION_CASE_STATISTICS``), as a production register that has been analysed would have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

#: Tables whose size grows with the register's history: none of these may be read whole.
HOT_TABLES = frozenset(
    {
        "cases",
        "children",
        "requests",
        "messages",
        "documents",
        "outbox",
        "events",
        "source_ledger",
        "review_items",
        "lead_professionals",
        "allocations",
    }
)
#: Partial indexes: a scan of one reads only open work (see migration 0008).
PARTIAL_INDEXES = frozenset(
    {"ix_messages_waiting", "ix_requests_open_state", "ix_outbox_unsent", "ix_outbox_unfiled"}
)
#: Statements allowed to read a table whole, each with the reason. The health figures (``mailbot
#: status``, ``/healthz``, ``/metrics``) count every row by state, the finished ones included (the
#: metrics are by state): that is one pass over a state index, whatever the open work
#: (``benchmarks/health.py`` measures it at a million rows).
KNOWN_SCANS = (
    "SELECT messages.state, count(messages.id) AS count_1",
    "SELECT outbox.state, count(outbox.id) AS count_1",
    "SELECT requests.state, count(requests.id) AS count_1",
)

#: ``sqlite_stat1`` of a register of a million cases (benchmarks/large_register.py, migrated to the
#: newest schema, then ANALYZE), with the waiting-messages index as a working day leaves it.
MILLION_CASE_STATISTICS = (
    ("allocations", "ix_allocations_case_id", "299499 1"),
    ("allocations", "ix_allocations_request_id", "299499 1"),
    ("cases", "sqlite_autoindex_cases_1", "1000000 1"),
    ("children", "ix_children_case_id", "1250000 2"),
    ("children", "ix_children_date_of_birth", "1250000 4961"),
    ("children", "ix_children_lcs_id_upper", "1250000 2"),
    ("children", "ix_children_name_lower", "1250000 3"),
    ("documents", "ix_documents_case_id", "1000000 1"),
    ("documents", "ix_documents_message_row_id", "1000000 1"),
    ("documents", "ix_documents_request_id", "1000000 1"),
    ("events", "ix_events_case_at", "1000000 2 1"),
    ("events", "ix_events_request_at", "1000000 1 1"),
    ("lead_professionals", "ix_lead_professionals_case_id", "1000000 1"),
    ("messages", "ix_messages_message_id", "1000000 1"),
    ("messages", "ix_messages_request_id", "1000000 1"),
    ("messages", "ix_messages_state", "1000000 1000000"),
    ("messages", "ix_messages_waiting", "12 6 1"),
    ("messages", "sqlite_autoindex_messages_1", "1000000 500000 500000 1"),
    ("outbox", "ix_outbox_counterpart_created_at", "1000000 200 1"),
    ("outbox", "ix_outbox_pattern", "1000000 1"),
    ("outbox", "ix_outbox_unfiled", "12 1"),
    ("outbox", "ix_outbox_unsent", "8 2"),
    ("outbox", "ix_outbox_request_id", "1000000 1"),
    ("outbox", "ix_outbox_state_created_at", "1000000 1000000 1"),
    ("outbox", "ix_outbox_to_address", "1000000 200"),
    ("outbox", "sqlite_autoindex_outbox_1", "1000000 1"),
    ("outbox", "sqlite_autoindex_outbox_2", "1000000 1"),
    ("requests", "ix_requests_case_id", "1000000 1"),
    ("requests", "ix_requests_mailbox_state", "1000000 500000 125000"),
    ("requests", "ix_requests_open_state", "501 251"),
    ("requests", "ix_requests_state", "1000000 250000"),
    ("review_items", "ix_review_items_hold_key", "2000 2000"),
    ("review_items", "ix_review_items_request_id", "2000 1"),
    ("review_items", "ix_review_items_state", "2000 1000"),
    ("source_ledger", "sqlite_autoindex_source_ledger_1", "1000000 500000 500000 500000 1"),
)

_PLANNED = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_SQLITE_SCAN = re.compile(r"\bSCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?")
_POSTGRES_SEQ = re.compile(r"Seq Scan on (\w+)")


@dataclass
class StatementLog:
    """Statements an engine ran (first parameters of each distinct SQL text), while attached."""

    statements: dict[str, Any] = field(default_factory=dict)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._record)

    def detach(self, engine: Engine) -> None:
        event.remove(engine, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if _PLANNED.match(statement) and "alembic_version" not in statement:
            self.statements.setdefault(statement, parameters[0] if many and parameters else parameters)


def load_statistics(engine: Engine) -> None:
    """Give a SQLite register the statistics of a million cases (SQLite reads ``sqlite_stat1``)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        for table, index, stat in MILLION_CASE_STATISTICS:
            connection.exec_driver_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, index, stat)
            )
    engine.dispose()  # new connections read the statistics afresh


def plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The database's plan for ``statement`` with ``parameters``, as text."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        connection.rollback()
        return "\n".join(str(row[0]) for row in rows)


def scanned_tables(dialect: str, text: str) -> list[str]:
    """The hot tables a plan reads whole (a scan of a partial index is not counted)."""
    if dialect == "sqlite":
        return [
            table
            for table, index in _SQLITE_SCAN.findall(text)
            if table in HOT_TABLES and index not in PARTIAL_INDEXES
        ]
    return [table for table in _POSTGRES_SEQ.findall(text) if table in HOT_TABLES]


def full_scans(engine: Engine, log: StatementLog) -> list[str]:
    """Each logged statement whose plan reads a hot table whole, with its plan, for the failure."""
    found = []
    for statement, parameters in log.statements.items():
        if any(known in statement for known in KNOWN_SCANS):
            continue
        text = plan(engine, statement, parameters)
        tables = scanned_tables(engine.dialect.name, text)
        if tables:
            found.append(f"{', '.join(tables)} read whole by:\n{statement}\nplan:\n{text}")
    return found
