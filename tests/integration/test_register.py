"""The register on SQLite and PostgreSQL: migrations, the URN sequence, idempotent intake, constraints."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from support import databases

from mailbot.domain.urn import UrnScheme
from mailbot.errors import UrnSequenceExhaustedError
from mailbot.register.database import Register, upgrade
from mailbot.register.models import Case, Child, Message, Outbox, Request, SourceLedger
from mailbot.register.queries import ViewQuery, build_view
from mailbot.register.storage import Storage
from mailbot.register.urn_sequence import issue_urn, urns_remaining
from mailbot.rules.limits import ReplyCounts
from mailbot.sources.base import SourceMessage
from mailbot.sources.intake import intake

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RAW = b"From: sw.one@lancashire.gov.uk\r\nMessage-ID: <a@b>\r\nSubject: x\r\n\r\nhello\r\n"

EXPECTED_TABLES = {
    "alembic_version",
    "sequences",
    "cases",
    "children",
    "lead_professionals",
    "requests",
    "messages",
    "source_ledger",
    "documents",
    "allocations",
    "outbox",
    "review_items",
    "events",
    "staff",
}


def test_migrations_create_every_table_and_are_idempotent(register_url: str) -> None:
    register = Register(register_url)
    upgrade(register.engine)  # a second run changes nothing
    assert set(inspect(register.engine).get_table_names()) >= EXPECTED_TABLES
    register.close()


def _next_urn(register: Register, scheme: UrnScheme | None = None, next_number: int = 1) -> str:
    with register.transaction() as session:
        return issue_urn(session, scheme or UrnScheme(), next_number)


def test_urn_sequence_never_repeats_under_concurrency(register_url: str) -> None:
    register = Register(register_url)
    _next_urn(register)  # creates the sequence row
    with ThreadPoolExecutor(max_workers=4) as pool:
        urns = list(pool.map(lambda _: _next_urn(register), range(40)))
    assert len(set(urns)) == 40
    assert all(UrnScheme().is_valid(u) for u in urns)
    register.close()


def test_two_instances_continue_the_council_sequence_without_reusing_a_number(
    postgres_admin_url: str,
) -> None:
    """Two mailbot instances (two engines, two connection pools) issue at once on one PostgreSQL register.

    The council's own numbers run to 123455 (next_number 123456, digits only, no check character) and
    an imported case already holds 123460: every URN is new, none is skipped twice, none is reused.
    """
    url = databases.create_database(postgres_admin_url)
    scheme = UrnScheme(prefix="", width=6, check=False)
    first, second = Register(url), Register(url)
    try:
        with first.transaction() as session:
            session.add(Case(urn="123460", status="open", created_at=NOW, updated_at=NOW))
        start = threading.Barrier(2)

        def issue_many(register: Register) -> list[str]:
            start.wait()
            return [_next_urn(register, scheme, 123456) for _ in range(25)]

        with ThreadPoolExecutor(max_workers=2) as pool:
            batches = list(pool.map(issue_many, (first, second)))
        issued = batches[0] + batches[1]
        assert len(issued) == len(set(issued)) == 50
        assert "123460" not in issued
        assert sorted(int(u) for u in issued) == [n for n in range(123456, 123507) if n != 123460]
        assert all(len(u) == 6 for u in issued)
    finally:
        first.close()
        second.close()
        databases.drop_database(postgres_admin_url, url)


def test_issuing_refuses_clearly_when_the_width_is_used_up(register_url: str) -> None:
    register = Register(register_url)
    scheme = UrnScheme(prefix="T", width=3, check=False)
    try:
        assert _next_urn(register, scheme, 998) == "T-998"
        assert _next_urn(register, scheme, 998) == "T-999"
        with register.transaction() as session:
            assert urns_remaining(session, scheme, 998) == 0
        with pytest.raises(UrnSequenceExhaustedError, match=r"widen urn\.width"):
            _next_urn(register, scheme, 998)
    finally:
        register.close()


def test_intake_is_idempotent_on_hash_and_ledger(register_url: str, tmp_path: Path) -> None:
    register = Register(register_url)
    storage = Storage(tmp_path / "storage")
    first = intake(register, storage, SourceMessage("caf", "INBOX", 7, 1, RAW), NOW)
    again = intake(register, storage, SourceMessage("caf", "INBOX", 7, 1, RAW), NOW)
    rebuilt = intake(register, storage, SourceMessage("caf", "INBOX", 8, 1, RAW), NOW)  # new UIDVALIDITY
    assert first.new and not again.new and not rebuilt.new
    assert first.message_row_id == again.message_row_id == rebuilt.message_row_id
    with register.transaction() as session:
        assert session.execute(select(func.count(Message.id))).scalar_one() == 1
        assert session.execute(select(func.count(SourceLedger.id))).scalar_one() == 2
        message = session.execute(select(Message)).scalar_one()
        assert (message.message_id, message.sender, message.state) == (
            "<a@b>",
            "sw.one@lancashire.gov.uk",
            "received",
        )
        assert message.received_at == NOW  # aware UTC round trip on both databases
    register.close()


def test_outbox_dedupe_key_is_unique(register_url: str) -> None:
    register = Register(register_url)
    row = {
        "dedupe_key": "m1:urn_issued:urn",
        "message_id": "<mailbot.x@l>",
        "mailbox": "caf",
        "template": "urn_issued",
        "recipients": ["sw.one@lancashire.gov.uk"],
        "to_address": "sw.one@lancashire.gov.uk",
        "subject": "s",
        "raw": b"x",
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }
    with register.transaction() as session:
        session.add(Outbox(**row))
    with pytest.raises(IntegrityError), register.transaction() as session:
        session.add(Outbox(**{**row, "message_id": "<mailbot.y@l>"}))
    register.close()


def test_view_finds_children_by_lcs_id_and_date_of_birth(register_url: str) -> None:
    from mailbot.domain.facts import Child as ChildFacts

    register = Register(register_url)
    with register.transaction() as session:
        case = Case(urn="LAN-000001-5", status="open", created_at=NOW, updated_at=NOW)
        session.add(case)
        session.flush()
        session.add(
            Child(case_id=case.id, name="Maisie Example", date_of_birth=date(2015, 4, 3), lcs_id="LCS123")
        )
        session.add(
            Request(
                mailbox="caf",
                type="urn_request",
                state="done",
                sender="sw.one@lancashire.gov.uk",
                missing=[],
                facts={},
                chase_count=0,
                last_activity_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    with register.transaction() as session:
        view = build_view(
            session,
            ViewQuery(
                request=None,
                urns=["LAN-000001-5"],
                children=[
                    ChildFacts(lcs_id="lcs123"),
                    ChildFacts(name="Someone", date_of_birth=date(2015, 4, 3)),
                ],
                sender="sw.one@lancashire.gov.uk",
                now=NOW + timedelta(minutes=1),
            ),
        )
    assert list(view.cases) == ["LAN-000001-5"]
    assert {c.urn for c in view.child_candidates} == {"LAN-000001-5"}
    assert view.reply_counts == ReplyCounts()
    register.close()


def test_retention_purges_files_of_finished_requests_only(register_url: str, tmp_path: Path) -> None:
    from mailbot.register.health import read_figures
    from mailbot.workflow.retention import PURGED, purge_raw_mail

    register = Register(register_url)
    storage = Storage(tmp_path / "storage")
    old, recent, open_one = (
        intake(register, storage, SourceMessage("caf", "INBOX", 1, uid, RAW + str(uid).encode()), NOW)
        for uid in (1, 2, 3)
    )
    with register.transaction() as session:
        for result, state, processed in (
            (old, "done", NOW - timedelta(days=400)),
            (recent, "done", NOW - timedelta(days=10)),
            (open_one, "incomplete", NOW - timedelta(days=400)),
        ):
            request = Request(
                mailbox="caf",
                type="urn_request",
                state=state,
                sender="sw.one@lancashire.gov.uk",
                missing=[],
                facts={},
                chase_count=0,
                last_activity_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(request)
            session.flush()
            message = session.get(Message, result.message_row_id)
            assert message is not None
            message.state, message.processed_at, message.request_id = "processed", processed, request.id
    outcome = purge_raw_mail(register, storage, 365, NOW)
    assert (outcome.messages, outcome.files) == (1, 1)
    assert purge_raw_mail(register, storage, 365, NOW).messages == 0  # idempotent
    with register.transaction() as session:
        paths = {row[0]: row[1] for row in session.execute(select(Message.id, Message.raw_path))}
        figures = read_figures(session, NOW)
    assert paths[old.message_row_id] == PURGED
    assert (tmp_path / "storage" / paths[recent.message_row_id]).exists()
    assert (tmp_path / "storage" / paths[open_one.message_row_id]).exists()
    assert "received" not in figures.messages and figures.requests == {"done": 2, "incomplete": 1}
    register.close()
