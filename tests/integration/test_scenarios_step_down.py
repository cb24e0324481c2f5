"""Step-down scenarios over real Dovecot, the SMTP relay and SQLite: every route, chase-ups, digest, allocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.apps import (
    CAF,
    DOCX,
    WPEHS,
    assessment_docx,
    email,
    encrypted_plan_pdf,
    make_app,
    parsed,
    plan_pdf,
    settings_for,
)
from support.world import Clock, World, attachment_names, body

from mailbot.register.export import show_case
from mailbot.register.models import LeadProfessional, Message
from mailbot.workflow.chase import run_chases
from mailbot.workflow.weekly_digest import queue_digest

pytestmark = pytest.mark.integration

SW = "sw.one@lancashire.gov.uk"
MANAGER = "sw.two@lancashire.gov.uk"
PDF = "application/pdf"
CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
URN1 = "LAN-000001-5"
WORK_NO_NAME = "The work requested is weekly family support and school attendance support."
WORK = "The work requested is weekly family support and school attendance support for Maisie."


@pytest.fixture
def world(mail: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    settings = settings_for(
        mail.dovecot,
        mail.smtp,
        tmp_path,
        f"sqlite:///{tmp_path / 'register.sqlite3'}",
        monkeypatch,
        allocators=[MANAGER],
    )
    clock = Clock(datetime.now(UTC))
    app = make_app(settings, now=clock)
    try:
        yield World(mail, app, clock)
    finally:
        app.close()


def _assessment(urn: str | None = None, **kwargs: Any) -> tuple[str, str, bytes]:
    return ("Assessment.docx", DOCX, assessment_docx([CHILD], urn=urn, **kwargs))


def _plan(urn: str | None = None) -> tuple[str, str, bytes]:
    return ("Family Plan.pdf", PDF, plan_pdf(CHILD[0], urn))


def _issue_urn(world: World) -> str:
    """CAF@ issues the first URN for Maisie; returns it."""
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [_assessment()],
        ),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert URN1 in reply["Subject"] and "[SD-000001]" in reply["Subject"]
    assert URN1 in body(reply)
    world.mail.dovecot.reset_user(SW)
    return URN1


# --- 1. the full WPEHS journey ------------------------------------------------------------------


def test_full_wpehs_journey(world: World) -> None:
    urn = _issue_urn(world)
    # Step down with the assessment but no plan: chased for the plan.
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}.\n\n{WORK}",
            [_assessment(urn)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (chase,) = world.inbox(SW, 1)
    assert chase["To"] == SW and WPEHS in chase["From"]
    assert "More information needed" in chase["Subject"] and "[SD-000002]" in chase["Subject"]
    asked = body(chase).split("Please send:")[1].split("To reply")[0]
    assert asked.split() == ["-", "the", "plan"]
    assert world.register()["requests"][1]["state"] == "incomplete"
    # Reply with the plan.
    world.mail.dovecot.reset_user(SW)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"RE: {chase['Subject']}",
            "Here is the plan.",
            [_plan(urn)],
            in_reply_to=chase["Message-ID"],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (ack,) = world.inbox(SW, 1)
    assert (
        "Step down to WPEHS received" in ack["Subject"]
        and urn in ack["Subject"]
        and "[SD-000002]" in ack["Subject"]
    )
    assert "allocations meeting" in body(ack)
    register = world.register()
    assert [(r["reference"], r["type"], r["state"], r["urn"]) for r in register["requests"]] == [
        ("SD-000001", "urn_request", "done", urn),
        ("SD-000002", "step_down_wpehs", "awaiting_allocation", urn),
    ]
    # The weekly digest lists the URN with initials only.
    now = world.clock()
    with world.app.register.transaction() as session:
        row = queue_digest(session, world.app.shell, now.date(), now)
        assert row is not None
    assert world.app.outbox is not None
    world.app.outbox.drain()
    (digest,) = world.inbox(WPEHS, 1)
    digest_text = body(digest)
    assert digest["To"] == WPEHS and "1 ready" in digest["Subject"]
    assert urn in digest_text and "M.E." in digest_text and "SD-000002" in digest_text
    assert "Maisie" not in digest_text and "Example" not in digest_text and "Maisie" not in digest.as_string()
    # A manager answers the digest with an allocation line.
    world.send(
        email(
            f"Team Manager <{MANAGER}>",
            WPEHS,
            f"RE: {digest['Subject']}",
            f"{urn}: Priya Shah <priya.shah@lancashire.gov.uk>, Preston North WPEHS\n\nThanks",
            in_reply_to=digest["Message-ID"],
        ),
        MANAGER,
        WPEHS,
    )
    world.run()
    (feedback,) = world.inbox(SW, 2)[1:]
    assert "WPEHS worker allocated" in feedback["Subject"] and urn in feedback["Subject"]
    assert "[SD-000002]" in feedback["Subject"] and feedback["To"] == SW
    text = body(feedback)
    assert "LCS" in text and "Priya Shah" in text and "priya.shah@lancashire.gov.uk" in text
    assert "Preston North WPEHS" in text
    (update,) = world.inbox(CAF, 1)
    assert update["To"] == CAF and "New lead professional" in update["Subject"] and urn in update["Subject"]
    assert "Priya Shah" in body(update)
    assert sorted(attachment_names(update)) == ["Assessment.docx", "Family Plan.pdf"]
    # The digest itself came back into the WPEHS inbox: it is our own mail, never answered.
    assert world.mail.imap_messages(WPEHS) == []
    assert world.query(
        lambda s: list(
            s.execute(select(Message.state).where(Message.direction == "in").order_by(Message.id)).scalars()
        )
    ) == ["processed", "processed", "processed", "ignored", "processed"]
    register = world.register()
    assert register["cases"][0]["lead_professional"]["name"] == "Priya Shah"
    assert register["cases"][0]["lead_professional"]["email"] == "priya.shah@lancashire.gov.uk"
    assert register["requests"][1]["state"] == "allocated"
    assert [o["template"] for o in register["outbox"]] == [
        "urn_issued",
        "chase_up",
        "acknowledgement",
        "weekly_digest",
        "allocation_feedback",
        "caf_lp_update",
    ]
    assert all(o["state"] == "sent" for o in register["outbox"])


def test_digest_reply_from_someone_not_an_allocator_allocates_nothing(world: World) -> None:
    urn = _issue_urn(world)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Step down {urn}.\n\n{WORK}",
            [_assessment(urn), _plan(urn)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    world.inbox(SW, 1)  # the acknowledgement
    now = world.clock()
    with world.app.register.transaction() as session:
        assert queue_digest(session, world.app.shell, now.date(), now) is not None
    assert world.app.outbox is not None
    world.app.outbox.drain()
    (digest,) = world.inbox(WPEHS, 1)
    # The social worker (trusted domain, not an allocator) answers the digest with an allocation line.
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"RE: {digest['Subject']}",
            f"{urn}: Sam Worker <{SW}>, Preston North WPEHS",
            in_reply_to=digest["Message-ID"],
        ),
        SW,
        WPEHS,
    )
    world.run()
    register = world.register()
    assert register["requests"][1]["state"] == "awaiting_allocation"
    assert [o["template"] for o in register["outbox"]] == ["urn_issued", "acknowledgement", "weekly_digest"]
    assert [(r["reason"], r["state"]) for r in register["review"]] == [("allocation_not_allowed", "open")]
    assert world.mail.imap_messages(CAF) == []
    assert len(world.mail.imap_messages(SW)) == 1


# --- 2. chase-ups over working days, across Christmas 2026 -------------------------------------------


def test_chase_ups_across_christmas(world: World) -> None:
    clock = world.clock
    clock.set(date(2026, 12, 22))  # Tuesday
    urn = _issue_urn(world)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}.",
            [_assessment(urn)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (first,) = world.inbox(SW, 1)
    assert "[SD-000002]" in first["Subject"]
    assert world.register()["requests"][1]["state"] == "incomplete"

    def chase_on(day: date) -> tuple[int, int, int]:
        now = clock.set(day, 9)
        result = run_chases(world.app.register, world.app.shell, day, now)
        assert world.app.outbox is not None
        world.app.outbox.drain()
        return result.chased, result.escalated, result.waiting

    # 23, 24 Dec are working days; 25 and 28 Dec (Boxing Day substitute) are bank holidays.
    assert chase_on(date(2026, 12, 28)) == (0, 0, 1)
    assert chase_on(date(2026, 12, 29)) == (1, 0, 0)
    assert chase_on(date(2026, 12, 29)) == (0, 0, 1)  # same day again: nothing new
    reminder = world.inbox(SW, 2)[1]
    assert (
        reminder["Subject"].startswith("Reminder: More information needed")
        and "[SD-000002]" in reminder["Subject"]
    )
    assert "reminder 1 of 2" in body(reminder) and body(reminder).startswith("Dear Sam Worker,")
    assert reminder["In-Reply-To"] == first["In-Reply-To"]
    assert "plan" in body(reminder).lower()
    # 30, 31 Dec working, 1 Jan bank holiday, 4 Jan working.
    assert chase_on(date(2027, 1, 1)) == (0, 0, 1)
    assert chase_on(date(2027, 1, 4)) == (1, 0, 0)
    reminder2 = world.inbox(SW, 3)[2]
    assert "reminder 2 of 2" in body(reminder2)
    assert chase_on(date(2027, 1, 6)) == (0, 0, 1)
    assert chase_on(date(2027, 1, 7)) == (0, 1, 0)
    assert chase_on(date(2027, 1, 7)) == (0, 0, 0)  # escalated: no longer chased
    world.inbox(SW, 3)
    (escalation,) = world.inbox(WPEHS, 1)
    assert escalation["To"] == WPEHS and "Chased 2 times without reply" in escalation["Subject"]
    assert "[SD-000002]" in escalation["Subject"]
    register = world.register()
    assert register["requests"][1]["state"] == "review" and register["requests"][1]["chase_count"] == 2
    assert [(r["reason"], r["request_id"]) for r in register["review"]] == [("chase_exhausted", 2)]


def test_incomplete_step_down_names_its_urn(world: World) -> None:
    """A step down with a valid, registered URN but no plan: the chase-up, the register and the
    escalation should all carry the URN the sender gave. Fails today: see the report (decide._chase)."""
    urn = _issue_urn(world)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}.\n\n{WORK}",
            [_assessment(urn)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (chase,) = world.inbox(SW, 1)
    assert world.register()["requests"][1]["urn"] == urn
    assert f"for URN {urn}" in chase["Subject"]


# --- 3. new lead professional (single-agency step down) -----------------------------------------------


def _lp_email(urn: str, name: str, agency: str, address: str) -> bytes:
    lp = {"Name": name, "Agency": agency, "Email": address}
    return email(
        f"Sam Worker <{SW}>",
        CAF,
        f"New lead professional {urn}",
        f"Single agency step down for URN {urn}. The new lead professional details are in the assessment.",
        [_assessment(urn, lead_professional=lp), _plan(urn)],
    )


def test_new_lead_professional_and_history(world: World) -> None:
    world.mail.add_user("omar.nurse@lancashire.gov.uk")
    urn = _issue_urn(world)
    world.send(
        _lp_email(urn, "Hannah Head", "Preston Primary School", "h.head@preston-primary.lancs.sch.uk"),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "[SD-000002]" in reply["Subject"] and urn in reply["Subject"]
    assert "Hannah Head" in body(reply)
    case = world.register()["cases"][0]
    assert case["lead_professional"]["name"] == "Hannah Head"
    assert case["lead_professional"]["agency"] == "Preston Primary School"
    world.send(_lp_email(urn, "Omar Nurse", "School Nursing Team", "omar.nurse@lancashire.gov.uk"), SW, CAF)
    world.run()
    second = world.inbox(SW, 2)[1]
    # SD-000003 is CAF@ waiting for Hannah Head's TAF minutes; Omar Nurse's notification is SD-000004.
    assert "[SD-000004]" in second["Subject"] and "Omar Nurse" in body(second)
    assert world.register()["cases"][0]["lead_professional"]["name"] == "Omar Nurse"

    def history(session: Any) -> list[tuple[str | None, bool]]:
        shown = show_case(session, urn)
        assert shown is not None
        assert [lp["name"] for lp in shown["lead_professional_history"]] == ["Hannah Head", "Omar Nurse"]
        return [
            (lp.name, lp.ended_at is not None)
            for lp in session.execute(select(LeadProfessional).order_by(LeadProfessional.id)).scalars()
        ]

    assert world.query(history) == [("Hannah Head", True), ("Omar Nurse", False)]


# --- 4. TAF minutes filed against a URN ---------------------------------------------------------------


def test_taf_minutes_filed(world: World) -> None:
    urn = _issue_urn(world)
    minutes = assessment_docx([CHILD], urn=urn, title="TAF Meeting Minutes")
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            f"TAF minutes {urn}",
            f"Please file the attached TAF minutes for {urn}.",
            [("TAF minutes.docx", DOCX, minutes)],
        ),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "[SD-000002]" in reply["Subject"] and urn in reply["Subject"]
    assert "TAF minutes.docx" in body(reply) or "filed" in body(reply).lower()
    request = world.register()["requests"][1]
    assert (request["type"], request["state"], request["urn"]) == ("taf_minutes", "done", urn)


# --- 5. multi-agency meeting before the allocations meeting ------------------------------------------


@pytest.mark.parametrize("work", [WORK_NO_NAME, WORK], ids=["work", "work_naming_child"])
def test_meeting_representation_alerts_wpehs(world: World, work: str) -> None:
    """The alert goes to WPEHS at once; like the digest it shows initials, never the child's name."""
    world.clock.set(date(2026, 11, 24))  # Tuesday; next allocations meeting Monday 30 November
    urn = _issue_urn(world)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Representation at multi-agency meeting {urn}",
            f"Please can a worker attend the multi-agency meeting on 26/11/2026 for URN {urn}.\n\n{work}",
            [_assessment(urn), _plan(urn)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (ack,) = world.inbox(SW, 1)
    assert "multi-agency meeting received" in ack["Subject"] and "[SD-000002]" in ack["Subject"]
    assert "26 November 2026" in body(ack)
    (alert,) = world.inbox(WPEHS, 1)
    assert alert["To"] == WPEHS and "Worker needed before the allocations meeting" in alert["Subject"]
    assert urn in alert["Subject"] and "M.E." in body(alert) and "26 November 2026" in body(alert)
    assert "Maisie" not in alert.as_string()  # fails today: see the report (decide._facts_context)
    request = world.register()["requests"][1]
    assert (request["type"], request["state"]) == ("meeting_representation", "awaiting_allocation")


# --- 6. level 1 -----------------------------------------------------------------------------------------


def test_level_one_gets_no_urn(world: World) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given. The family are at level 1 on the continuum of need.",
            [_assessment()],
        ),
        SW,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(SW, 1)
    assert "[SD-000001]" in reply["Subject"] and "LAN-" not in reply["Subject"]
    assert "LAN-" not in body(reply)
    register = world.register()
    assert register["cases"] == []
    assert [(r["type"], r["state"]) for r in register["requests"]] == [("urn_request", "closed_level_one")]
    assert [o["template"] for o in register["outbox"]] == ["level_one_no_urn"]


# --- 7. existing child ------------------------------------------------------------------------------


def test_existing_child_and_near_miss(world: World) -> None:
    urn = _issue_urn(world)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [_assessment()],
        ),
        SW,
        CAF,
    )
    world.run()
    (again,) = world.inbox(SW, 1)
    assert urn in again["Subject"] and "[SD-000002]" in again["Subject"] and urn in body(again)
    assert [o["template"] for o in world.register()["outbox"]] == ["urn_issued", "urn_existing"]
    # Same date of birth, a name only somewhat alike, no LCS id: a person decides.
    near = assessment_docx([("Maisy Exampel", "03/04/2015", "")])
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [("Assessment.docx", DOCX, near)],
        ),
        SW,
        CAF,
    )
    world.run()
    world.inbox(SW, 1)  # nothing new for the sender
    register = world.register()
    assert len(register["cases"]) == 1
    assert register["requests"][2]["state"] == "review"
    assert [r["reason"] for r in register["review"]] == ["ambiguous_child_match"]
    assert len(world.mail.imap_messages(CAF, "Review")) == 1


# --- 8. URN problems --------------------------------------------------------------------------------


def test_mistyped_unknown_and_conflicting_urns(world: World) -> None:
    urn = _issue_urn(world)
    wrong = "LAN-000001-6"
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {wrong}",
            f"Please step down URN {wrong}.\n\n{WORK}",
            [_assessment(), _plan()],
        ),
        SW,
        WPEHS,
    )
    world.run()
    (checked,) = world.inbox(SW, 1)
    assert "Please confirm the URN" in checked["Subject"] and wrong in body(checked)
    assert "check character" in body(checked)
    # A valid URN that the register has never issued.
    unknown = world.app.settings.urn.format(42)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {unknown}",
            f"Please step down URN {unknown}.\n\n{WORK}",
            [_assessment(), _plan()],
        ),
        SW,
        WPEHS,
    )
    world.run()
    not_on = world.inbox(SW, 2)[1]
    assert "Please confirm the URN" in not_on["Subject"] and unknown in body(not_on)
    assert "not on the CAF database" in body(not_on)
    # The email names one URN and the documents another: a person decides.
    other = world.app.settings.urn.format(7)
    world.send(
        email(
            f"Sam Worker <{SW}>",
            WPEHS,
            f"Step down {urn}",
            f"Please step down URN {urn}.\n\n{WORK}",
            [_assessment(other), _plan(other)],
        ),
        SW,
        WPEHS,
    )
    world.run()
    world.inbox(SW, 2)
    register = world.register()
    assert [r["state"] for r in register["requests"]] == ["done", "awaiting_urn", "awaiting_urn", "review"]
    assert [r["reason"] for r in register["review"]] == ["conflicting_facts"]


# --- 9. automatic mail -------------------------------------------------------------------------------


def _dsn(original: EmailMessage) -> bytes:
    """A Postfix-style RFC 3464 bounce for ``original``, carrying its headers (and so our Message-ID)."""
    headers = "".join(
        f"{name}: {value}\r\n"
        for name, value in original.items()
        if name in ("From", "To", "Subject", "Date", "Message-ID")
    )
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.lancashire.gov.uk>\r\n"
        f"To: {CAF}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <dsn.20261123100000@mx.lancashire.gov.uk>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"\r\n'
        "\r\n"
        "--dsn-boundary\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        f"Your message could not be delivered to {SW}: user unknown.\r\n\r\n"
        "--dsn-boundary\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.lancashire.gov.uk\r\n\r\n"
        f"Final-Recipient: rfc822; {SW}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--dsn-boundary\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"{headers}\r\n"
        "--dsn-boundary--\r\n"
    ).encode()


def test_auto_replies_and_bounces(world: World) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "Automatic reply: URN request",
            "I am out of the office.",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        SW,
        CAF,
    )
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "Automatic reply: step down",
            "I am away until Monday.",
            headers={"X-Auto-Response-Suppress": "All", "X-MS-Exchange-Inbox-Rules-Loop": SW},
        ),
        SW,
        CAF,
    )
    world.run()
    assert world.mail.imap_messages(SW) == []
    assert len(world.mail.imap_messages(CAF, "Processed")) == 2
    states = world.query(
        lambda s: list(s.execute(select(Message.state).where(Message.direction == "in")).scalars())
    )
    assert states == ["ignored", "ignored"]
    # Something we sent bounces.
    _issue_urn(world)
    sent = parsed(world.mail.imap_messages(CAF, "Sent")[0])
    world.send(_dsn(sent), "MAILER-DAEMON@lancashire.gov.uk", CAF)
    world.run()
    assert world.mail.imap_messages(SW) == []
    assert len(world.mail.imap_messages(CAF, "Review")) == 1
    register = world.register()
    assert [o["state"] for o in register["outbox"]] == ["failed"]
    assert [r["reason"] for r in register["review"]] == ["bounce"]


# --- 10. untrusted sender ------------------------------------------------------------------------------


def test_untrusted_sender(world: World) -> None:
    stranger = "stranger@example.com"
    world.mail.add_user(stranger)
    world.send(
        email(
            f"A Stranger <{stranger}>",
            CAF,
            "URN request for Maisie Example",
            "Please can I request a URN. Consent has been given.",
            [_assessment()],
        ),
        stranger,
        CAF,
    )
    world.run()
    (reply,) = world.inbox(stranger, 1)
    raw = reply.as_string()
    assert "Your email has been received" in reply["Subject"] and "[SD-000001]" in reply["Subject"]
    for personal in ("Maisie", "Example", "LCS123456", "2015", "LAN-"):
        assert personal not in raw
    register = world.register()
    assert register["cases"] == []
    assert [r["reason"] for r in register["review"]] == ["untrusted_sender"]
    assert len(world.mail.imap_messages(CAF, "Review")) == 1 and world.mail.imap_messages(CAF) == []


# --- 11. attachments that cannot be read ----------------------------------------------------------------


def test_corrupt_and_encrypted_attachments(world: World) -> None:
    world.send(
        email(
            f"Sam Worker <{SW}>",
            CAF,
            "URN request",
            "Please can I request a URN. Consent has been given.",
            [
                ("Assessment.docx", DOCX, b"PK\x03\x04 this is not really a docx"),
                ("Plan.pdf", PDF, encrypted_plan_pdf(CHILD[0])),
            ],
        ),
        SW,
        CAF,
    )
    world.run()
    (chase,) = world.inbox(SW, 1)
    text = body(chase)
    assert "More information needed" in chase["Subject"] and "[SD-000001]" in chase["Subject"]
    assert "Assessment.docx could not be opened and may be damaged" in text
    assert "Plan.pdf is password protected" in text
    request = world.register()["requests"][0]
    assert request["state"] == "incomplete"
