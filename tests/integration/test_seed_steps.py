"""The seeds' steps to their end, over real Dovecot, the SMTP relay and SQLite (issue 9).

Each test is one gap found on trial with the Lancashire process and the CSC-to-CAF practice guidance;
each failed before the change that closes it. The first is the switch-on test: the council's own
register imported, then a step down quoting one of its URNs acknowledged and allocated, end to end,
without a person touching it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support.apps import CAF, DOCX, WPEHS, assessment_docx, email, make_app, plan_pdf, settings_for
from support.world import Clock, World, attachment_names, body

from mailbot.register.importing import ImportOptions, import_register
from mailbot.register.models import LeadProfessional, Message, ReviewItem
from mailbot.workflow.chase import run_chases
from mailbot.workflow.weekly_digest import queue_digest

pytestmark = pytest.mark.integration

SW = "sw.one@lancashire.gov.uk"
MANAGER = "sw.two@lancashire.gov.uk"
DISTRICT_TEAM = "sw.three@lancashire.gov.uk"
LINK_WORKERS = "yot.worker@lancashire.gov.uk"
PRIYA = "priya.shah@lancashire.gov.uk"
HANNAH = "h.head@lancashire.gov.uk"
PDF = "application/pdf"
COLUMNS = {
    "urn": "CAF URN",
    "child_name": "Child Name",
    "date_of_birth": "DOB",
    "lcs_id": "LCS ID",
    "postcode": "Postcode",
    "lead_professional": "Lead Professional",
    "lead_professional_agency": "LP Agency",
    "status": "Status",
}
REGISTER_CSV = (
    "CAF URN,Child Name,DOB,LCS ID,Postcode,Lead Professional,LP Agency,Status\n"
    "123456,Tom Sample,14/06/2017,LCS900001,PR1 2AB,,,Open\n"
    "123456,Ava Sample,01/02/2019,LCS900002,PR1 2AB,,,Open\n"
    "234567,Jo Other,03/03/2015,,BB5 1AA,Old Worker,Old Agency,Open\n"
)
WORK = "The work requested is parenting support and help with school attendance."
TOM = ("Tom Sample", "14/06/2017", "LCS900001")
JO = ("Jo Other", "03/03/2015", "")
OVERRIDES: dict[str, Any] = {
    "urn": {"prefix": "LAN", "width": 6, "legacy": [{"pattern": "\\d{6}"}]},
    "register": {"columns": COLUMNS},
    "district_teams": {"Preston": DISTRICT_TEAM},
}


@pytest.fixture
def world(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for user in (PRIYA, HANNAH):
        mail.add_user(user)
    settings = settings_for(
        mail.dovecot,
        mail.smtp,
        tmp_path,
        f"sqlite:///{tmp_path / 'register.sqlite3'}",
        monkeypatch,
        overrides=OVERRIDES,
        no_lead_professional_team=LINK_WORKERS,
        allocators=[MANAGER, DISTRICT_TEAM],  # the manager answers the digest, the district team its alert
    )
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # a Tuesday; allocations meet on Mondays
    app = make_app(settings, now=clock)
    try:
        yield World(mail, app, clock)
    finally:
        app.close()


def import_council_register(world: World, tmp_path: Path) -> None:
    path = tmp_path / "council-register.csv"
    path.write_text(REGISTER_CSV, encoding="utf-8")
    settings = world.app.settings
    options = ImportOptions(settings.urn, settings.register_columns, settings.districts, world.clock())
    report = import_register(world.app.register, path, options)
    assert (report.created, report.errors, report.written) == (2, [], True)


def documents(urn: str | None, child: tuple[str, str, str] = TOM) -> list[tuple[str, str, bytes]]:
    return [
        ("Assessment.docx", DOCX, assessment_docx([child], urn=urn)),
        ("Family Plan.pdf", PDF, plan_pdf(child[0], urn)),
    ]


def reviews(world: World) -> list[str]:
    return world.query(lambda s: [r.reason for r in s.execute(select(ReviewItem)).scalars()])


def message_states(world: World) -> list[str]:
    return world.query(
        lambda s: list(
            s.execute(select(Message.state).where(Message.direction == "in").order_by(Message.id)).scalars()
        )
    )


def reply_to(message: EmailMessage, sender: str, to: str, text: str, files: Any = ()) -> bytes:
    return email(
        f"Sam Worker <{sender}>",
        to,
        f"RE: {message['Subject']}",
        text,
        list(files),
        in_reply_to=message["Message-ID"],
    )


# --- switching on: the council's register, then a step down quoting one of its URNs ----------------------


def test_imported_case_step_down_is_acknowledged_and_allocated_without_a_person(
    world: World, tmp_path: Path
) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            "Step down - URN 123456",
            f"Please step down URN 123456.\n\n{WORK}",
            documents("123456"),
        ),
        SW,
        WPEHS,
    )
    world.run()
    (ack,) = world.inbox(SW, 1)
    assert "Step down to WPEHS received" in ack["Subject"] and "URN 123456" in ack["Subject"]
    said = " ".join(body(ack).split())
    assert "allocations meeting" in said and "T.S. and A.S." in said
    with world.app.register.transaction() as session:
        assert queue_digest(session, world.app.shell, world.clock().date(), world.clock()) is not None
    world.drain()
    (digest,) = world.inbox(WPEHS, 1)
    assert "123456" in body(digest) and "Tom" not in body(digest)
    world.send(
        reply_to(digest, MANAGER, WPEHS, f"123456: Priya Shah <{PRIYA}>, Preston North WPEHS\n\nThanks"),
        MANAGER,
        WPEHS,
    )
    world.run()
    feedback = world.inbox(SW, 2)[1]
    assert "WPEHS worker allocated" in feedback["Subject"] and "123456" in feedback["Subject"]
    assert "record the allocated worker on LCS" in body(
        feedback
    ) and "close the case to statutory services" in body(feedback)
    (update,) = world.inbox(CAF, 1)
    assert sorted(attachment_names(update)) == ["Assessment.docx", "Family Plan.pdf"]
    world.run()  # CAF@ now reads WPEHS's update: a hand-off, not a loop
    (welcome,) = world.inbox(PRIYA, 1)
    assert "You are now the lead professional for URN 123456" in welcome["Subject"]
    assert "TAF minutes by Tuesday 22 December 2026" in " ".join(body(welcome).split())
    assert reviews(world) == []
    assert "failed" not in message_states(world) and "review" not in message_states(world)
    requests = world.register()["requests"]
    assert [(r["mailbox"], r["type"], r["state"], r["urn"]) for r in requests] == [
        ("wpehs", "step_down_wpehs", "allocated", "123456"),
        ("caf", "new_lead_professional", "done", "123456"),
        ("caf", "taf_minutes", "awaiting_taf", "123456"),
    ]
    case = next(c for c in world.register()["cases"] if c["urn"] == "123456")
    assert case["lead_professional"]["name"] == "Priya Shah"
    history = world.query(lambda s: s.execute(select(func.count(LeadProfessional.id))).scalar_one())
    assert history == 2  # Jo Other's imported LP and Priya Shah, recorded once though two routes name her


def test_imported_children_are_found_by_the_duplicate_check(world: World, tmp_path: Path) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [("Assessment.docx", DOCX, assessment_docx([("Ava Sample", "01/02/2019", "")]))],
        ),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "Existing URN 123456" in reply["Subject"] and "name and date of birth" in body(reply)
    assert len(world.register()["cases"]) == 2


# --- Level 1 ---------------------------------------------------------------------------------------------


def test_level_one_reply_names_the_child_by_initials(world: World) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given. Needs are at level 1 on the continuum of need.",
            [("Assessment.docx", DOCX, assessment_docx([("Maisie Example", "03/04/2015", "")]))],
        ),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "No URN required" in reply["Subject"]
    assert "for the child (initials M.E.)" in body(reply) and "None" not in body(reply)


# --- WPEHS tells CAF@ the new LP, sent by a person ----------------------------------------------------------


def test_wpehs_staff_telling_caf_the_new_lp_updates_the_case_with_history(
    world: World, tmp_path: Path
) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"WPEHS <{WPEHS}>",
            CAF,
            "New LP details - URN 234567",
            "Please record the new LP for URN 234567, allocated at this week's allocations meeting.\n\n"
            f"Name: Hannah Head\nAgency: Hyndburn WPEHS\nEmail: {HANNAH}\n\nAssessment and plan attached.",
            documents("234567", JO),
        ),
        WPEHS,
        CAF,
    )
    world.run()
    (welcome,) = world.inbox(HANNAH, 1)
    assert "URN 234567" in welcome["Subject"]
    shown = world.register()["requests"]
    assert [(r["type"], r["state"], r["urn"]) for r in shown] == [
        ("new_lead_professional", "done", "234567"),
        ("taf_minutes", "awaiting_taf", "234567"),
    ]
    history = world.query(
        lambda s: [
            (lp.name, lp.ended_at is None)
            for lp in s.execute(select(LeadProfessional).order_by(LeadProfessional.id)).scalars()
        ]
    )
    assert history == [("Old Worker", False), ("Hannah Head", True)]  # the old LP kept, ended


# --- single-agency step down with the new LP in the email body ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"Single agency step down for URN 234567.\n\nThe new LP will be: Hannah Head, Pastoral Lead, Preston Primary School, {HANNAH}\n\nThanks\nSam",
        f"URN 234567 - single agency response. The new lead professional is:\nHannah Head\nPastoral Lead\nPreston Primary School\n{HANNAH}\n\nKind regards\nSam",
        f"Please record the new lead professional for URN 234567.\n\nName: Hannah Head\nAgency: Preston Primary School\nEmail: {HANNAH}\n\nKind regards\nSam",
    ],
    ids=["will-be-colon", "details-on-next-lines", "bare-name-agency-lines"],
)
def test_single_agency_step_down_with_the_lp_in_the_email_body(
    world: World, tmp_path: Path, text: str
) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(f"Sam Worker <{SW}>", CAF, "Step down URN 234567", text, documents("234567", JO)), SW, CAF
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "Lead professional recorded for URN 234567" in reply["Subject"]  # not chased for details given
    said = " ".join(body(reply).split())
    assert "Hannah Head" in said and "Preston Primary School" in said
    assert "please record the new lead professional on LCS and close the case to statutory services" in said
    (welcome,) = world.inbox(HANNAH, 1)
    text_of_welcome = " ".join(body(welcome).split())
    assert (
        "within 4 weeks" in text_of_welcome and "TAF minutes by Tuesday 22 December 2026" in text_of_welcome
    )
    case = next(c for c in world.register()["cases"] if c["urn"] == "234567")
    assert (case["lead_professional"]["name"], case["lead_professional"]["email"]) == ("Hannah Head", HANNAH)


# --- replies in sentences -------------------------------------------------------------------------------------


def test_replies_in_sentences_complete_the_request(world: World, tmp_path: Path) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [("Assessment.docx", DOCX, assessment_docx([("Tom Newchild", "", "")]))],
        ),
        SW,
        CAF,
    )
    world.run()
    (chase,) = world.inbox(SW, 1)
    assert "the child's date of birth" in body(chase)
    world.send(reply_to(chase, SW, CAF, "Hi,\n\nTom's date of birth is 14/06/2017\n\nThanks\nSam"), SW, CAF)
    world.run()
    issued = world.inbox(SW, 2)[1]
    assert "URN LAN-000001-5 issued" in issued["Subject"]
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            "Step down URN 234567",
            "Please step down URN 234567.",
            documents("234567", JO),
        ),
        SW,
        WPEHS,
    )
    world.run()
    chase = world.inbox(SW, 3)[2]
    assert "what work is being requested" in body(chase)
    world.send(
        reply_to(chase, SW, WPEHS, "Hi,\n\nthe work requested is parenting support\n\nThanks\nSam"), SW, WPEHS
    )
    world.run()
    ack = world.inbox(SW, 4)[3]
    assert "Step down to WPEHS received" in ack["Subject"]
    assert world.register()["requests"][-1]["state"] == "awaiting_allocation"


# --- after the LP is recorded: TAF minutes expected, chased, escalated ---------------------------------------


def _single_agency_lp(world: World, tmp_path: Path) -> EmailMessage:
    import_council_register(world, tmp_path)
    text = f"Single agency step down for URN 234567.\n\nThe new LP will be: Hannah Head, Pastoral Lead, Preston Primary School, {HANNAH}"
    world.send(
        email(f"Sam Worker <{SW}>", CAF, "Step down URN 234567", text, documents("234567", JO)), SW, CAF
    )
    world.run()
    (welcome,) = world.inbox(HANNAH, 1)
    return welcome


def test_missing_taf_minutes_are_chased_with_the_lp_then_escalated_to_caf(
    world: World, tmp_path: Path
) -> None:
    _single_agency_lp(world, tmp_path)

    def chase_on(day: date) -> tuple[int, int, int]:
        now = world.clock.set(day, 9)
        result = run_chases(world.app.register, world.app.shell, day, now)
        world.drain()
        return result.chased, result.escalated, result.waiting

    assert chase_on(date(2026, 12, 21)) == (0, 0, 1)  # four weeks are up on 22 December
    assert chase_on(date(2026, 12, 22)) == (1, 0, 0)
    reminder = world.inbox(HANNAH, 2)[1]
    assert "TAF minutes due for URN 234567" in reminder["Subject"]
    assert "asked for its minutes by Tuesday 22 December 2026" in " ".join(body(reminder).split())
    assert chase_on(date(2026, 12, 29)) == (1, 0, 0)  # 23, 24 and 29 December are working days
    assert chase_on(date(2027, 1, 5)) == (0, 1, 0)
    (overdue,) = world.inbox(CAF, 1)
    assert "TAF minutes overdue for URN 234567" in overdue["Subject"]
    (copy,) = world.inbox(LINK_WORKERS, 1)  # the CAF link workers see that the meeting happens (guidance)
    assert copy["Message-ID"] == overdue["Message-ID"]
    assert "Hannah Head" in body(overdue)
    assert reviews(world) == ["taf_minutes_overdue"]


def test_the_lp_answering_with_taf_minutes_stops_the_chase(world: World, tmp_path: Path) -> None:
    welcome = _single_agency_lp(world, tmp_path)
    minutes = assessment_docx([JO], title="TAF Meeting Minutes")
    world.send(
        reply_to(welcome, HANNAH, CAF, "Minutes attached.", [("TAF minutes.docx", DOCX, minutes)]),
        HANNAH,
        CAF,
    )
    world.run()
    filed = world.inbox(HANNAH, 2)[1]
    assert "Filed against URN 234567" in filed["Subject"]
    day = date(2026, 12, 29)
    result = run_chases(world.app.register, world.app.shell, day, world.clock.set(day))
    assert (result.chased, result.escalated) == (0, 0)
    assert world.register()["requests"][-1]["state"] == "done"


# --- no lead professional found -----------------------------------------------------------------------------------


def test_no_lead_professional_found_is_escalated_to_the_configured_team(world: World, tmp_path: Path) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "Step down URN 234567 - no LP",
            "URN 234567. No lead professional has been identified: no agency has agreed to take on the LP role.",
        ),
        SW,
        CAF,
    )
    world.run()
    (escalation,) = world.inbox(LINK_WORKERS, 1)
    assert "No lead professional found for URN 234567" in escalation["Subject"]
    assert "Transforming Lives Panel" in body(escalation)
    (reply,) = world.inbox(SW, 1)
    assert LINK_WORKERS in body(reply)
    (request,) = world.register()["requests"]
    assert (request["type"], request["state"]) == ("no_lead_professional", "escalated")
    result = run_chases(
        world.app.register, world.app.shell, date(2027, 1, 29), world.clock.set(date(2027, 1, 29))
    )
    assert (result.chased, result.escalated, result.waiting) == (0, 0, 0)  # not left open


# --- the meeting alert goes to the district team ---------------------------------------------------------------------


def test_meeting_before_allocations_alerts_the_district_team(world: World, tmp_path: Path) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            "Representation at multi-agency meeting - URN 123456",
            f"Please can a worker attend the multi-agency meeting on 26/11/2026 for URN 123456.\n\n{WORK}",
            documents("123456"),
        ),
        SW,
        WPEHS,
    )
    world.run()
    (alert,) = world.inbox(DISTRICT_TEAM, 1)
    assert "Worker needed before the allocations meeting" in alert["Subject"] and "123456" in alert["Subject"]
    assert "Preston" in body(alert)
    assert world.mail.imap_messages(WPEHS) == []  # not to the whole WPEHS mailbox
    (ack,) = world.inbox(SW, 1)
    assert "asked the district team to allocate a worker straight away" in " ".join(body(ack).split())
    # The district team allocates by replying to the alert, as it asks; the reply is an allocation, not
    # a message merged into the social worker's request.
    world.send(
        reply_to(alert, DISTRICT_TEAM, WPEHS, f"123456: Priya Shah <{PRIYA}>, Preston North WPEHS"),
        DISTRICT_TEAM,
        WPEHS,
    )
    world.run()
    feedback = world.inbox(SW, 2)[1]
    # The worker attends the meeting; the meeting agrees the new lead professional (Lancashire's process),
    # so nobody is told to record this worker as the LP and CAF@ gets no "new LP" update.
    assert "WPEHS worker to attend the meeting for URN 123456" in feedback["Subject"]
    said = " ".join(body(feedback).split())
    assert "attend the multi-agency meeting on Thursday 26 November 2026" in said and "Priya Shah" in said
    assert "new lead professional is agreed with the family at the meeting" in said
    assert "record the allocated worker on LCS as the new lead professional" not in said
    assert world.register()["requests"][0]["state"] == "allocated"
    world.run()
    assert world.mail.imap_messages(CAF) == [] and world.mail.imap_messages(PRIYA) == []
    case = next(c for c in world.register()["cases"] if c["urn"] == "123456")
    assert not case.get("lead_professional")  # no LP recorded until the meeting has agreed one


# --- allocation replies that cannot be used come back to the manager ----------------------------------------------


def test_unusable_allocation_lines_come_back_to_the_manager(world: World, tmp_path: Path) -> None:
    import_council_register(world, tmp_path)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            "Step down - URN 123456",
            f"Please step down URN 123456.\n\n{WORK}",
            documents("123456"),
        ),
        SW,
        WPEHS,
    )
    world.run()
    with world.app.register.transaction() as session:
        queue_digest(session, world.app.shell, world.clock().date(), world.clock())
    world.drain()
    (digest,) = world.inbox(WPEHS, 1)
    lines = f"123456: Priya Shah <{PRIYA}>, Preston North WPEHS\n234567: Jo Bloggs\n"
    world.send(reply_to(digest, MANAGER, WPEHS, lines), MANAGER, WPEHS)
    world.run()
    (problems,) = world.inbox(MANAGER, 1)
    said = " ".join(body(problems).split())
    assert "We have recorded 1 allocation (123456)" in said
    assert "line 2 (234567): no step down for this URN is waiting for allocation" in said
    assert reviews(world) == ["allocation_unreadable"]


# --- the URN width runs out: a person is asked, nothing fails ---------------------------------------------------------


def test_when_the_urn_width_is_used_up_the_request_goes_to_review_not_failure(
    mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(
        mail.dovecot,
        mail.smtp,
        tmp_path,
        f"sqlite:///{tmp_path / 'register.sqlite3'}",
        monkeypatch,
        overrides={"urn": {"prefix": "LAN", "width": 3, "next_number": 999}},
    )
    app = make_app(settings)
    world = World(mail, app, Clock(datetime.now(UTC)))
    try:
        for child in (
            ("Ann Firstchild", "01/01/2016", "LCS900101"),
            ("Bob Secondchild", "02/02/2017", "LCS900102"),
        ):
            world.send(
                email(
                    f"Sam Worker <{SW}>",
                    CAF,
                    "URN request",
                    "Please can I request a URN. Consent has been given.",
                    [("Assessment.docx", DOCX, assessment_docx([child]))],
                ),
                SW,
                CAF,
            )
        world.run()
        (issued,) = world.inbox(SW, 1)
        assert "URN LAN-999-" in issued["Subject"]
        assert message_states(world) == ["processed", "review"]
        detail = world.query(
            lambda s: [(r.reason, r.detail) for r in s.execute(select(ReviewItem)).scalars()]
        )
        assert detail[0][0] == "urn_sequence_exhausted" and "widen urn.width" in detail[0][1]
        assert len(world.mail.imap_messages(CAF, "Review")) == 1
    finally:
        app.close()
