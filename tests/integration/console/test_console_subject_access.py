"""Subject access in a real browser: find a child by name and date of birth, export the bundle, and
check it holds exactly that child's data (register data, original emails, documents) and no other
child's; then rectify the record with a reason, recorded with who did it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
from scenarios import urn_request
from sqlalchemy import select
from support import console as web

from mailbot.register.models import Child, Event

pytestmark = pytest.mark.integration

MAISIE = ("Maisie Example", "03/04/2015", "LCS123456")
TOMMY = ("Tommy Otherchild", "11/09/2013", "LCS777777")
OFFICER = "ig.officer@lancashire.gov.uk"


def test_bundle_holds_exactly_that_childs_data(world: Any) -> None:
    urn_request(world, MAISIE)
    urn_request(world, TOMMY, sender="sw.two@lancashire.gov.uk")
    page = world.person(OFFICER, "Ira Governance", ["administrator"])
    page.get_by_role("link", name="Subject access").click()
    page.get_by_label("Child's full name").fill("maisie example")
    page.get_by_label("Date of birth (DD/MM/YYYY)").fill("03/04/2015")
    page.get_by_role("button", name="Find").click()
    web.screenshot(page, "subject-access")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export everything held about Maisie Example").click()
    bundle = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    names = sorted(bundle.namelist())
    assert "data.json" in names and "data.csv" in names
    assert [n for n in names if n.startswith("emails/")] == ["emails/message-1.eml"]
    assert [n for n in names if n.startswith("documents/")] == ["documents/1-Assessment.docx"]
    data = json.loads(bundle.read("data.json"))
    assert data["child"] == {
        "name": "Maisie Example",
        "date_of_birth": "2015-04-03",
        "lcs_id": "LCS123456",
        "postcode": "PR1 2AB",
    }
    assert data["case"]["urn"] == "LAN-000001-5"
    assert [r["reference"] for r in data["requests"]] == ["SD-000001"]
    assert [e["subject"] for e in data["emails_sent"]] == ["URN LAN-000001-5 issued [SD-000001]"]
    rows = list(csv.reader(io.StringIO(bundle.read("data.csv").decode())))
    assert ["child", "name", "Maisie Example"] in rows
    # Nothing of the other child anywhere in the bundle, in any file.
    for name in names:
        content = bundle.read(name)
        for other in (b"Tommy", b"Otherchild", b"LCS777777", b"LAN-000002", b"sw.two"):
            assert other not in content, (name, other)
    # Rectification, with a reason, recorded with who made it.
    page.get_by_text("Rectify Maisie Example's record").click()
    page.get_by_label("What is wrong").select_option("postcode")
    page.get_by_label("Right value").fill("PR2 9ZZ")
    page.get_by_label("Reason").fill("the family told us the assessment had an old address")
    page.get_by_role("button", name="Rectify").click()
    page.wait_for_url(f"{world.base_url}/subject-access?done=rectified")
    with world.app.register.transaction() as session:
        child = session.execute(select(Child).where(Child.name == "Maisie Example")).scalar_one()
        assert child.postcode == "PR2 9ZZ"
        event = session.execute(select(Event).where(Event.kind == "rectified")).scalar_one()
        assert event.actor == f"console:{OFFICER}"
        assert event.detail["was"] == "PR1 2AB" and "old address" in event.detail["reason"]
        kinds = session.execute(select(Event.kind).where(Event.actor == f"console:{OFFICER}")).scalars().all()
        assert sorted(kinds) == ["rectified", "subject_access_export"]
