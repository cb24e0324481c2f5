"""The route check renders every template with the context each route really passes (not sample data):
it runs the council's config through the real pipeline on a scratch register and reads what was queued."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import Settings, parse_settings
from mailbot.service.route_check import check_route_contexts
from mailbot.templating.samples import SAMPLES
from mailbot.templating.templates import PACKAGED_FOLDER, TemplateRenderer

pytestmark = pytest.mark.integration
PACKAGED = Path(__file__).resolve().parents[2] / "mailbot" / "templating" / PACKAGED_FOLDER
#: No route sends it: kept for councils that alert their team by email (see the report).
#: Sent by a person on the console (a reply in their own words, an allocation undone), or an alert to
#: the operators: no email route sends them.
NOT_SENT_BY_ANY_ROUTE = {"review_alert", "staff_reply", "allocation_withdrawn"}


def settings(tmp_path: Path, templates_dir: Path | None = None) -> Settings:
    raw = {
        "mailbot": {
            "database_url": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "storage_dir": str(tmp_path / "storage"),
            **({"templates_dir": str(templates_dir)} if templates_dir else {}),
        },
        "council": {"name": "Lancashire County Council", "trusted_domains": ["lancashire.gov.uk"]},
        "mailboxes": {
            "caf": {
                "address": "CAF@lancashire.gov.uk",
                "role": "caf",
                "maildir": {"path": str(tmp_path / "c")},
            },
            "wpehs": {
                "address": "preventionearlyhelp@lancashire.gov.uk",
                "role": "wpehs",
                "maildir": {"path": str(tmp_path / "w")},
            },
        },
        "transport": {"kind": "maildir", "maildir": {"path": str(tmp_path / "out")}},
        "districts": {"PR1": "Preston"},
        "district_teams": {"Preston": "preston.eh@lancashire.gov.uk"},
    }
    return parse_settings(raw, tmp_path)


def test_every_route_renders_the_packaged_templates_without_gaps(tmp_path: Path) -> None:
    result = check_route_contexts(settings(tmp_path))
    assert result.problems == []
    assert result.templates == set(TemplateRenderer().names()) - NOT_SENT_BY_ANY_ROUTE
    assert "Level 1: no URN" in result.rendered["level_one_no_urn"]
    assert "WPEHS tells CAF@ the new lead professional" in result.rendered["lead_professional_welcome"]


def test_a_gap_the_samples_miss_is_caught_with_the_route_that_passes_it(tmp_path: Path) -> None:
    """A council edits lp_recorded to print the LP's phone unguarded. The sample has a phone, so the
    sample check passes; the single-agency route records an LP without one and the email says "None"."""
    council = tmp_path / "templates"
    council.mkdir()
    edited = (PACKAGED / "lp_recorded.j2").read_text(encoding="utf-8")
    edited = edited.replace(
        "{% if lead_professional.phone %}\n    Phone:   {{ lead_professional.phone }}\n{% endif %}",
        "    Phone:   {{ lead_professional.phone }}",
    )
    assert "    Phone:   {{ lead_professional.phone }}\n" in edited
    (council / "lp_recorded.j2").write_text(edited, encoding="utf-8")
    assert TemplateRenderer(council).check(SAMPLES) == []
    problems = check_route_contexts(settings(tmp_path, council)).problems
    assert problems and all(p.startswith("lp_recorded (new lead professional") for p in problems)
    assert "shows 'Phone:   None'" in problems[0]


def test_a_key_no_route_passes_is_reported_as_not_rendering(tmp_path: Path) -> None:
    council = tmp_path / "templates"
    council.mkdir()
    edited = (PACKAGED / "level_one_no_urn.j2").read_text(encoding="utf-8")
    (council / "level_one_no_urn.j2").write_text(
        edited.replace("{% block text %}", "{% block text %}{{ worker_phone }}"), encoding="utf-8"
    )
    problems = check_route_contexts(settings(tmp_path, council)).problems
    assert problems == ["level_one_no_urn (Level 1: no URN): does not render: 'worker_phone' is undefined"]
