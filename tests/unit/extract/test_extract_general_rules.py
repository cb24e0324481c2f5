"""General reading rules: empty grids, people tables, split lines, answers on the next line, prose leads.

Each document here is written by hand in wording unlike the corpora, so a rule that only matched one
corpus file's sentence would fail.
"""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Block, Cell, DocumentContent, Paragraph, Table
from mailbot.domain.facts import DocumentFacts, LeadProfessional
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts
from mailbot.extract.prose import home_postcode, join_wrapped
from mailbot.extract.values import parse_yes_no, person_parts


def table(where: str, rows: list[list[str]]) -> Table:
    return Table(
        tuple(
            tuple(Cell(text, f"{where} row {r} cell {c}") for c, text in enumerate(row, start=1))
            for r, row in enumerate(rows, start=1)
        ),
        where,
    )


def para(text: str, n: int, heading: int | None = None) -> Paragraph:
    return Paragraph(text, f"paragraph {n}", heading)


def read(
    vocabulary: FieldVocabulary, scheme: UrnScheme, *blocks: Block, media: str = "docx"
) -> DocumentFacts:
    return extract_facts(DocumentContent("x." + media, media, tuple(blocks)), vocabulary, scheme)


def test_an_empty_label_grid_gives_no_lead_professional(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Lead professional", 1, heading=2),
        table(
            "table 1",
            [["Name", "", "Organisation", ""], ["Job title", "", "Phone", ""], ["Email", "", "", ""]],
        ),
    )
    assert facts.lead_professional is None


def test_a_filled_grid_beside_an_empty_cell_is_still_read(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Lead professional", 1, heading=2),
        table("table 1", [["Name", "", "Agency", "Barnardo's"], ["Role", "Key Worker", "Telephone", ""]]),
    )
    assert facts.lead_professional == LeadProfessional(name=None, role="Key Worker", agency="Barnardo's")


def test_lead_named_in_a_line_is_completed_from_their_attendee_row(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Present", 1, heading=2),
        table(
            "table 1",
            [
                ["Name", "Job title", "Organisation", "Contact details"],
                ["Ann Pike", "Social Worker", "Children's Services", "01632 960001"],
                ["Bo Lane", "Youth Worker", "Onside Youth (North)", "bo.lane@example.org, 01632 960002"],
            ],
        ),
        para("Lead professional for the child: Bo Lane (Youth Worker, Onside Youth (North)).", 2),
    )
    assert facts.lead_professional == LeadProfessional(
        "Bo Lane", "Youth Worker", "Onside Youth (North)", "bo.lane@example.org", "01632 960002"
    )


def test_two_labelled_values_on_one_line_are_both_read(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Child's name: Ola Berg    DOB: 4/5/2016", 1),
        para("Lead professional: Kit Rowe", 2),
        para("Telephone: 01632 960111    Email: kit.rowe@example.org", 3),
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Ola Berg", date(2016, 5, 4))]
    assert facts.lead_professional is not None
    assert (facts.lead_professional.phone, facts.lead_professional.email) == (
        "01632 960111",
        "kit.rowe@example.org",
    )


def test_a_question_answered_on_the_next_line_decides_consent(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Sharing information", 1, heading=2),
        para("Do you consent to this plan being sent to the school nurse?", 2),
        para("Response: No", 3),
        para("Signature: Pat Berg", 4),
        para("Date: 01/02/2024", 5),
    )
    assert facts.consent.given is False


def test_a_yes_no_prompt_waits_for_the_answer_below(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("I give consent to share (circle one): Yes / No", 1),
        para("Answer: Yes", 2),
    )
    assert facts.consent.given is True


def test_a_parent_agreement_line_then_name_and_date(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("My carer agrees to this plan being shared: No", 1),
        para("Parent/carer name: Dee Holt      Date: 3 March 2024", 2),
    )
    assert (facts.consent.given, facts.consent.signed_by, facts.consent.date) == (
        False,
        "Dee Holt",
        date(2024, 3, 3),
    )


def test_consent_given_by_opens_the_consent_lines(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(vocabulary, scheme, para("Consent given by: Jo Marsh", 1), para("Date: 12.6.24", 2))
    assert (facts.consent.signed_by, facts.consent.date) == ("Jo Marsh", date(2024, 6, 12))


def test_child_fields_beside_a_consent_signature(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Consent to share", 1, heading=1),
        table("table 1", [["Young person's name", "Rio Dale"], ["Date of birth", "2/3/2012"]]),
        table(
            "table 2",
            [["Signed", "Ama Dale"], ["Relationship to young person", "Mother"], ["Date", "1/6/24"]],
        ),
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Rio Dale", date(2012, 3, 2))]


def test_a_letter_naming_the_lead_in_prose(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Dear colleague,", 1),
        para("Re: Finn Ash, date of birth 3rd May 2014", 2),
        para(
            "Finn lives with his dad at 12 Mill Row, Kendal, LA9 4QT and attends Mill Row School, LA9 5ZZ.", 3
        ),
        para(
            "Our Family Liaison Officer, Gwen Tate, has met the family and has agreed to act as the lead "
            "professional. Gwen can be reached at Mill Row School on 01632 960333 or gwen.tate@example.org.",
            4,
        ),
    )
    assert facts.lead_professional == LeadProfessional(
        "Gwen Tate", "Family Liaison Officer", "Mill Row School", "gwen.tate@example.org", "01632 960333"
    )
    assert [c.postcode for c in facts.children] == ["LA9 4QT"]


def test_first_person_lead_over_wrapped_pdf_lines(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    lines = [
        "I am happy to be the lead professional going forward: Ravi Shah, School Nurse, 0-19",
        "Public Health Nursing. Email ravi.shah@example.org; tel 01632 960444.",
    ]
    facts = read(vocabulary, scheme, *(Paragraph(text, "page 1") for text in lines), media="pdf")
    assert facts.lead_professional == LeadProfessional(
        "Ravi Shah", "School Nurse", "0-19 Public Health Nursing", "ravi.shah@example.org", "01632 960444"
    )


def test_home_postcode_skips_a_school_address_and_disagreement() -> None:
    assert home_postcode([("The family live at 4 Elm Way, Bury BL9 0AA.", "p1")]) == ("BL9 0AA", "p1")
    assert home_postcode([("She lives near Elm School, BL9 0AA.", "p1")]) is None
    two = [("Lives at 4 Elm Way BL9 0AA.", "p1"), ("They now live at 2 Oak Rd M1 1AA.", "p2")]
    assert home_postcode(two) is None
    assert home_postcode([("Dad lives at 2 Oak Rd, M1 1AA.", "p1")]) is None
    assert home_postcode([("Amy no longer lives at 2 Oak Rd, M1 1AA.", "p1")]) is None


def test_join_wrapped_only_joins_lines_of_one_page_without_an_ending() -> None:
    lines = [("a line that wraps", "page 1"), ("onto the next.", "page 1"), ("New one", "page 2")]
    assert join_wrapped(lines) == [("a line that wraps onto the next.", "page 1"), ("New one", "page 2")]
    assert join_wrapped([("no end", "paragraph 1"), ("next", "paragraph 2")]) == [
        ("no end", "paragraph 1"),
        ("next", "paragraph 2"),
    ]


def test_person_parts_keeps_a_bracketed_suffix_with_its_agency() -> None:
    assert person_parts("Al Kay (Practitioner, Locality Team (West)).") == [
        "Al Kay",
        "Practitioner",
        "Locality Team (West)",
    ]
    assert person_parts("Al Kay, SENCo, St Mary's (Lower School)") == [
        "Al Kay",
        "SENCo",
        "St Mary's (Lower School)",
    ]


def test_an_answer_prefix_is_no_answer_itself() -> None:
    assert parse_yes_no("Answer: No") is False
    assert parse_yes_no("Response - yes") is True
    assert parse_yes_no("Answer: maybe") is None


def test_dated_meetings_the_document_is_about(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(vocabulary, scheme, para("Date of handover meeting: 9th May 2024", 1))
    assert facts.meeting_date == date(2024, 5, 9)


def test_permission_to_share_is_a_consent_form(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(vocabulary, scheme, para("Family Support: permission to share information", 1, heading=1))
    assert facts.kind == "consent"
