"""Every email template renders from its documented sample, strictly, safely and in plain words."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import jinja2
import pytest

from mailbot.domain.urn import UrnScheme
from mailbot.rules.allocation_reply import parse_allocation_reply
from mailbot.templating.samples import COMMON, MISSING_FACTS, REQUEST_TYPES, SAMPLES, VARIANTS
from mailbot.templating.templates import (
    PACKAGED_FOLDER,
    RenderedEmail,
    TemplateRenderer,
    long_date,
    short_date,
)

RENDERER = TemplateRenderer()
NAMES = sorted(SAMPLES)
HTML_TAG = re.compile(r"</?(?:html|head|body|p|br|div|span|table|tr|td|th|ul|li|strong|a|h\d|pre)\b[^>]*>")
AMERICANISMS = re.compile(
    r"\b(?:color|center|organization|organize|favor|behavior|program|license|enrollment)\b"
)
EXPECTED = [
    "acknowledgement",
    "allocation_feedback",
    "allocation_unreadable",
    "allocation_withdrawn",
    "caf_lp_update",
    "chase_up",
    "escalation",
    "filed",
    "lead_professional_welcome",
    "level_one_no_urn",
    "lp_recorded",
    "meeting_alert",
    "no_lead_professional_escalation",
    "no_lead_professional_received",
    "review_alert",
    "staff_reply",
    "taf_minutes_chase",
    "taf_minutes_overdue",
    "unknown_urn",
    "untrusted_acknowledgement",
    "urn_existing",
    "urn_issued",
    "weekly_digest",
]


def contexts(name: str) -> list[dict[str, object]]:
    return [SAMPLES[name], *VARIANTS.get(name, [])]


def test_every_template_has_a_sample() -> None:
    assert RENDERER.names() == EXPECTED
    assert sorted(SAMPLES) == EXPECTED
    assert set(VARIANTS) <= set(SAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_sample_keys_are_exactly_the_keys_the_template_uses(name: str) -> None:
    assert RENDERER.keys(name) == set(SAMPLES[name])
    assert set(COMMON) <= set(SAMPLES[name])


@pytest.mark.parametrize("name", NAMES)
def test_renders_every_context(name: str) -> None:
    for context in contexts(name):
        email = RENDERER.render(name, context)
        assert isinstance(email, RenderedEmail)
        assert f"[{context['reference']}]" in email.subject
        assert "\n" not in email.subject and email.subject == email.subject.strip()
        assert not HTML_TAG.search(email.text), email.text
        assert email.text.endswith("\n") and "\n\n\n" not in email.text
        assert email.html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in email.html
        assert "{{" not in email.text + email.html and "None" not in email.text + email.subject
        assert not AMERICANISMS.search(email.text.lower())


@pytest.mark.parametrize("name", NAMES)
def test_subjects_never_carry_a_name(name: str) -> None:
    for context in contexts(name):
        subject = RENDERER.render(name, context).subject
        people = [context.get("recipient_name"), context.get("worker_name"), context.get("team_name")]
        lead = context.get("lead_professional")
        if isinstance(lead, dict):
            people.append(lead["name"])
        for person in filter(None, people):
            assert str(person) not in subject


@pytest.mark.parametrize("name", NAMES)
def test_every_key_is_required(name: str) -> None:
    """StrictUndefined holds: dropping any documented key makes some context fail loudly."""
    for key in SAMPLES[name]:
        failures = 0
        for context in contexts(name):
            reduced = {k: v for k, v in context.items() if k != key}
            try:
                RENDERER.render(name, reduced)
            except jinja2.UndefinedError:
                failures += 1
        assert failures, f"{name} renders without {key}"


@pytest.mark.parametrize("name", NAMES)
def test_html_escapes_values_and_text_keeps_them(name: str) -> None:
    sample = SAMPLES[name]
    html = RENDERER.render(name, sample).html
    shown = [k for k, v in sample.items() if isinstance(v, str) and v in html and k != "mailbox_address"]
    assert shown
    for key in shown:
        hostile = {**sample, key: f"<script>alert('x')</script>{sample[key]}"}
        email = RENDERER.render(name, hostile)
        assert "<script>" not in email.html
        assert "&lt;script&gt;" in email.html
        assert "&amp;lt;" not in email.html  # escaped once, not twice
        assert "&lt;" not in email.subject  # subjects are plain text


def test_subject_is_one_line_even_when_a_value_has_a_newline() -> None:
    email = RENDERER.render("urn_issued", {**SAMPLES["urn_issued"], "urn": "LAN-004217-K\nBcc: x"})
    assert email.subject == "URN LAN-004217-K Bcc: x issued [SD-000123]"


def test_untrusted_acknowledgement_carries_no_personal_data() -> None:
    email = RENDERER.render("untrusted_acknowledgement", SAMPLES["untrusted_acknowledgement"])
    assert set(SAMPLES["untrusted_acknowledgement"]) == set(COMMON)
    assert email.subject == "Your email has been received [SD-000123]"
    assert "Our reference is SD-000123." in email.text
    assert "Hello," in email.text


def test_untrusted_acknowledgement_is_worded_for_a_partner_agency_not_as_an_accusation() -> None:
    email = RENDERER.render("untrusted_acknowledgement", SAMPLES["untrusted_acknowledgement"])
    text = " ".join(email.text.split())
    assert "partner agency such as a school, a health service" in text
    assert "not on our list of secure partner email domains" in text
    assert "ask us to add it" in text
    assert "personal email account" not in text and "personal account" not in text


def test_urn_issued_existing_and_level_one() -> None:
    issued = RENDERER.render("urn_issued", SAMPLES["urn_issued"])
    assert issued.subject == "URN LAN-004217-K issued [SD-000123]"
    assert "The URN is: LAN-004217-K" in issued.text
    assert "Dear Sam Patel," in issued.text
    existing = RENDERER.render("urn_existing", SAMPLES["urn_existing"])
    assert "already has an Early Help record" in existing.text
    assert "The existing URN is: LAN-004217-K" in existing.text
    level_one = RENDERER.render("level_one_no_urn", SAMPLES["level_one_no_urn"])
    assert "No URN is required for Level 1 universal provision" in level_one.text
    assert level_one.subject == "No URN required for Level 1 universal provision [SD-000123]"


def test_greeting_without_a_name() -> None:
    email = RENDERER.render("urn_issued", {**SAMPLES["urn_issued"], "recipient_name": None})
    assert email.text.startswith("Hello,\n")


@pytest.mark.parametrize(
    ("request_type", "subject", "says"),
    [
        ("urn_request", "URN request received [SD-000124]", "reply with the child's URN"),
        (
            "new_lead_professional",
            "New lead professional details received – URN LAN-004217-K [SD-000124]",
            "record the new lead professional",
        ),
        ("taf_minutes", "TAF minutes received – URN LAN-004217-K [SD-000124]", "file them against"),
        (
            "step_down_wpehs",
            "Step down to WPEHS received – URN LAN-004217-K [SD-000124]",
            "next allocations meeting on Monday 20 October 2025",
        ),
        (
            "meeting_representation",
            "Request for WPEHS at a multi-agency meeting received – URN LAN-004217-K [SD-000124]",
            "as your meeting is before then",
        ),
    ],
)
def test_acknowledgement_per_request_type(request_type: str, subject: str, says: str) -> None:
    context = {
        **SAMPLES["acknowledgement"],
        "request_type": request_type,
        "urn": None if request_type == "urn_request" else "LAN-004217-K",
    }
    email = RENDERER.render("acknowledgement", context)
    assert email.subject == subject
    assert says in " ".join(email.text.split())
    assert request_type in REQUEST_TYPES


def test_unknown_request_type_raises() -> None:
    with pytest.raises(jinja2.TemplateRuntimeError, match="request_type='complaint'"):
        RENDERER.render("acknowledgement", {**SAMPLES["acknowledgement"], "request_type": "complaint"})


def test_chase_up_lists_exactly_what_is_missing() -> None:
    email = RENDERER.render("chase_up", SAMPLES["chase_up"])
    assert email.subject == "Reminder: More information needed for URN LAN-004217-K [SD-000124]"
    assert (
        "Please send:\n"
        "- the plan\n"
        "- what work is being requested as part of the step down\n"
        "- confirmation that the family has consented to share the assessment and plan\n"
    ) in email.text
    assert "- Assessment.docx is password protected — please send an unprotected copy\n" in email.text
    assert "This is reminder 1 of 2." in email.text
    assert "just reply to this email, keeping [SD-000124] in the subject line" in email.text
    assert "<li>Assessment.docx is password protected — please send an unprotected copy</li>" in email.html


def test_chase_up_first_and_final() -> None:
    first = RENDERER.render("chase_up", {**SAMPLES["chase_up"], "attempt": 0})
    assert first.subject == "More information needed for URN LAN-004217-K [SD-000124]"
    assert "reminder" not in first.text
    final = RENDERER.render("chase_up", {**SAMPLES["chase_up"], "attempt": 2})
    assert "This is reminder 2 of 2." in final.text
    assert "a member of the team will contact you" in final.text


def test_every_missing_code_and_file_problem_has_words() -> None:
    email = RENDERER.render("chase_up", VARIANTS["chase_up"][2])
    for phrase in [
        "- the child's date of birth\n",
        "- the new lead professional's contact email or phone\n",
        "- what work is being requested as part of the step down\n",
        "- the assessment\n",
        "- the plan\n",
        "- confirmation that the family has consented to share the assessment and plan\n",
        "- file-unsupported_format.docx is in a format we cannot open (a .pages file)",
        "- file-no_text_layer.docx is a scanned image we could not read",
        "- file-empty.docx appears to be empty",
    ]:
        assert phrase in email.text
    for code in MISSING_FACTS:
        assert f"- {code}\n" not in email.text
    # Text that is not a code is shown as the rules wrote it.
    custom = RENDERER.render("chase_up", {**SAMPLES["chase_up"], "missing": ["the signed consent form"]})
    assert "- the signed consent form\n" in custom.text


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("check_failed", "the check character) does not match"),
        ("no_check_character", "missing its last character"),
        ("not_on_register", "it is not on the CAF database"),
    ],
)
def test_unknown_urn_quotes_it_as_written(reason: str, says: str) -> None:
    email = RENDERER.render("unknown_urn", {**SAMPLES["unknown_urn"], "reason": reason})
    assert "\n    LAN 004271 K\n" in email.text
    assert says in " ".join(email.text.split())


def test_allocation_feedback_is_for_lcs_recording() -> None:
    email = RENDERER.render("allocation_feedback", SAMPLES["allocation_feedback"])
    assert email.subject == "WPEHS worker allocated for URN LAN-004217-K [SD-000124]"
    assert "For LCS recording, the allocated worker is:" in email.text
    assert "    Name:    Priya Shah\n    Team:    Preston North WPEHS\n" in email.text
    assert "Monday 20 October 2025" in email.text
    bare = RENDERER.render("allocation_feedback", VARIANTS["allocation_feedback"][0])
    assert "    Email:   not given\n" in bare.text


def test_caf_lp_update_and_lp_recorded() -> None:
    update = RENDERER.render("caf_lp_update", SAMPLES["caf_lp_update"])
    assert update.subject == "New lead professional for URN LAN-004217-K [SD-000124]"
    assert "- Step down assessment.docx\n- Child's plan.pdf\n" in update.text
    assert "Kind regards,\n\nWPEHS team\n" in update.text
    recorded = RENDERER.render("lp_recorded", VARIANTS["lp_recorded"][0])
    assert "Role:" not in recorded.text and "Phone:" not in recorded.text
    assert "    Agency:  Preston North WPEHS\n" in recorded.text


def test_filed_lists_the_documents() -> None:
    email = RENDERER.render("filed", SAMPLES["filed"])
    assert (
        "- TAF minutes 10.11.25.docx (TAF minutes)\n- Assessment v2.docx (re-versioned assessment)\n"
        in email.text
    )
    assert "Wednesday 12 November 2025" in email.text


def test_weekly_digest_text_is_aligned_and_html_is_a_table() -> None:
    email = RENDERER.render("weekly_digest", SAMPLES["weekly_digest"])
    assert (
        email.subject
        == "Step downs waiting for allocation, 13 Oct 2025: 3 ready, 1 incomplete [WD-2025-10-13]"
    )
    lines = email.text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("URN") and "Received" in line)
    row = lines[header + 1]
    for column, value in [("Initials", "J.W."), ("Reference", "SD-000104"), ("Received", "1 Oct 2025")]:
        assert lines[header].index(column) == row.index(value)
    assert lines[header].index("Days") + len("Days") == row.index(" 9  ") + 2  # right-aligned numbers
    assert "  LAN-004217-K  A.O.      SD-000101  29 Sep 2025    11  16 Oct 2025 *" in lines
    assert "PRESTON (2 ready, 1 incomplete)" in lines
    assert email.html.count("<table") == 2 and "<th" in email.html
    assert "Missing: the plan; confirmation that the family has consented" in email.html
    assert "Amelia" not in email.text  # URNs and initials only


def test_the_digest_example_line_is_one_the_reply_parser_reads() -> None:
    email = RENDERER.render("weekly_digest", SAMPLES["weekly_digest"])
    example = next(line.strip() for line in email.text.splitlines() if "Jo Bloggs <" in line)
    allocations, problems = parse_allocation_reply(example, UrnScheme())
    assert problems == []
    assert [(a.urn, a.worker_name, a.team) for a in allocations] == [
        ("LAN-004217-K", "Jo Bloggs", "Preston North WPEHS")
    ]


def test_empty_digest() -> None:
    email = RENDERER.render("weekly_digest", VARIANTS["weekly_digest"][0])
    assert "Nothing is waiting for allocation this week." in email.text
    assert "<table" not in email.html


def test_meeting_alert_review_alert_and_escalation() -> None:
    alert = RENDERER.render("meeting_alert", SAMPLES["meeting_alert"])
    assert alert.subject == (
        "Worker needed before the allocations meeting: multi-agency meeting on 16 Oct 2025, "
        "URN LAN-004217-K [SD-000124]"
    )
    assert "Multi-agency meeting:       Thursday 16 October 2025" in alert.text
    review = RENDERER.render("review_alert", SAMPLES["review_alert"])
    assert review.subject == "Needs review: a message to CAF@lancashire.gov.uk [SD-000123]"
    assert "on Tuesday 14 October 2025 at 9:30am needs a person" in review.text
    escalation = RENDERER.render("escalation", SAMPLES["escalation"])
    assert escalation.subject == "Chased 2 times without reply [SD-000123]"
    assert "from the request for a URN" in escalation.text
    assert "- the child's date of birth\n" in escalation.text


def test_council_copy_overrides_one_file_and_the_rest_fall_back(tmp_path: Path) -> None:
    (tmp_path / "urn_issued.j2").write_text(
        '{% extends "_layout.j2" %}{% block subject %}Your URN is {{ urn }}{% endblock %}'
        "{% block text %}URN: {{ urn }}{% endblock %}{% block html %}<p>{{ urn }}</p>{% endblock %}",
        encoding="utf-8",
    )
    renderer = TemplateRenderer(tmp_path)
    assert renderer.names() == EXPECTED
    email = renderer.render("urn_issued", SAMPLES["urn_issued"])
    assert email.subject == "Your URN is LAN-004217-K [SD-000123]"  # the tag is put back
    assert email.text.startswith("URN: LAN-004217-K\n")
    assert renderer.check(SAMPLES) == ["urn_issued: the subject does not carry [{{ reference }}]"]
    assert RENDERER.check(SAMPLES) == []


def test_check_reports_a_broken_template(tmp_path: Path) -> None:
    (tmp_path / "filed.j2").write_text(
        '{% extends "_layout.j2" %}{% block subject %}[{{ reference }}] {{ no_such_key }}{% endblock %}',
        encoding="utf-8",
    )
    assert TemplateRenderer(tmp_path).check(SAMPLES) == ["filed: 'no_such_key' is undefined"]


def test_templates_ship_inside_the_package() -> None:
    folder = resources.files("mailbot.templating") / PACKAGED_FOLDER
    shipped = sorted(p.name for p in folder.iterdir() if p.name.endswith(".j2"))
    assert shipped == sorted([f"{n}.j2" for n in EXPECTED] + ["_layout.j2", "_phrases.j2"])


def test_date_filters() -> None:
    assert long_date(date(2026, 1, 2)) == "Friday 2 January 2026"
    assert short_date(date(2026, 1, 2)) == "2 Jan 2026"
    assert long_date("2026-01-02") == "Friday 2 January 2026"  # contexts stored as JSON carry ISO strings
    assert short_date("2026-01-02T09:30:00+00:00") == "2 Jan 2026"
