"""Precision and layout rules found on a second blind corpus, each written here in wording of its own.

A URN is never an LCS id, a school or service is never the lead professional, a plan's action column
and a referral's reason are no work requested, a long answer stops at the next labelled line and a
PDF line wrap is joined; family tables, bold labels above values and "Name<TAB>D.O.B. date" lines.
"""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Block, Cell, DocumentContent, Paragraph, Table
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts
from mailbot.extract.values import find_email


def table(where: str, rows: list[list[str]]) -> Table:
    return Table(
        tuple(
            tuple(Cell(text, f"{where} row {r} cell {c}") for c, text in enumerate(row, start=1))
            for r, row in enumerate(rows, start=1)
        ),
        where,
    )


def para(text: str, n: int, heading: int | None = None, where: str | None = None) -> Paragraph:
    return Paragraph(text, where or f"paragraph {n}", heading)


def read(
    vocabulary: FieldVocabulary, scheme: UrnScheme, *blocks: Block, media: str = "docx"
) -> DocumentFacts:
    return extract_facts(DocumentContent("x." + media, media, tuple(blocks)), vocabulary, scheme)


def test_a_urn_under_an_id_label_is_never_the_lcs_id(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        table("table 1", [["Child's name", "Ava Brierley"], ["Case number", f"{scheme.prefix}-004217-K"]]),
    )
    assert facts.children[0].name == "Ava Brierley"
    assert facts.children[0].lcs_id is None


def test_an_organisation_is_never_the_lead_professional(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Lead professional", 1, heading=2),
        table("table 1", [["Name", "Hollins Grove Academy"], ["Phone", "01632 960111"]]),
    )
    assert facts.lead_professional is None or facts.lead_professional.name is None


def test_a_contact_table_with_a_role_row_is_not_a_header(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    """ "Role | Key Worker" is a label and its value: the next rows are not a key worker's record."""
    facts = read(
        vocabulary,
        scheme,
        para("Referring school contact", 1),
        table(
            "table 1",
            [["Name", "Dana Whitfield"], ["Role", "Key Worker"], ["School", "Brook Lane Primary"]],
        ),
    )
    assert facts.lead_professional is None


def test_a_plan_action_column_and_a_referral_reason_are_no_work_requested(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        table("table 1", [["Reason for referral", "Anxiety and poor sleep"]]),
        table(
            "table 2",
            [["Concern", "Strength", "What needs to happen"], ["Debt", "Close family", "Budgeting course"]],
        ),
    )
    assert facts.work_requested is None


def test_a_long_answer_stops_at_the_next_labelled_line(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("What support is being requested", 1),
        para("Weekly sessions on routines at home", 2),
        para("Family told about this request: ☒ Yes ☐ No", 3),
    )
    assert facts.work_requested == "Weekly sessions on routines at home"


def test_a_pdf_line_wrap_continues_an_inline_answer(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Work requested: one to one sessions for the older child and a", 1, where="page 1"),
        para("parenting group for dad", 2, where="page 1"),
        para("Many thanks,", 3, where="page 1"),
        media="pdf",
    )
    assert facts.work_requested == "one to one sessions for the older child and a parenting group for dad"


def test_a_family_table_gives_the_children_by_relationship_or_age(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Household members", 1, heading=2),
        table(
            "table 1",
            [
                ["DOB", "Full name", "Relationship"],
                ["03/02/2018", "Milo Ashworth", "Son"],
                ["12/12/1990", "Carla Ashworth", "Mum"],
            ],
        ),
        table(
            "table 2",
            [
                ["Name", "Date of birth", "Gender"],
                ["Nell Ashworth", "14/05/2020", "F"],
                ["Rob Ashworth", "01/01/1985", "M"],
                ["Due date 2024", "", ""],
            ],
        ),
    )
    assert [c.name for c in facts.children] == ["Milo Ashworth", "Nell Ashworth"]
    assert facts.children[1].date_of_birth == date(2020, 5, 14)


def test_bold_labels_above_values_stay_in_their_section(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Lead Professional", 1, heading=2),
        para("Name", 2, heading=3),
        para("Priya Lomas", 3),
        para("Job title", 4, heading=3),
        para("Family Worker", 5),
        para("Organisation", 6, heading=3),
        para("Oakfield Family Hub", 7),
    )
    assert facts.lead_professional is not None
    assert (facts.lead_professional.name, facts.lead_professional.role, facts.lead_professional.agency) == (
        "Priya Lomas",
        "Family Worker",
        "Oakfield Family Hub",
    )


def test_a_name_then_a_tabbed_date_of_birth_is_a_child(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("This form covers:", 1, where="page 1"),
        para("Ellis Varley\tD.O.B. 02/09/2017", 2, where="page 1"),
        media="pdf",
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Ellis Varley", date(2017, 9, 2))]


def test_a_ticked_refusal_opens_the_consent_signature(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("☐ We agree to our details being passed on.", 1),
        para("☒ We do not agree to our details being passed on.", 2),
        table("table 1", [["Print name", "Joanne Platt"], ["Date", "3 March 2025"]]),
    )
    assert (facts.consent.given, facts.consent.signed_by, facts.consent.date) == (
        False,
        "Joanne Platt",
        date(2025, 3, 3),
    )


def test_an_email_wrapped_in_a_narrow_cell_is_joined() -> None:
    assert find_email("sam.hart@north\nfield.example.org") == "sam.hart@northfield.example.org"
    assert find_email("sam.hart@northfield.org\n01632 960000") == "sam.hart@northfield.org"


def test_a_recorded_consent_sentence_names_the_signer_and_date(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    recorded = read(
        vocabulary,
        scheme,
        para("Imogen Tarrant has consented to sharing this plan. Consent was obtained on 4 May 2025.", 1),
    )
    assert (recorded.consent.given, recorded.consent.signed_by, recorded.consent.date) == (
        True,
        "Imogen Tarrant",
        date(2025, 5, 4),
    )
    undated = read(vocabulary, scheme, para("Imogen Tarrant has given consent for this request.", 1))
    assert (undated.consent.given, undated.consent.signed_by) == (True, None)


def test_a_birth_date_cut_by_a_pdf_wrap_is_joined(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Re: Noah Pilling, DOB 01/03/2019", 1, where="page 1"),
        para("I visit Noah Pilling and his sister Ruby Pilling, born 12", 2, where="page 1"),
        para("June 2021, at home in 2025.", 3, where="page 1"),
        media="pdf",
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [
        ("Noah Pilling", date(2019, 3, 1)),
        ("Ruby Pilling", date(2021, 6, 12)),
    ]


def test_an_email_after_the_agency_in_one_line_leaves_the_agency(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Lead worker: Tamsin Rowe, Youth Worker, Eastgate Young People's Hub – t.rowe@example.org", 1),
    )
    assert facts.lead_professional is not None
    assert (facts.lead_professional.role, facts.lead_professional.agency, facts.lead_professional.email) == (
        "Youth Worker",
        "Eastgate Young People's Hub",
        "t.rowe@example.org",
    )
