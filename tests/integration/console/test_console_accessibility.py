"""Accessibility: axe-core run in Chromium on every page of the console, with no serious or critical
violation; each page's screenshot is saved to test-output/screenshots for a reviewer."""

from __future__ import annotations

from typing import Any

import pytest
from scenarios import step_down, urn_request
from support import console as web

pytestmark = pytest.mark.integration

CHILD = ("Maisie Example", "03/04/2015", "LCS123456")
URN = "LAN-000001-5"


def test_every_page_passes_axe(world: Any) -> None:
    urn_request(world, CHILD)
    step_down(world, URN, CHILD)
    urn_request(world, ("Maisy Example", "03/04/2015", ""))  # an open review item
    page = world.person("admin@lancashire.gov.uk", "Ada Admin", ["administrator"], bypass_csp=True)
    pages = {
        "home": "/",
        "search": "/search?q=maisie+example",
        "review-queue-axe": "/review",
        "review-item-axe": "/review/1",
        "board-axe": "/board",
        "case-axe": f"/cases/{URN}",
        "case-print": f"/cases/{URN}/print",
        "health": "/health",
        "subject-access-axe": "/subject-access?name=Maisie+Example&dob=03%2F04%2F2015",
        "not-found": "/cases/LAN-999999-X",
    }
    problems = {}
    for name, path in pages.items():
        page.goto(f"{world.base_url}{path}")
        web.screenshot(page, name)
        violations = web.serious_accessibility_violations(page)
        if violations:
            problems[path] = violations
    # The preview page, reached by its form.
    page.goto(f"{world.base_url}/review/1")
    page.get_by_role("button", name="Link to LAN-000001-5").click()
    page.wait_for_url(f"{world.base_url}/review/1/preview")
    web.screenshot(page, "preview-axe")
    if violations := web.serious_accessibility_violations(page):
        problems["/review/1/preview"] = violations
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{world.base_url}/signed-out")
    if violations := web.serious_accessibility_violations(page):
        problems["/signed-out"] = violations
    assert problems == {}
    # The check can fail: an image without alternative text is a critical violation axe reports.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    assert [v["rule"] for v in web.serious_accessibility_violations(page)] == ["image-alt"]
