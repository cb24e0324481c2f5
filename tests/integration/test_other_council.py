"""Another council's process as configuration only (Shropshire): a signed Strengthening Families consent
form required for a step down, chased after one working day, and a monthly step-down meeting with its
digest — over real Dovecot and SMTP, with no code of its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from support.apps import CAF, DOCX, WPEHS, assessment_docx, email, make_app, plan_pdf, settings_for
from support.world import Clock, World, body

from mailbot.service.scheduler import digest_job
from mailbot.workflow.chase import run_chases

pytestmark = pytest.mark.integration
SW = "sw.one@lancashire.gov.uk"
CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
SHROPSHIRE: dict[str, Any] = {
    "council": {"name": "Shropshire Council"},
    "urn": {"prefix": "SHR", "width": 6},
}
WORKFLOW: dict[str, Any] = {
    "requirements": {
        "step_down_wpehs": {
            "documents": ["assessment", "plan", "consent_form"],
            "facts": ["urn", "work_requested"],
            "chase_after_working_days": 1,
        }
    },
    "allocation_cadence": "monthly",
    "allocation_weekday": "monday",
    "allocation_week_of_month": 1,
    "digest_weekday": "monday",
}


@pytest.fixture
def world(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    settings = settings_for(
        mail.dovecot,
        mail.smtp,
        tmp_path,
        f"sqlite:///{tmp_path / 'register.sqlite3'}",
        monkeypatch,
        overrides=SHROPSHIRE,
        **WORKFLOW,
    )
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # a Tuesday
    app = make_app(settings, now=clock)
    try:
        yield World(mail, app, clock)
    finally:
        app.close()


def test_shropshire_needs_the_signed_consent_form_and_meets_monthly(world: World) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [("Assessment.docx", DOCX, assessment_docx([CHILD]))],
        ),
        SW,
        CAF,
    )
    world.run()
    (issued,) = world.inbox(SW, 1)
    urn = issued["Subject"].split("URN ", 1)[1].split(" ", 1)[0]
    assert urn.startswith("SHR-000001-") and "Shropshire Council" in body(issued)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}. The work requested is parenting support.",
            [
                ("Assessment.docx", DOCX, assessment_docx([CHILD], urn=urn)),
                ("Family Plan.pdf", "application/pdf", plan_pdf(CHILD[0], urn)),
            ],
        ),
        SW,
        WPEHS,
    )
    world.run()
    chase = world.inbox(SW, 2)[1]
    asked = body(chase).split("Please send:")[1].split("To reply")[0]
    assert asked.split() == ["-", "the", "family's", "signed", "consent", "form"]
    # Shropshire's timescale: chased again after one working day (Lancashire's default is three).
    day = date(2026, 12, 2)
    assert run_chases(world.app.register, world.app.shell, day, world.clock.set(day, 9)).chased == 1
    world.drain()
    reminder = world.inbox(SW, 3)[2]
    assert "Reminder: More information needed" in reminder["Subject"]
    consent_form = assessment_docx([CHILD], urn=urn, title="Strengthening Families Consent Form")
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"RE: {chase['Subject']}",
            "Signed consent form attached.",
            [("SF consent form.docx", DOCX, consent_form)],
            in_reply_to=chase["Message-ID"],
        ),
        SW,
        WPEHS,
    )
    world.run()
    ack = world.inbox(SW, 4)[3]
    assert "Step down to WPEHS received" in ack["Subject"]
    assert "next allocations meeting on Monday 7 December 2026" in " ".join(body(ack).split())
    # The monthly step-down meeting: the digest goes on the first Monday of the month only.
    world.clock.set(date(2026, 12, 14), 8)
    digest_job(world.app)
    world.drain()
    assert world.mail.imap_messages(WPEHS) == []
    world.clock.set(date(2027, 1, 4), 8)
    digest_job(world.app)
    world.drain()
    (digest,) = world.inbox(WPEHS, 1)
    assert "1 ready" in digest["Subject"] and urn in body(digest)
