"""Outbox and health in a real browser: a failed send shows with its error, and "retry" sends it over
SMTP; the original email and documents are served as downloads that cannot run script."""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import SW, urn_request
from sqlalchemy import select, update
from support import console as web
from support.apps import parsed

from mailbot.register.models import Event, Outbox

pytestmark = pytest.mark.integration


def test_a_failed_send_is_shown_with_its_error_and_retried(world: Any) -> None:
    urn_request(world, ("Maisie Example", "03/04/2015", "LCS123456"))
    world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    world.mail.dovecot.reset_user(SW)
    with world.app.register.transaction() as session:  # as the outbox leaves a row it gave up on
        session.execute(
            update(Outbox).values(
                state="failed", attempts=8, last_error="permanent: 550 PermanentTransportError"
            )
        )
    page = world.person("jo.caf@lancashire.gov.uk", "Jo Caf", ["caf_team"])
    page.get_by_role("link", name="Outbox and health", exact=True).click()
    assert page.get_by_role("cell", name="permanent: 550 PermanentTransportError").is_visible()
    web.screenshot(page, "health-failed")
    page.get_by_role("button", name="Retry email 1").click()
    page.wait_for_url(f"{world.base_url}/health?done=retry")
    (raw,) = world.mail.wait_for(lambda: world.mail.imap_messages(SW))
    assert parsed(raw)["Subject"] == "URN LAN-000001-5 issued [SD-000001]"

    def sent() -> bool:
        with world.app.register.transaction() as session:
            return session.execute(select(Outbox.state)).scalar_one() == "sent"

    world.mail.wait_for(sent)  # delivered first; then the drain records it
    with world.app.register.transaction() as session:
        assert session.execute(select(Event.actor).where(Event.kind == "send_retried")).scalar_one() == (
            "console:jo.caf@lancashire.gov.uk"
        )
    page.reload()
    assert page.get_by_text("No email is stuck or failed.").is_visible()
    # The page judges health as `mailbot status` does (the [health] limits).
    assert page.get_by_text("mailbot is healthy").is_visible()
    assert page.get_by_text("OK: 0 email(s) being sent").is_visible()

    # Originals are downloads, sandboxed: a hostile file opened here cannot act as the console.
    document = page.request.get(f"{world.base_url}/documents/1")
    assert document.headers["content-disposition"] == 'attachment; filename="Assessment.docx"'
    assert document.headers["content-security-policy"].startswith("sandbox")
    assert document.body()[:2] == b"PK"
    original = page.request.get(f"{world.base_url}/messages/1/original")
    assert original.headers["content-disposition"] == 'attachment; filename="message-1.eml"'
    assert b"Subject: URN request" in original.body()


def test_a_mailbox_failing_to_sign_in_shows_with_its_error_until_it_signs_in_again(world: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from mailbot.service.mailbox_health import MailboxHealthRecorder

    an_hour_ago = MailboxHealthRecorder(world.app.register, lambda: datetime.now(UTC) - timedelta(hours=1))
    an_hour_ago.failed("caf", "SignInError: AADSTS7000215 invalid client secret")
    page = world.person("vic.viewer@lancashire.gov.uk", "Vic Viewer", ["viewer"])
    page.goto(f"{world.base_url}/health")
    # The same per-mailbox check as `mailbot status` and /healthz ([health] mailbox_failing_max_minutes).
    assert page.get_by_text("mailbot is UNHEALTHY").is_visible()
    assert page.get_by_text("FAILING: failing to connect since").is_visible()
    assert page.get_by_role("cell", name="AADSTS7000215 invalid client secret").is_visible()
    MailboxHealthRecorder(world.app.register, lambda: datetime.now(UTC)).signed_in("caf")
    page.reload()
    assert page.get_by_text("mailbot is healthy").is_visible()
    assert page.get_by_role("cell", name="signed in").is_visible()
