"""Config for taking over a council's register and running its process: URN formats, districts' teams,
the allocations cadence, per-type timescales, register columns — each mistake explained with its place."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_core_config import minimal, problems_of

from mailbot.config import parse_settings
from mailbot.domain.urn import LegacyUrnFormat, UrnScheme
from mailbot.rules.cadence import Cadence


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CORE_WPEHS_PASSWORD", "secret")


def with_tables(**tables: Any) -> dict[str, Any]:
    raw = minimal()
    for name, value in tables.items():
        raw[name] = {**raw.get(name, {}), **value} if isinstance(value, dict) else value
    return raw


def test_urn_formats_issued_and_legacy(tmp_path: Path) -> None:
    raw = with_tables(
        urn={
            "prefix": "",
            "width": 6,
            "check_character": False,
            "next_number": 123456,
            "legacy": [{"pattern": "CAF\\d{5}"}, "\\d{5}"],
        }
    )
    settings = parse_settings(raw, tmp_path)
    assert settings.urn == UrnScheme(
        "", 6, False, "-", (LegacyUrnFormat("CAF\\d{5}"), LegacyUrnFormat("\\d{5}"))
    )
    assert settings.urn_next_number == 123456


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        (
            {"width": 4, "next_number": 10000},
            "urn.next_number: 10000 does not fit a 4-digit URN (1 to 9999); widen urn.width before the numbers run out",
        ),
        (
            {"legacy": ["[0-9"]},
            "urn.legacy[0].pattern: not a regular expression (unterminated character set at position 0)",
        ),
        ({"prefix": "9AB"}, "urn.prefix: must start with a letter; got '9AB'"),
        ({"separator": "*"}, 'urn.separator: one of "-", "/", " " or ""; got \'*\''),
    ],
)
def test_urn_mistakes_are_explained(urn: dict[str, Any], expected: str) -> None:
    assert problems_of(with_tables(urn=urn)) == [expected]


def test_cadence_district_teams_and_timescales(tmp_path: Path) -> None:
    raw = with_tables(
        workflow={
            "allocation_cadence": "fortnightly",
            "allocation_weekday": "wednesday",
            "allocation_anchor": "2026-11-25",
            "taf_minutes_within_weeks": 6,
            "no_lead_professional_team": "caf.link@lancashire.gov.uk",
            "requirements": {
                "step_down_wpehs": {
                    "documents": ["assessment", "plan", "consent_form"],
                    "chase_after_working_days": 1,
                }
            },
        },
        district_teams={"Preston": "preston.eh@lancashire.gov.uk"},
        register={"columns": {"urn": "CAF URN", "date_of_birth": "DOB"}},
    )
    settings = parse_settings(raw, tmp_path)
    workflow = settings.workflow
    assert workflow.allocation_cadence == Cadence("fortnightly", 2, date(2026, 11, 25))
    assert (workflow.taf_minutes_within_weeks, workflow.no_lead_professional_team) == (
        6,
        "caf.link@lancashire.gov.uk",
    )
    assert workflow.requirements["step_down_wpehs"]["documents"] == ["assessment", "plan", "consent_form"]
    assert (workflow.chase_after("step_down_wpehs"), workflow.chase_after("urn_request")) == (1, 3)
    assert settings.district_teams == {"Preston": "preston.eh@lancashire.gov.uk"}
    assert settings.register_columns == {"urn": "CAF URN", "date_of_birth": "DOB"}


def test_cadence_team_and_column_mistakes_are_explained() -> None:
    raw = with_tables(
        workflow={"allocation_cadence": "fortnightly", "no_lead_professional_team": "link@example.com"},
        district_teams={"Preston": "preston.eh@example.com", "Chorley": "not an address"},
        register={"columns": {"dob": "DOB"}},
    )
    assert problems_of(raw) == [
        "workflow.allocation_cadence: a fortnightly meeting needs the date of one meeting (allocation_anchor)",
        "district_teams.Chorley: must be an email address; got 'not an address'",
        "register.columns.dob: unknown field; known: urn, child_name, date_of_birth, lcs_id, postcode, "
        "lead_professional, lead_professional_agency, lead_professional_email, status",
        "district_teams.Preston: preston.eh@example.com is not in council.trusted_domains",
        "workflow.no_lead_professional_team: link@example.com is not in council.trusted_domains",
    ]
