"""Who may do what, in a real browser: a viewer sees no action and is refused every action (403);
a forged form post without the CSRF token, or from another site, is refused; sign-out ends the
session; the security headers are on every page."""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import step_down, urn_request
from sqlalchemy import func, select
from support import console as web

from mailbot.register.models import Allocation, Outbox, ReviewItem

pytestmark = pytest.mark.integration

CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
URN = "LAN-000001-5"
#: Every action the console offers, with a form that would do it if the person were allowed.
ACTIONS = [
    ("/review/1/preview", {"action": "link", "urn": URN}),
    ("/review/1/confirm", {"action": "link", "urn": URN}),
    ("/review/1/dismiss", {"note": "handled by phone"}),
    ("/board/allocate", {"urn": URN, "reference": "SD-000002", "worker": "Priya Shah"}),
    ("/board/undo", {"allocation": "1"}),
    ("/outbox/1/retry", {}),
    ("/subject-access/export", {"child": "1"}),
    ("/subject-access/rectify", {"child": "1", "field": "name", "value": "X", "reason": "test"}),
]
ACTION_BUTTONS = ("Link to", "Allocate", "Dismiss", "Undo", "Retry", "Export", "Rectify", "Issue a new URN")


def _ready(world: Any) -> None:
    """A waiting step down and an open review item (the same child again, name spelt differently)."""
    urn_request(world, CHILD)
    step_down(world, URN, CHILD)
    urn_request(world, ("Maisy Example", "03/04/2015", ""))


def test_viewer_sees_no_actions_and_is_refused_every_one(world: Any) -> None:
    _ready(world)
    page = world.person("reader@lancashire.gov.uk", "Rae Reader", ["viewer"])
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for path in ("/review", "/review/1", "/board", f"/cases/{URN}", "/health"):
        response = page.goto(f"{world.base_url}{path}")
        assert response is not None and response.status == 200, path
        buttons = page.get_by_role("button").all_inner_texts()
        assert [b for b in buttons if b.startswith(ACTION_BUTTONS)] == [], (path, buttons)
    web.screenshot(page, "viewer-board")
    assert page.goto(f"{world.base_url}/subject-access").status == 403  # type: ignore[union-attr]
    for path, form in ACTIONS:
        response = page.request.post(f"{world.base_url}{path}", form={**form, "csrf_token": token})
        assert response.status == 403, path
    with world.app.register.transaction() as session:
        assert session.execute(select(func.count(Allocation.id))).scalar_one() == 0
        assert session.execute(select(ReviewItem.state)).scalars().all() == ["open"]
        templates = session.execute(select(Outbox.template).order_by(Outbox.id)).scalars().all()
        assert templates == ["urn_issued", "acknowledgement"]


def test_forged_posts_are_refused_and_sign_out_ends_the_session(world: Any) -> None:
    _ready(world)
    page = world.person("jo.caf@lancashire.gov.uk", "Jo Caf", ["caf_team"])
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    dismiss = f"{world.base_url}/review/1/dismiss"
    # No token: a form another site could make the browser send.
    assert page.request.post(dismiss, form={"note": "forged"}).status == 403
    # A wrong token.
    assert page.request.post(dismiss, form={"note": "forged", "csrf_token": "x" * 43}).status == 403
    # The right token, but the browser says the form came from another site.
    response = page.request.post(
        dismiss, form={"note": "forged", "csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert response.status == 403
    with world.app.register.transaction() as session:
        assert session.execute(select(ReviewItem.state)).scalars().all() == ["open"]
    # The same form from the console itself works.
    page.goto(f"{world.base_url}/review/1")
    page.get_by_label("Dismiss, because").fill("handled by phone")
    page.get_by_role("button", name="Dismiss").click()
    page.wait_for_url(f"{world.base_url}/review?done=dismissed")
    with world.app.register.transaction() as session:
        assert session.execute(select(ReviewItem.state)).scalars().all() == ["resolved"]
    # Security headers on a page.
    headers = page.goto(f"{world.base_url}/board").headers  # type: ignore[union-attr]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"].split("style-src")[0]
    assert headers["x-content-type-options"] == "nosniff"
    cookie = next(c for c in page.context.cookies() if c["name"] == "mailbot_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Sign out: the session is over; pages send the person to sign in again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{world.base_url}/signed-out")
    web.screenshot(page, "signed-out")
    assert page.request.post(dismiss, form={"note": "after", "csrf_token": token}).status == 403
    page.goto(f"{world.base_url}/board")
    assert page.get_by_placeholder("sub").is_visible()  # the provider's sign-in form
