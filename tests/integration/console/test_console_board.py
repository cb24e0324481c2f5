"""The allocation board in a real browser: an allocator allocates a waiting step down; the feedback to
the social worker and the CAF@ update go out over SMTP exactly as ``mailbot allocate`` sends them; the
allocation is undone within the meeting."""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import SW, step_down, urn_request
from sqlalchemy import select
from support import console as web
from support.apps import CAF, parsed

from mailbot.register.models import Allocation, Case, Event
from mailbot.register.models import Request as StepDown

pytestmark = pytest.mark.integration

CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
URN = "LAN-000001-5"
ALLOCATOR = "team.manager@lancashire.gov.uk"


def test_allocator_allocates_on_the_board_and_undoes_it(world: Any) -> None:
    urn_request(world, CHILD)
    world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    step_down(world, URN, CHILD)
    world.mail.wait_for(lambda: len(world.mail.imap_messages(SW)) == 2)  # URN, then acknowledgement
    world.mail.dovecot.reset_user(SW)

    page = world.person(ALLOCATOR, "Team Manager", ["wpehs_allocator"])
    page.get_by_role("link", name="Allocation board", exact=True).click()
    row = page.get_by_role("row").filter(has_text=URN)
    assert row.get_by_role("cell", name="M.E.", exact=True).is_visible()
    assert "Maisie" not in page.locator("main").inner_text()  # initials only, as in the digest
    web.screenshot(page, "board")
    page.get_by_label("Worker").fill("Priya Shah")
    page.get_by_label("Email").fill("priya.shah@lancashire.gov.uk")
    page.get_by_label("Team").fill("Preston North WPEHS")
    page.get_by_role("button", name=f"Allocate {URN}").click()
    page.wait_for_url(f"{world.base_url}/board?done=SD-000002")
    web.screenshot(page, "board-allocated")

    (feedback_raw,) = world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    feedback = parsed(feedback_raw)
    assert feedback["Subject"].startswith("WPEHS worker allocated") and URN in feedback["Subject"]
    assert "[SD-000002]" in feedback["Subject"]
    assert "Priya Shah" in feedback.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    caf_mail = world.mail.wait_for(
        lambda: [parsed(r) for r in world.mail.imap_messages(CAF) if b"New lead professional" in r],
    )
    (update,) = caf_mail
    assert URN in update["Subject"]
    assert sorted(p.get_filename() for p in update.iter_attachments()) == [
        "Assessment.docx",
        "Family Plan.pdf",
    ]
    with world.app.register.transaction() as session:
        allocation = session.execute(select(Allocation)).scalar_one()
        assert (allocation.worker_name, allocation.source) == ("Priya Shah", "console")
        case = session.execute(select(Case).where(Case.urn == URN)).scalar_one()
        assert case.current_lead_professional is not None
        assert case.current_lead_professional.name == "Priya Shah"
        assert session.execute(select(Event.actor).where(Event.kind == "allocated")).scalar_one() == (
            f"console:{ALLOCATOR}"
        )

    # Undo within the meeting: the emails have gone, so both are told to disregard them.
    world.mail.dovecot.reset_user(SW)
    page.get_by_role("button", name=f"Undo allocation of {URN}").click()
    page.wait_for_url(f"{world.base_url}/board?done=undone-SD-000002")
    (withdrawn,) = world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    assert parsed(withdrawn)["Subject"] == f"Allocation withdrawn: URN {URN} [SD-000002]"
    assert page.get_by_role("button", name=f"Allocate {URN}").is_visible()  # back on the board
    with world.app.register.transaction() as session:
        step = session.get(StepDown, 2)
        assert step is not None and step.state == "awaiting_allocation"
        case = session.execute(select(Case).where(Case.urn == URN)).scalar_one()
        assert case.current_lead_professional is None
        assert session.execute(select(Allocation.undone_at)).scalar_one() is not None


def test_any_console_process_serves_a_signed_in_person(world: Any) -> None:
    """Behind a load balancer each request may reach another process: the session is a signed cookie
    (cookies do not depend on the port), so a second console over the same register serves the
    person signed in on the first, CSRF token included."""
    urn_request(world, CHILD)
    step_down(world, URN, CHILD)
    page = world.person(ALLOCATOR, "Team Manager", ["wpehs_allocator"])
    second = world.another_console()
    try:
        with web.serve(second) as other:
            page.goto(f"{other}/board")
            assert page.get_by_text("Signed in as Team Manager").is_visible()
            page.get_by_label("Worker").fill("Priya Shah")
            page.get_by_role("button", name=f"Allocate {URN}").click()
            page.wait_for_url(f"{other}/board?done=SD-000002")
            page.goto(f"{world.base_url}/board")  # the first process sees the same register
            assert page.get_by_role("button", name=f"Undo allocation of {URN}").is_visible()
    finally:
        world.close_console(second)
