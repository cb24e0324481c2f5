"""missing_items with the default requirements: exactly what each request type still lacks, in order."""

from __future__ import annotations

import pytest
from core_builders import CHILD, CONSENTED, DOB, LP, URN, body, doc

from mailbot.config import DEFAULT_REQUIREMENTS
from mailbot.domain.facts import Child, Consent, DocumentFacts, LeadProfessional, Problem
from mailbot.rules.merge import merge_facts
from mailbot.rules.requirements import DESCRIPTIONS, Missing, missing_items

ENCRYPTED = Problem("encrypted", "The file is password protected.")


def codes(request_type: str, documents: list[DocumentFacts], email: DocumentFacts | None = None) -> list[str]:
    facts = merge_facts(documents, [email or body()])
    return [m.code for m in missing_items(request_type, facts, DEFAULT_REQUIREMENTS)]


@pytest.mark.parametrize(
    ("request_type", "expected"),
    [
        ("urn_request", ["assessment_or_plan", "child_identity", "consent"]),
        (
            "new_lead_professional",
            [
                "assessment",
                "plan",
                "urn",
                "lead_professional_name",
                "lead_professional_agency",
                "lead_professional_contact",
            ],
        ),
        ("taf_minutes", ["taf_document", "urn"]),
        ("step_down_wpehs", ["assessment", "plan", "urn", "work_requested"]),
        ("meeting_representation", ["assessment", "plan", "urn", "work_requested", "meeting_date"]),
    ],
)
def test_an_empty_request_lacks_everything_documents_first(request_type: str, expected: list[str]) -> None:
    assert codes(request_type, []) == expected


def test_complete_urn_request_lacks_nothing() -> None:
    assert codes("urn_request", [doc("a.docx", "assessment", children=(CHILD,), consent=CONSENTED)]) == []


@pytest.mark.parametrize("kind", ["assessment", "plan", "other"])
def test_assessment_or_plan_is_met_by_either_or_an_unclassified_readable_document(kind: str) -> None:
    assert codes("urn_request", [doc("f.docx", kind)], body(children=(CHILD,), consent=CONSENTED)) == []


def test_assessment_or_plan_is_not_met_by_consent_form_or_minutes() -> None:
    documents = [doc("c.pdf", "consent"), doc("m.docx", "taf_minutes")]
    assert codes("urn_request", documents, body(children=(CHILD,), consent=CONSENTED)) == [
        "assessment_or_plan"
    ]


def test_one_unclassified_document_fills_one_gap_only() -> None:
    email = body(urn=URN, work_requested="Parenting support")
    assert codes("step_down_wpehs", [doc("a.docx", "assessment"), doc("x.docx", "other")], email) == []
    assert codes("step_down_wpehs", [doc("x.docx", "other")], email) == ["plan"]
    assert codes("step_down_wpehs", [doc("x.docx", "other"), doc("y.docx", "other")], email) == []


@pytest.mark.parametrize(
    ("request_type", "locked", "other_documents", "expected"),
    [
        ("urn_request", doc("scan.pdf", "other", problems=(ENCRYPTED,)), [], ["assessment_or_plan"]),
        ("step_down_wpehs", doc("scan.pdf", "other", problems=(ENCRYPTED,)), ["assessment"], ["plan"]),
        (
            "step_down_wpehs",
            doc("Step down plan.docx", "plan", problems=(ENCRYPTED,)),
            ["assessment"],
            ["plan"],
        ),
    ],
)
def test_an_unreadable_document_does_not_meet_a_document_requirement(
    request_type: str, locked: DocumentFacts, other_documents: list[str], expected: list[str]
) -> None:
    # requirements.py says "A *readable* document we could not classify may still be the assessment
    # or plan"; a password-protected file cannot be read by anyone here, so it must be chased.
    email = body(children=(CHILD,), consent=CONSENTED, urn=URN, work_requested="Parenting support")
    documents = [locked, *(doc(f"{k}.docx", k) for k in other_documents)]
    assert codes(request_type, documents, email) == expected


def test_taf_document_needs_a_readable_document() -> None:
    email = body(urn=URN)
    assert codes("taf_minutes", [doc("m.docx", "taf_minutes")], email) == []
    assert codes("taf_minutes", [doc("x.docx", "other")], email) == []
    assert codes("taf_minutes", [doc("m.docx", "taf_minutes", problems=(ENCRYPTED,))], email) == [
        "taf_document"
    ]


def test_consent_form_requirement_from_config() -> None:
    requirements = {"urn_request": {"documents": ["assessment_or_plan", "consent_form"], "facts": []}}
    without = merge_facts([doc("a.docx", "assessment")], [])
    with_form = merge_facts([doc("a.docx", "assessment"), doc("c.pdf", "consent")], [])
    assert missing_items("urn_request", without, requirements) == [Missing("consent_form")]
    assert missing_items("urn_request", with_form, requirements) == []


def test_child_identity_says_which_part_is_missing() -> None:
    documents = [doc("a.docx", "assessment")]
    dated_and_undated = body(children=(CHILD, Child("Ava Smith", None)), consent=CONSENTED)
    assert codes("urn_request", documents, dated_and_undated) == ["child_date_of_birth"]
    lcs_only = body(children=(Child(None, None, lcs_id="LCS123"),), consent=CONSENTED)
    assert codes("urn_request", documents, lcs_only) == []
    assert codes("urn_request", documents, body(consent=CONSENTED)) == ["child_identity"]


@pytest.mark.parametrize(("given", "expected"), [(True, []), (False, ["consent"]), (None, ["consent"])])
def test_consent_must_be_given(given: bool | None, expected: list[str]) -> None:
    email = body(children=(Child("Jayden Smith", DOB),), consent=Consent(given))
    assert codes("urn_request", [doc("a.docx", "assessment")], email) == expected


@pytest.mark.parametrize(
    ("lp", "expected"),
    [
        (LP, []),
        (LeadProfessional(name="Sam Patel"), ["lead_professional_agency", "lead_professional_contact"]),
        (LeadProfessional(name="Sam Patel", agency="School", phone="01772 000000"), []),
        (
            LeadProfessional(agency="School", email="x@lancashire.gov.uk"),
            ["lead_professional_name", "lead_professional_agency", "lead_professional_contact"],
        ),
    ],
)
def test_new_lead_professional_details(lp: LeadProfessional, expected: list[str]) -> None:
    documents = [doc("a.docx", "assessment"), doc("p.docx", "plan")]
    assert codes("new_lead_professional", documents, body(urn=URN, lead_professional=lp)) == expected


def test_meeting_representation_needs_the_meeting_date() -> None:
    documents = [doc("a.docx", "assessment"), doc("p.docx", "plan")]
    email = body(urn=URN, work_requested="Worker to attend the meeting")
    assert codes("meeting_representation", documents, email) == ["meeting_date"]


def test_unknown_request_type_has_no_requirements_and_unknown_fact_raises() -> None:
    facts = merge_facts([], [])
    assert missing_items("no_such_type", facts, DEFAULT_REQUIREMENTS) == []
    with pytest.raises(ValueError, match="unknown requirement shoe_size"):
        missing_items("x", facts, {"x": {"facts": ["shoe_size"]}})


def test_every_code_has_a_description() -> None:
    assert Missing("plan").description == "the plan"
    assert Missing("child_date_of_birth").description == "each child's date of birth"
    for rule in DEFAULT_REQUIREMENTS.values():
        for item in [*rule["documents"], *rule["facts"]]:
            assert DESCRIPTIONS[item]
