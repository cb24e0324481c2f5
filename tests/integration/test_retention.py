"""Retention and erasure reach the database and the storage, on SQLite and PostgreSQL.

Real step downs go through the whole pipeline (Maildir in, documents read, replies and the CAF@ update
with its attachments written to the outbox); after the configured periods a full-text scan of the
database dump and of the storage folder finds no child's name, date of birth, LCS id, postcode or
document, while a request still being worked on keeps everything. Erasure does the same at once for
one case or one child, with its reason in the audit log.
"""

from __future__ import annotations

import mailbox
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apps import DOCX, assessment_docx, email, plan_pdf
from support.configs import MAILBOT, MAILDIR_CONFIG, environment, write_maildir_config
from support.personal_data import database_contents, personal_data_found, storage_contents

from mailbot.cli import main
from mailbot.config import load_settings
from mailbot.register.export import show_case
from mailbot.register.models import Case, Event, Outbox, Request
from mailbot.service.bootstrap import App, build_app
from mailbot.service.daemon import run_once
from mailbot.workflow import correct_fact, rectify_child
from mailbot.workflow.allocation import allocate
from mailbot.workflow.retention import purge

pytestmark = pytest.mark.integration

SW = "Jo Worker <jo.worker@lancashire.gov.uk>"
CAF = "caf@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
PDF = "application/pdf"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
MARIGOLD = ("Marigold Quexley", "14/03/2016", "LCS770011")
MARIGOLD_NEEDLES = ["Marigold", "Quexley", "14/03/2016", "2016-03-14", "LCS770011", "PR2 9ZQ"]
OSCAR_NEEDLES = ["Oscar", "Pemberton"]
RETENTION = "[retention]\nraw_mail_days = 30\nsent_mail_days = 60\nclosed_case_days = 365\n"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class World:
    app: App
    clock: Clock
    folder: Path
    config: Path
    database_url: str

    def deliver(self, to: str, raw: bytes) -> None:
        box = "caf" if to == CAF else "wpehs"
        mailbox.Maildir(self.folder / "mail" / box, create=False).add(raw)
        run_once(self.app)

    def urn_of(self, request_id: int) -> str:
        with self.app.register.transaction() as session:
            request = session.get(Request, request_id)
            assert request is not None and request.case is not None
            return request.case.urn


@pytest.fixture
def world(register_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    config = write_maildir_config(
        tmp_path, MAILDIR_CONFIG.replace("[retention]\nraw_mail_days = 30\n", RETENTION)
    )
    monkeypatch.setenv("MAILBOT_DATABASE_URL", register_url)
    clock = Clock(T0)
    app = build_app(load_settings(config), now=clock)
    try:
        yield World(app, clock, tmp_path, config, register_url)
    finally:
        app.close()


def _documents(children: list[tuple[str, str, str]], urn: str | None = None) -> list[tuple[str, str, bytes]]:
    postcode = "PR2 9ZQ" if children[0] == MARIGOLD else "BB5 1XY"
    return [
        ("EHA.docx", DOCX, assessment_docx(children, urn=urn, postcode=postcode)),
        ("Family Plan.pdf", PDF, plan_pdf(children[0][0], urn)),
    ]


def _urn_request(world: World, children: list[tuple[str, str, str]]) -> str:
    world.deliver(
        CAF,
        email(
            SW, CAF, "URN request", "Please may I have a URN. Consent has been given.", _documents(children)
        ),
    )
    with world.app.register.transaction() as session:
        request = session.execute(select(Request).order_by(Request.id.desc())).scalars().first()
        assert request is not None and request.case is not None, "the URN request should have made a case"
        return request.case.urn


def _marigold_journey(world: World) -> str:
    """URN issued, stepped down to WPEHS, allocated (the CAF@ update carries the assessment and plan)."""
    urn = _urn_request(world, [MARIGOLD])
    world.deliver(
        WPEHS,
        email(
            SW,
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}. The work requested is weekly family support for Marigold.",
            _documents([MARIGOLD], urn),
        ),
    )
    world.clock.at = T0 + timedelta(days=1)
    with world.app.register.transaction() as session:
        allocate(
            session,
            world.app.shell,
            urn=urn,
            worker_name="Priya Shah",
            worker_email="priya.shah@lancashire.gov.uk",
            team="Preston North",
            source="cli",
            now=world.clock(),
        )
    assert world.app.outbox is not None
    world.app.outbox.drain()
    return urn


def _oscar_still_open(world: World) -> None:
    """A URN request with no documents: chased, still open, so retention must keep all of it."""
    world.deliver(
        CAF,
        email(
            SW, CAF, "URN request", "Please may I have a URN for Oscar Pemberton-Lyle, born 02/02/2019.", []
        ),
    )


def test_after_the_periods_no_childs_data_remains_but_open_work_keeps_everything(world: World) -> None:
    urn = _marigold_journey(world)
    _oscar_still_open(world)
    with world.app.register.transaction() as session:
        states = [r.state for r in session.execute(select(Request).order_by(Request.id)).scalars()]
        caf_update = [o for o in session.execute(select(Outbox)).scalars() if o.template == "caf_lp_update"]
    assert states == ["done", "allocated", "incomplete"]
    assert len(caf_update) == 1 and b"Content-Disposition: attachment" in caf_update[0].raw
    before = personal_data_found(
        database_contents(world.database_url) + storage_contents(world.folder / "storage"), MARIGOLD_NEEDLES
    )
    assert set(MARIGOLD_NEEDLES) | {"PDF", "zip/docx"} <= set(before)  # the scan finds what is there

    # Inside the periods nothing goes; after them, everything about the finished case goes.
    assert (
        purge(
            world.app.register, world.app.shell.storage, world.app.settings.retention, T0 + timedelta(days=20)
        ).closed_cases
        == 0
    )
    result = purge(
        world.app.register, world.app.shell.storage, world.app.settings.retention, T0 + timedelta(days=400)
    )
    assert result.closed_cases == 1

    database = database_contents(world.database_url)
    storage = storage_contents(world.folder / "storage")
    assert personal_data_found(database, MARIGOLD_NEEDLES) == []
    assert personal_data_found(storage, MARIGOLD_NEEDLES) == []
    assert personal_data_found(database + storage, []) == []  # no document of any kind
    # Oscar's request is still being worked on: his email and the facts read from it stay.
    assert set(personal_data_found(storage, OSCAR_NEEDLES)) == set(OSCAR_NEEDLES)
    with world.app.register.transaction() as session:
        case = session.execute(select(Case).where(Case.urn == urn)).scalar_one()
        assert (case.status, case.anonymised_at) == ("anonymised", T0 + timedelta(days=400))
        assert [(c.name, c.date_of_birth, c.lcs_id, c.postcode) for c in case.children] == [(None,) * 4]
        events = [(e.kind, e.detail) for e in session.execute(select(Event).order_by(Event.id)).scalars()]
        sent = [(o.state, o.body_removed_at) for o in session.execute(select(Outbox)).scalars()]
    anonymised = [d for kind, d in events if kind == "case_anonymised"]
    assert len(anonymised) == 1 and anonymised[0]["urn"] == urn and anonymised[0]["children"] == 1
    stages = [d["stage"] for kind, d in events if kind == "retention_purge"]
    assert "sent_mail" in stages
    assert sent and all(removed is not None for state, removed in sent if state == "sent")
    # Running again (as an operator would, by hand) finds nothing more to do.
    code, out, err = _cli(world, "purge", "--as-of", "2027-02-11")
    assert code == 0, err
    assert out.strip() == (
        "anonymised 0 closed case(s); removed 0 raw email(s), 0 document(s), 0 file(s); "
        "cut 0 sent email(s) to their headers"
    )


def _cli(world: World, *args: str) -> tuple[int, str, str]:
    """Run a mailbot command in this process (the same click command the console script runs)."""
    result = CliRunner().invoke(main, ["--config", str(world.config), *args], obj={})
    return result.exit_code, result.stdout, result.stderr


def _show(world: World, urn: str) -> dict[str, Any]:
    with world.app.register.transaction() as session:
        record = show_case(session, urn)
    assert record is not None
    return record


def test_erasing_one_child_keeps_the_siblings_register_entry_and_erasing_a_case_closes_its_work(
    world: World,
) -> None:
    fern, rowan = ("Fern Aldwych", "01/09/2014", "LCS880001"), ("Rowan Aldwych", "22/11/2017", "LCS880002")
    family_urn = _urn_request(world, [fern, rowan])
    rowan_id = next(
        child["id"] for child in _show(world, family_urn)["children"] if child["name"] == "Rowan Aldwych"
    )

    # Staff corrected Rowan's details on the console first: the audit events copy what they typed.
    typed = ["BB5 7QQ", "LCS880009"]
    with world.app.register.transaction() as session:
        rectify_child(session, rowan_id, "postcode", typed[0], "moved house", world.clock())
        family = session.execute(select(Request).join(Case).where(Case.urn == family_urn)).scalar_one()
        correct_fact(session, family, "child.lcs_id", typed[1], "misread", world.clock(), child_index=1)
    before = database_contents(world.database_url)
    assert set(personal_data_found(before, typed)) >= set(typed)  # the scan sees the events

    code, out, err = _cli(
        world, "erase", "--child", str(rowan_id), "--reason", "erasure request ref IG-2026-17 agreed"
    )
    assert code == 0, err
    assert out.startswith(f"erased 1 child(ren) of {family_urn}:")
    rowan_needles = ["Rowan", "22/11/2017", "2017-11-22", "LCS880002", *typed]
    everything = database_contents(world.database_url) + storage_contents(world.folder / "storage")
    assert personal_data_found(everything, rowan_needles) == []
    assert personal_data_found(everything, []) == []  # the family's documents named Rowan: gone
    with world.app.register.transaction() as session:
        corrections = [
            (e.kind, e.detail)
            for e in session.execute(
                select(Event).where(Event.kind.in_(("rectified", "fact_corrected"))).order_by(Event.id)
            ).scalars()
        ]
    assert [
        (kind, d["field"], d["reason"], d.get("was"), d.get("now", d.get("value"))) for kind, d in corrections
    ] == [
        ("rectified", "postcode", "moved house", "(removed)", "(removed)"),
        ("fact_corrected", "child.lcs_id", "misread", "(removed)", "(removed)"),
    ]
    children = _show(world, family_urn)["children"]
    assert [(c["name"], c["date_of_birth"]) for c in children] == [
        ("Fern Aldwych", "2014-09-01"),
        (None, None),
    ]

    # A second family with a step down still waiting: erasing the case closes it and unsends its mail.
    # This one goes through the installed entry point, as an operator runs it.
    urn = _marigold_journey_until_waiting(world)
    erased = subprocess.run(
        [
            *MAILBOT,
            "--config",
            str(world.config),
            "erase",
            "--urn",
            urn.lower(),
            "--reason",
            "ref IG-2026-18",
        ],
        env=environment(world.database_url),
        capture_output=True,
        text=True,
    )
    assert erased.returncode == 0, erased.stderr
    everything = database_contents(world.database_url) + storage_contents(world.folder / "storage")
    assert personal_data_found(everything, MARIGOLD_NEEDLES) == []
    with world.app.register.transaction() as session:
        requests = list(session.execute(select(Request).join(Case).where(Case.urn == urn)).scalars())
        events = [e.detail for e in session.execute(select(Event).where(Event.kind == "erased")).scalars()]
    assert {r.state for r in requests} == {"done", "erased"}
    assert [(e["urn"], e["reason"]) for e in events] == [
        (family_urn, "erasure request ref IG-2026-17 agreed"),
        (urn, "ref IG-2026-18"),
    ]
    assert _cli(world, "erase", "--urn", "LAN-000099-X", "--reason", "x")[0] == 1
    assert _cli(world, "erase", "--reason", "x")[0] == 2


def _marigold_journey_until_waiting(world: World) -> str:
    urn = _urn_request(world, [MARIGOLD])
    world.deliver(
        WPEHS,
        email(
            SW, WPEHS, f"Step down {urn}", f"Please step down URN {urn}.", [_documents([MARIGOLD], urn)[0]]
        ),
    )
    return urn
