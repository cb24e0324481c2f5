"""The register grown large, on SQLite and PostgreSQL: the export streams page by page and says exactly
what the whole register says. (URNs running out: ``test_seed_steps.py`` and ``test_health.py``.)"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from mailbot.domain.urn import UrnScheme
from mailbot.register.database import Register
from mailbot.register.export import PAGE, case_record, export_register, write_csv, write_json
from mailbot.register.models import Case, Child, LeadProfessional

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _fill(register: Register, cases: int) -> None:
    """``cases`` cases: every third with two children, every fifth with an ended lead professional."""
    with register.transaction() as session:
        for n in range(1, cases + 1):
            case = Case(
                urn=UrnScheme(width=6).format(n), status="open", district=None, created_at=NOW, updated_at=NOW
            )
            case.children = [
                Child(
                    name=f"Child {n}-{k}",
                    date_of_birth=date(2015, 1, 1 + k),
                    lcs_id=f"LCS{n}-{k}",
                    postcode=None,
                )
                for k in range(2 if n % 3 == 0 else 1 if n % 7 else 0)
            ]
            session.add(case)
            session.flush()
            if n % 5 == 0:
                session.add(
                    LeadProfessional(
                        case_id=case.id, name=f"Old {n}", recorded_at=NOW - timedelta(days=9), ended_at=NOW
                    )
                )
            if n % 2 == 0:
                session.add(
                    LeadProfessional(case_id=case.id, name=f"Lead {n}", agency="Family Help", recorded_at=NOW)
                )


def test_the_export_streams_page_by_page_and_matches_the_register(register_url: str) -> None:
    register = Register(register_url)
    try:
        _fill(register, 2 * PAGE + 7)
        with register.transaction() as session:
            whole = export_register(session)
            reference = [
                case_record(case) for case in session.execute(select(Case).order_by(Case.id)).scalars()
            ]
            text, table = io.StringIO(), io.StringIO()
            write_json(session, text)
            write_csv(session, table)
        assert whole["cases"] == reference  # paged and bulk-loaded, the same records
        assert text.getvalue() == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
        rows = list(csv.reader(io.StringIO(table.getvalue())))
        expected = sum(max(1, len(case["children"])) for case in reference)
        assert len(rows) == 1 + expected
        assert rows[1][0] == reference[0]["urn"]
        sixth = next(row for row in rows if row[0] == UrnScheme(width=6).format(10))
        assert sixth[7:] == ["Lead 10", "Family Help"]  # the current one, not the ended one
    finally:
        register.close()


def test_the_export_of_an_empty_register_is_the_empty_document(register_url: str) -> None:
    register = Register(register_url)
    try:
        with register.transaction() as session:
            text = io.StringIO()
            write_json(session, text)
            session.execute(update(Case).values(status="open"))  # nothing to change: still valid
        assert json.loads(text.getvalue()) == {"cases": [], "requests": [], "outbox": [], "review": []}
    finally:
        register.close()
