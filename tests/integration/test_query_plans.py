"""No statement mailbot sends reads a whole table of the register (SQLite and PostgreSQL).

The real code runs — intake, the pipeline over every route, replies, moves, chase-ups, the digest,
an allocation, ``status``, the streaming export, ``register show`` — against a register on each
database, every SELECT/UPDATE/DELETE it sends is recorded, and each is EXPLAINed. A statement whose
plan reads a table that grows with the register (``support.query_plans.HOT_TABLES``) fails the test,
so a query that would slow down at a million cases is caught with a handful of rows. The check is
deterministic (``support/query_plans.py`` says how) and involves no clock.
"""

from __future__ import annotations

import io
import mailbox
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.apps import DOCX, assessment_docx, email, plan_pdf
from support.query_plans import StatementLog, full_scans, load_statistics

from mailbot.config import parse_settings
from mailbot.domain.facts import Child
from mailbot.register.export import show_case, write_csv, write_json
from mailbot.register.queries import ViewQuery, build_view
from mailbot.service.bootstrap import App, build_app
from mailbot.service.daemon import run_once
from mailbot.service.health import check_health
from mailbot.workflow.allocation import allocate
from mailbot.workflow.chase import run_chases
from mailbot.workflow.weekly_digest import preview_digest, queue_digest

pytestmark = pytest.mark.integration

CAF, WPEHS, SW = "caf@lancashire.gov.uk", "preventionearlyhelp@lancashire.gov.uk", "sw.one@lancashire.gov.uk"
URN1 = "LAN-000001-5"


def _app(url: str, folder: Path) -> App:
    settings = parse_settings(
        {
            "mailbot": {"database_url": url, "storage_dir": "storage"},
            "council": {"trusted_domains": ["lancashire.gov.uk"]},
            "mailboxes": {
                "caf": {"address": CAF, "role": "caf", "maildir": {"path": "caf"}},
                "wpehs": {"address": WPEHS, "role": "wpehs", "maildir": {"path": "wpehs"}},
            },
            "transport": {"kind": "maildir", "maildir": {"path": "outgoing"}},
            "documents": {"workers": 1},
            "districts": {"PR1": "Preston"},
        },
        folder,
    )
    return build_app(settings)


def _deliver(app: App, name: str, raw: bytes) -> None:
    maildir = app.settings.mailboxes[name].maildir
    assert maildir is not None
    mailbox.Maildir(maildir.path).add(raw)


def _request(
    child: tuple[str, str, str],
    *,
    subject: str = "URN request",
    to: str = CAF,
    text: str = "Please can I request a URN. Consent has been given.",
    **kw: Any,
) -> bytes:
    name = child[0]
    files = [
        ("Assessment.docx", DOCX, assessment_docx([child], **kw)),
        ("Plan.pdf", "application/pdf", plan_pdf(name)),
    ]
    return email(f"Sam Worker <{SW}>", to, subject, text, files)


def _exercise(app: App) -> None:
    """Every route and job once, so every statement mailbot sends is sent."""
    now = app.now()
    _deliver(app, "caf", _request(("Maisie Example", "03/04/2015", "LCS123456")))
    _deliver(app, "caf", _request(("Maisie Example", "03/04/2015", "lcs123456 ")))  # the same child
    _deliver(app, "caf", _request(("Theo Sample", "05/06/2016", ""), consent=False))  # incomplete
    run_once(app)
    _deliver(
        app,
        "wpehs",
        _request(
            ("Maisie Example", "03/04/2015", "LCS123456"),
            subject=f"Step down {URN1}",
            to=WPEHS,
            text=f"Please step down URN {URN1}.\n\nThe work requested is weekly family support and school attendance support.",
            urn=URN1,
        ),
    )
    run_once(app)
    later = now + timedelta(days=30)
    run_chases(app.register, app.shell, later.date(), later)
    with app.register.transaction() as session:
        preview_digest(session, app.shell, date(2026, 11, 30), now)
        queue_digest(session, app.shell, now.date(), now)
        build_view(
            session,
            ViewQuery(
                request=None,
                urns=[URN1],
                children=[Child("Maisie Example", date(2015, 4, 3), "lcs123456", None)],
                sender=SW,
                now=now,
                urn_scheme=app.settings.urn,
                pattern="0123456789abcdef",
            ),
        )
        write_json(session, io.StringIO())
        write_csv(session, io.StringIO())
        show_case(session, URN1)
    with app.register.transaction() as session:
        allocate(
            session,
            app.shell,
            urn=URN1,
            worker_name="Priya Shah",
            worker_email=None,
            team=None,
            source="cli",
            now=now,
        )
    check_health(app.register, app.settings, now)
    app.pipeline.waiting()
    app.pipeline.waiting(mailbox="caf")
    assert app.outbox is not None
    app.outbox.drain()


@pytest.fixture
def exercised(register_url: str, tmp_path: Path) -> Iterator[tuple[App, StatementLog]]:
    app = _app(register_url, tmp_path)
    log = StatementLog()
    log.attach(app.register.engine)
    try:
        _exercise(app)
        log.detach(app.register.engine)
        yield app, log
    finally:
        app.close()


def test_every_statement_is_answered_from_an_index(exercised: tuple[App, StatementLog]) -> None:
    app, log = exercised
    assert len(log.statements) > 40  # the routes above really ran
    scans = full_scans(app.register.engine, log)
    assert not scans, "\n\n".join(scans)
    if app.register.dialect == "sqlite":
        load_statistics(app.register.engine)  # and as a million-case register, analysed, would plan
        scans = full_scans(app.register.engine, log)
        assert not scans, "\n\n".join(["with a million cases' statistics:", *scans])


def test_a_query_that_reads_a_whole_table_is_caught(exercised: tuple[App, StatementLog]) -> None:
    """The check is not vacuous: a lookup by a column no index holds (a child by postcode) is caught."""
    app, _log = exercised
    bad = StatementLog(
        {
            "SELECT children.id FROM children WHERE upper(children.lcs_id) IN ('LCS1') "
            "OR children.postcode IN ('PR1 1AA')": {}
        }
    )
    found = full_scans(app.register.engine, bad)
    assert len(found) == 1 and found[0].startswith("children read whole")
