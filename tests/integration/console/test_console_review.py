"""The review queue in a real browser: a CAF team member settles an ambiguous-child URN request by
linking it to the existing case; the reply goes out over SMTP, threaded, and the audit names them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from support import console as web
from support.apps import CAF, DOCX, assessment_docx, email, parsed

from mailbot.register.models import Child, Event, Message, ReviewItem
from mailbot.register.models import Request as StepDown

pytestmark = pytest.mark.integration

SW = "sw.one@lancashire.gov.uk"
CAF_PERSON = "jo.caf@lancashire.gov.uk"


def urn_request(world: Any, child: tuple[str, str, str]) -> None:
    raw = email(
        f"Sam Worker <{SW}>",
        CAF,
        "URN request",
        "Please can I request a URN. Consent has been given.",
        [("Assessment.docx", DOCX, assessment_docx([child]))],
    )
    before = len(world.mail.imap_messages(CAF))
    world.mail.smtp_send(raw, SW, CAF)
    world.mail.wait_for(lambda: len(world.mail.imap_messages(CAF)) > before)
    world.run_mailbot()


def test_caf_member_links_an_ambiguous_child_to_the_existing_case(world: Any) -> None:
    urn_request(world, ("Maisie Example", "03/04/2015", "LCS123456"))
    first = world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    assert "LAN-000001-5" in parsed(first[0])["Subject"]
    world.mail.dovecot.reset_user(SW)
    # The same child, her name spelt differently and no LCS id: the rules cannot tell; a person must.
    urn_request(world, ("Maisy Example", "03/04/2015", ""))
    with world.app.register.transaction() as session:
        item = session.execute(select(ReviewItem).where(ReviewItem.state == "open")).scalar_one()
        assert item.reason == "ambiguous_child_match"
        item_id = item.id
        original = session.get(Message, item.message_row_id)
        assert original is not None
        original_id = original.message_id
    assert world.mail.imap_messages(SW) == []

    page = world.person(CAF_PERSON, "Jo Caf", ["caf_team"])
    page.get_by_role("link", name="Review queue", exact=True).click()
    web.screenshot(page, "review-queue")
    page.get_by_role("link", name=f"Item {item_id}").click()
    web.screenshot(page, "review-item")
    assert page.get_by_role("cell", name="Maisie Example").is_visible()
    page.get_by_role("button", name="Link to LAN-000001-5").click()
    # The preview shows the reply exactly as it will go.
    assert page.title().startswith("Check before sending"), page.locator("main").inner_text()
    preview = page.locator(".console-email-text").inner_text()
    assert "The existing URN is: LAN-000001-5" in preview
    web.screenshot(page, "review-preview")
    assert world.mail.imap_messages(SW) == []  # a preview sends nothing
    page.get_by_role("button", name="Confirm and send").click()
    page.wait_for_url(f"{world.base_url}/review?done=SD-000002")

    (raw,) = world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    reply = parsed(raw)
    assert reply["Subject"] == "Existing URN LAN-000001-5 [SD-000002]"
    assert reply["To"] == SW
    text = reply.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert text.splitlines()[0] == "Dear Sam Worker,"
    assert "checked by a member of the CAF team" in text
    assert reply["In-Reply-To"] == original_id  # on the thread of the message that was reviewed
    with world.app.register.transaction() as session:
        step_down = session.get(StepDown, 2)
        assert step_down is not None and step_down.state == "done" and step_down.case is not None
        assert step_down.case.urn == "LAN-000001-5"
        assert session.execute(select(Child.name)).scalars().all() == ["Maisie Example"]
        item = session.get(ReviewItem, item_id)
        assert item is not None and item.state == "resolved"
        actors = session.execute(select(Event.actor).where(Event.kind == "person_decision")).scalars().all()
        assert actors == [f"console:{CAF_PERSON}"]
    # The case page shows who did it.
    page.goto(f"{world.base_url}/cases/LAN-000001-5")
    assert page.get_by_role("cell", name=f"console:{CAF_PERSON}").first.is_visible()
    web.screenshot(page, "case")
