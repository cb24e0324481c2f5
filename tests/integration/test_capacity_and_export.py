"""The register grown large, on SQLite and PostgreSQL: URNs running out is an operator's warning, not a
failed message; the export streams page by page and says exactly what the whole register says."""

from __future__ import annotations

import csv
import io
import json
import mailbox
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.apps import DOCX, assessment_docx, email

from mailbot.config import parse_settings
from mailbot.domain.urn import UrnScheme
from mailbot.register.database import Register
from mailbot.register.export import PAGE, case_record, export_register, write_csv, write_json
from mailbot.register.models import Case, Child, LeadProfessional, Message, ReviewItem
from mailbot.register.models import Sequence as SequenceRow
from mailbot.register.status import health
from mailbot.service.bootstrap import App, build_app
from mailbot.service.daemon import run_once

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CAF, WPEHS, SW = "caf@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk", "sw.one@lancashire.gov.uk"
SCHEME = UrnScheme(width=4)  # the narrowest width config allows: 9,999 URNs


def _app(url: str, folder: Path) -> App:
    settings = parse_settings(
        {
            "mailbot": {"database_url": url, "storage_dir": "storage"},
            "council": {"trusted_domains": ["lancashire.gov.uk"]},
            "urn": {"prefix": "LAN", "width": 4},
            "mailboxes": {
                "caf": {"address": CAF, "role": "caf", "maildir": {"path": "caf"}},
                "wpehs": {"address": WPEHS, "role": "wpehs", "maildir": {"path": "wpehs"}},
            },
            "transport": {"kind": "maildir", "maildir": {"path": "outgoing"}},
            "documents": {"workers": 1},
        },
        folder,
    )
    return build_app(settings)


def _request(child: tuple[str, str, str], subject: str = "URN request", urn: str | None = None) -> bytes:
    text = "Please can I request a URN. Consent has been given." if urn is None else f"Minutes for {urn}."
    return email(
        f"Sam Worker <{SW}>",
        CAF,
        subject,
        text,
        [("Assessment.docx", DOCX, assessment_docx([child], urn=urn))],
    )


def test_running_out_of_urns_leaves_the_request_waiting_and_status_warns(
    register_url: str, tmp_path: Path
) -> None:
    app = _app(register_url, tmp_path)
    try:
        with app.register.transaction() as session:
            session.add(SequenceRow(name="urn", last_value=9_998))
        inbox = mailbox.Maildir(tmp_path / "caf")
        inbox.add(_request(("Maisie Example", "03/04/2015", "LCS123456")))
        run_once(app)  # the last URN of the width
        inbox.add(_request(("Theo Sample", "05/06/2016", "LCS654321")))  # would need one more
        inbox.add(_request(("Maisie Example", "03/04/2015", "LCS123456")))  # the same child: existing URN
        run_once(app)
        run_once(app)  # tried again: still an operator's matter, still not failed
        with app.register.transaction() as session:
            states = session.execute(select(Message.state).order_by(Message.id)).scalars().all()
            reviews = session.execute(select(ReviewItem.reason)).scalars().all()
            figures = health(session, NOW, SCHEME)
        assert states == ["processed", "received", "processed"]
        assert "processing_failed" not in reviews
        assert figures["urn_issued"] == 9_999 and figures["urn_capacity"] == 9_999
        assert figures["urn_capacity_used_percent"] == 100.0
        assert figures["messages_waiting"] == 1
        assert len(figures["warnings"]) == 1 and "[urn] width" in figures["warnings"][0]
        # The waiting message stays in the inbox until an operator widens the URNs.
        assert len(list(mailbox.Maildir(tmp_path / "caf").iterkeys())) == 1
    finally:
        app.close()


def test_status_warns_from_ninety_percent(register_url: str) -> None:
    register = Register(register_url)
    try:
        with register.transaction() as session:
            session.add(SequenceRow(name="urn", last_value=8_999))
            assert health(session, NOW, SCHEME)["warnings"] == []
            session.execute(update(SequenceRow).values(last_value=9_000))
            assert len(health(session, NOW, SCHEME)["warnings"]) == 1
    finally:
        register.close()


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
