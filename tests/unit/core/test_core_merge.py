"""merge_facts: the facts of every document and email body of one request combined into one picture."""

from __future__ import annotations

from datetime import date

from core_builders import DOB, LP, OTHER_URN, URN, body, doc

from mailbot.domain.facts import Child, Consent, LeadProfessional, Problem
from mailbot.rules.merge import FileProblem, RequestFacts, merge_facts


def test_nothing_in_nothing_out() -> None:
    assert merge_facts([], []) == RequestFacts()


def test_children_from_documents_and_body_are_merged_into_one_child() -> None:
    facts = merge_facts(
        [doc("a.docx", "assessment", children=(Child("Jayden Smith", DOB),))],
        [body(children=(Child("jayden smith", None, lcs_id="LCS123", postcode="PR1 2AB"),))],
    )
    assert facts.children == (Child("Jayden Smith", DOB, "LCS123", "PR1 2AB"),)


def test_siblings_stay_separate_and_in_order() -> None:
    facts = merge_facts(
        [
            doc(
                "a.docx",
                "assessment",
                children=(Child("Liam Smith", DOB), Child("Ava Smith", date(2019, 2, 3))),
            ),
            doc("p.docx", "plan", children=(Child("Ava Smith", date(2019, 2, 3), lcs_id="LCS7"),)),
        ],
        [],
    )
    assert facts.children == (
        Child("Liam Smith", DOB),
        Child("Ava Smith", date(2019, 2, 3), "LCS7"),
    )


def test_a_child_with_neither_name_nor_lcs_id_is_dropped() -> None:
    facts = merge_facts([doc("a.docx", "assessment", children=(Child(None, DOB, None, "PR1 2AB"),))], [])
    assert facts.children == ()


def test_lead_professional_details_for_the_same_person_fill_gaps() -> None:
    facts = merge_facts(
        [
            doc(
                "p.docx",
                "plan",
                lead_professional=LeadProfessional(name="Sam Patel", agency="Preston Primary"),
            )
        ],
        [body(lead_professional=LeadProfessional(name="SAM PATEL", phone="01772 000000", role="FSW"))],
    )
    assert facts.lead_professional == LeadProfessional(
        name="Sam Patel", role="FSW", agency="Preston Primary", email=None, phone="01772 000000"
    )


def test_a_different_lead_professional_replaces_the_earlier_one() -> None:
    other = LeadProfessional(name="Alex Green", agency="School Nursing", email="alex.green@nhs.net")
    facts = merge_facts([doc("p.docx", "plan", lead_professional=LP)], [body(lead_professional=other)])
    assert facts.lead_professional == other


def test_a_lead_professional_without_a_name_is_ignored() -> None:
    facts = merge_facts(
        [doc("p.docx", "plan", lead_professional=LP)],
        [body(lead_professional=LeadProfessional(agency="Somewhere else"))],
    )
    assert facts.lead_professional == LP


def test_consent_refused_anywhere_stays_refused() -> None:
    facts = merge_facts(
        [doc("c.pdf", "consent", consent=Consent(False, date(2025, 3, 1), None))],
        [body(consent=Consent(True, None, "Kelly Smith"))],
    )
    assert facts.consent == Consent(False, date(2025, 3, 1), "Kelly Smith")


def test_consent_given_is_kept_with_its_details() -> None:
    facts = merge_facts(
        [doc("c.pdf", "consent", consent=Consent(True, date(2025, 3, 1), "Kelly Smith"))],
        [body(consent=Consent(None, None, None))],
    )
    assert facts.consent == Consent(True, date(2025, 3, 1), "Kelly Smith")


def test_later_level_work_and_meeting_date_win_but_silence_does_not_erase() -> None:
    facts = merge_facts(
        [
            doc("a.docx", "assessment", level_of_need=3, work_requested="Parenting support"),
            doc("p.docx", "plan", level_of_need=2, meeting_date=date(2025, 3, 14)),
        ],
        [body()],
    )
    assert facts.level_of_need == 2
    assert facts.work_requested == "Parenting support"
    assert facts.meeting_date == date(2025, 3, 14)


def test_document_kinds_readable_count_and_file_problems() -> None:
    encrypted = Problem("encrypted", "The file is password protected.")
    bad_urn = Problem("invalid_urn", "The URN LAN-004217-X is not a valid URN.")
    facts = merge_facts(
        [
            doc("a.docx", "assessment", problems=(bad_urn,)),
            doc("locked.pdf", "other", problems=(encrypted,)),
            doc("p.docx", "plan"),
        ],
        [body(problems=(Problem("empty", "no text"),))],  # a body's problems are not a file's
    )
    # Only readable documents count as received; the locked one is a file problem instead.
    assert facts.document_kinds == ("assessment", "plan")
    assert facts.readable_documents == 2
    assert facts.file_problems == (FileProblem("a.docx", bad_urn), FileProblem("locked.pdf", encrypted))


def test_urns_by_source_deduplicated() -> None:
    facts = merge_facts(
        [
            doc("a.docx", "assessment", urn=URN, invalid_urns=("LAN-004217-X",)),
            doc("p.docx", "plan", urn=URN),
        ],
        [body(urn=OTHER_URN, invalid_urns=("LAN-004217-X", "LAN 000001")), body(urn=OTHER_URN)],
    )
    assert facts.urns_in_email == (OTHER_URN,)
    assert facts.urns_in_documents == (URN,)
    assert facts.urns == (OTHER_URN, URN)
    assert facts.invalid_urns == ("LAN-004217-X", "LAN 000001")
