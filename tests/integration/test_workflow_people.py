"""People's actions on the register (mailbot.workflow), on SQLite and PostgreSQL, through the real
pipeline (intake, documents, decide, apply) with Maildir mailboxes and a Maildir transport."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apps import CAF, DOCX, assessment_docx, email, parsed

from mailbot.cli import main
from mailbot.config import load_settings
from mailbot.register.models import Allocation, Case, Event, LeadProfessional, Outbox, ReviewItem
from mailbot.register.models import Request as StepDown
from mailbot.service.bootstrap import App, build_app
from mailbot.sources.base import SourceMessage
from mailbot.sources.intake import intake
from mailbot.workflow import (
    WorkflowError,
    correct_fact,
    issue_urn,
    redecide,
    reply_in_own_words,
    settle,
    undo_allocation,
)
from mailbot.workflow.allocation import allocate

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"


def _config(folder: Path, database_url: str) -> Path:
    path = folder / "mailbot.toml"
    path.write_text(
        f"""
[mailbot]
database_url = "{database_url}"
storage_dir = "storage"
[council]
trusted_domains = ["lancashire.gov.uk"]
[mailboxes.caf]
address = "{CAF}"
role = "caf"
[mailboxes.caf.maildir]
path = "mail/caf"
[mailboxes.wpehs]
address = "{WPEHS}"
role = "wpehs"
[mailboxes.wpehs.maildir]
path = "mail/wpehs"
[transport]
kind = "maildir"
[transport.maildir]
path = "outgoing"
[documents]
workers = 1
[districts]
PR1 = "Preston"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def app(register_url: str, tmp_path: Path) -> Iterator[App]:
    built = build_app(load_settings(_config(tmp_path, register_url)), with_sources=False)
    yield built
    built.close()


def arrive(app: App, raw: bytes, mailbox: str = "caf") -> None:
    uid = int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") >> 1
    outcome = intake(app.register, app.shell.storage, SourceMessage(mailbox, "INBOX", 1, uid, raw), app.now())
    app.pipeline.process([outcome.message_row_id])


def urn_request(app: App, child: tuple[str, str, str], consent: bool = True) -> None:
    assessment = assessment_docx([child], consent=consent)
    arrive(
        app,
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I have a URN.",
            [("A.docx", DOCX, assessment)],
        ),
    )


def open_item(app: App) -> ReviewItem:
    with app.register.transaction() as session:
        return session.execute(select(ReviewItem).where(ReviewItem.state == "open")).scalar_one()


def test_a_corrected_fact_is_decided_again_like_mail(app: App) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"), consent=False)
    item = open_item(app)
    assert item.reason == "consent_refused"
    with app.register.transaction(actor="console:jo@lancashire.gov.uk") as session:
        step_down = session.get(StepDown, item.request_id)
        assert step_down is not None
        correct_fact(
            session,
            step_down,
            "consent.given",
            "yes",
            "the form was ticked wrongly; confirmed by phone",
            app.now(),
        )
        decision = redecide(session, step_down, app.pipeline.rules_for(app.now()), "caf", app.now())
        settled = settle(
            session,
            app.shell,
            session.get(ReviewItem, item.id),
            step_down,
            decision,
            "consent confirmed",
            app.now(),
        )  # type: ignore[arg-type]
    assert [row.template for row in settled.outbox] == ["urn_issued"], decision.missing
    reply = parsed(settled.outbox[0].raw)
    assert reply["Subject"] == "URN LAN-000001-5 issued [SD-000001]"
    assert reply["In-Reply-To"] is not None and reply["To"] == SW
    with app.register.transaction() as session:
        assert session.get(StepDown, 1).state == "done"  # type: ignore[union-attr]
        assert session.get(ReviewItem, item.id).state == "resolved"  # type: ignore[union-attr]
        events = session.execute(select(Event.kind, Event.actor).where(Event.actor.is_not(None))).all()
        assert sorted(events) == [
            ("fact_corrected", "console:jo@lancashire.gov.uk"),
            ("person_decision", "console:jo@lancashire.gov.uk"),
        ]


def test_preview_rehearses_without_leaving_a_trace_then_a_manual_urn(app: App) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"))
    urn_request(app, ("Maisy Example", "03/04/2015", ""))
    item = open_item(app)
    assert item.reason == "ambiguous_child_match"
    with app.register.rehearsal(actor="console:jo") as session:
        rehearsed = issue_urn(session, app.shell, item.id, "a different child", app.now())
        shown = [(row.subject, row.message_id) for row in rehearsed.outbox]
    assert [subject for subject, _ in shown] == ["URN LAN-000002-3 issued [SD-000002]"]
    with app.register.transaction() as session:
        assert session.execute(select(Case.urn)).scalars().all() == ["LAN-000001-5"]
        assert [r.template for r in session.execute(select(Outbox)).scalars()] == ["urn_issued"]
    with app.register.transaction(actor="console:jo") as session:
        real = issue_urn(session, app.shell, item.id, "a different child", app.now())
    # The same email as the preview showed: same subject, same deterministic Message-ID.
    assert [(r.subject, r.message_id) for r in real.outbox] == shown
    with app.register.transaction() as session, pytest.raises(WorkflowError):
        issue_urn(session, app.shell, item.id, "again", app.now())


def test_reply_in_own_words_goes_to_the_sender_once(app: App) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"), consent=False)
    item = open_item(app)
    for _ in range(2):  # a double submit
        with app.register.transaction(actor="console:jo") as session:
            settled = reply_in_own_words(
                session, app.shell, item.id, "We will call you today.", False, app.now()
            )
    (row,) = settled.outbox
    message = parsed(row.raw)
    assert row.template == "staff_reply" and message["To"] == SW
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Dear Sam Worker," in text and "We will call you today." in text
    assert open_item(app).id == item.id  # not resolved: the person said so


def test_undo_before_the_emails_went_stops_them_and_restores_the_lead_professional(app: App) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"))
    now = app.now()
    with app.register.transaction() as session:
        case = session.execute(select(Case)).scalar_one()
        session.add(LeadProfessional(case_id=case.id, name="Old Lead", recorded_at=now - timedelta(days=9)))
        session.add(
            StepDown(
                mailbox="wpehs",
                type="step_down_wpehs",
                state="awaiting_allocation",
                sender=SW,
                case_id=case.id,
                missing=[],
                facts={"bodies": []},
                chase_count=0,
                last_activity_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    with app.register.transaction(actor="console:manager") as session:
        outcome = allocate(
            session,
            app.shell,
            urn="LAN-000001-5",
            worker_name="Priya Shah",
            worker_email="priya.shah@lancashire.gov.uk",
            team=None,
            source="console",
            now=now,
        )
    later = now + timedelta(minutes=5)
    with app.register.transaction(actor="console:manager") as session:
        undone = undo_allocation(session, app.shell, outcome.allocation_id, timedelta(minutes=180), later)
    assert (undone.cancelled, undone.withdrawn) == (2, 0)
    with app.register.transaction() as session:
        states = dict(session.execute(select(Outbox.template, Outbox.state)).all())
        assert states["allocation_feedback"] == states["caf_lp_update"] == "cancelled"
        case = session.execute(select(Case)).scalar_one()
        assert (
            case.current_lead_professional is not None and case.current_lead_professional.name == "Old Lead"
        )
        assert session.get(StepDown, 2).state == "awaiting_allocation"  # type: ignore[union-attr]
        assert session.execute(select(Allocation.undone_at)).scalar_one() == later
    with app.register.transaction() as session, pytest.raises(WorkflowError, match="already been undone"):
        undo_allocation(session, app.shell, outcome.allocation_id, timedelta(minutes=180), later)
    # Allocating again works (its emails are new, not deduplicated against the undone ones).
    with app.register.transaction() as session:
        again = allocate(
            session,
            app.shell,
            urn="LAN-000001-5",
            worker_name="Ali Khan",
            worker_email=None,
            team=None,
            source="console",
            now=later,
        )
    with app.register.transaction() as session:
        assert (
            session.execute(
                select(Outbox.state).where(Outbox.dedupe_key == f"a{again.allocation_id}:caf_lp_update")
            ).scalar_one()
            == "pending"
        )
        with pytest.raises(WorkflowError, match="too long ago"):
            undo_allocation(
                session, app.shell, again.allocation_id, timedelta(minutes=180), later + timedelta(hours=4)
            )


def test_the_cli_records_who_ran_it(app: App, tmp_path: Path) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"), consent=False)
    item = open_item(app)
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(tmp_path / "mailbot.toml"),
            "--as",
            "alice",
            "review",
            "resolve",
            str(item.id),
            "--action",
            "dismiss",
            "--note",
            "phoned",
        ],
        obj={},
    )
    assert result.exit_code == 0, result.output
    with app.register.transaction() as session:
        assert (
            session.execute(select(Event.actor).where(Event.kind == "review_resolved")).scalar_one()
            == "cli:alice"
        )


def test_deciding_again_when_a_person_is_still_needed_keeps_the_one_item(app: App) -> None:
    urn_request(app, ("Maisie Example", "03/04/2015", "LCS123456"))
    urn_request(app, ("Maisy Example", "03/04/2015", ""))
    item = open_item(app)
    with app.register.transaction(actor="console:jo") as session:
        step_down = session.get(StepDown, item.request_id)
        assert step_down is not None
        decision = redecide(session, step_down, app.pipeline.rules_for(app.now()), "caf", app.now())
        settled = settle(
            session, app.shell, session.get(ReviewItem, item.id), step_down, decision, "", app.now()
        )  # type: ignore[arg-type]
    assert settled.outbox == () and settled.request_state == "review"
    with app.register.transaction() as session:
        items = session.execute(select(ReviewItem.id, ReviewItem.state, ReviewItem.reason)).all()
    assert items == [(item.id, "open", "ambiguous_child_match")]
