"""Layout rules found on other councils' forms: nested tables, label headings, role-column leads.

Each document is hand-made and worded unlike the corpora, so a rule keyed to one corpus sentence fails.
"""

from __future__ import annotations

from datetime import date

from mailbot.domain.content import Block, Cell, DocumentContent, Paragraph, Table
from mailbot.domain.facts import DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts


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


def read(vocabulary: FieldVocabulary, scheme: UrnScheme, *blocks: Block) -> DocumentFacts:
    return extract_facts(DocumentContent("x.docx", "docx", tuple(blocks)), vocabulary, scheme)


def test_nested_tables_take_the_section_their_parent_cell_names(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        table(
            "table 1", [["Young person 1"], ["Young person 2"], ["Allocated lead professional"], ["Consent"]]
        ),
        table(
            "table 1 row 1 cell 1, nested table 1", [["Person name", "Ruby Oldfield"], ["DOB", "4/5/2013"]]
        ),
        table(
            "table 1 row 2 cell 1, nested table 1", [["Person name", "Finn Oldfield"], ["DOB", "9/10/2016"]]
        ),
        table(
            "table 1 row 3 cell 1, nested table 1", [["Worker", "Ines Calloway"], ["Worker role", "Mentor"]]
        ),
        table("table 1 row 4 cell 1, nested table 1", [["Consent obtained", "Yes"]]),
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [
        ("Ruby Oldfield", date(2013, 5, 4)),
        ("Finn Oldfield", date(2016, 10, 9)),
    ]
    assert facts.lead_professional is not None
    assert (facts.lead_professional.name, facts.lead_professional.role) == ("Ines Calloway", "Mentor")
    assert facts.consent.given is True


def test_a_heading_that_names_a_field_takes_the_paragraph_below_as_its_value(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Our Family Plan", 1, 1),
        para("Child 1 – name", 2, 2),
        para("Orla Brennan", 3),
        para("Child 1 – DOB", 4, 2),
        para("2 February 2015", 5),
        para("Date of family plan meeting", 6, 2),
        para("14 March 2024", 7),
        para("Lead professional telephone", 8, 2),
        para("07700 900123", 9),
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Orla Brennan", date(2015, 2, 2))]
    assert facts.meeting_date == date(2024, 3, 14)
    assert facts.lead_professional is not None and facts.lead_professional.phone == "07700 900123"


def test_a_form_section_number_is_not_a_child_number(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Part 2 - About the children", 1, 2),
        table("table 1", [["First name", "Alfie"], ["Last name", "Marsh"], ["Postcode", "BD7 1AA"]]),
        table("table 2", [["First name", "Isla"], ["Last name", "Marsh"]]),
    )
    assert [(c.name, c.postcode) for c in facts.children] == [
        ("Alfie Marsh", "BD7 1AA"),
        ("Isla Marsh", "BD7 1AA"),
    ]


def test_siblings_of_different_surnames_do_not_share_one_childs_postcode(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Children", 1, 2),
        table("table 1", [["First name", "Alfie"], ["Last name", "Marsh"], ["Postcode", "BD7 1AA"]]),
        table("table 2", [["First name", "Isla"], ["Last name", "Crane"]]),
    )
    assert [c.postcode for c in facts.children] == ["BD7 1AA", None]


def test_lead_professional_marked_in_the_role_column_of_attendees(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Attendees", 1, 2),
        table(
            "table 1",
            [
                ["Name", "Role", "Agency", "Contact"],
                ["Dee Harlow", "Health visitor", "0-19 Service", "07700 900001"],
                ["Sol Pike", "Parenting worker (lead professional)", "Riverside Hub", "sol.pike@example.com"],
            ],
        ),
        table("table 2", [["Children", "Nell Pike (1/6/2019); Otis Pike (3/8/2021)"]]),
    )
    lead = facts.lead_professional
    assert lead is not None
    assert (lead.name, lead.role, lead.agency, lead.email) == (
        "Sol Pike",
        "Parenting worker",
        "Riverside Hub",
        "sol.pike@example.com",
    )
    assert [c.name for c in facts.children] == ["Nell Pike", "Otis Pike"]


def test_two_marked_rows_give_no_lead_professional(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        table(
            "table 1",
            [
                ["Name", "Role", "Agency"],
                ["Dee Harlow", "Nurse - lead professional", "0-19 Service"],
                ["Sol Pike", "Mentor - lead professional", "Riverside Hub"],
            ],
        ),
    )
    assert facts.lead_professional is None


def test_a_consent_form_table_reads_the_childs_address_column(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        para("Permission to share information", 1, 1),
        table(
            "table 1",
            [
                ["Name of child", "Date of birth", "Address"],
                ["Tam Rees", "7 July 2017", "2 Mill Lane, Hull HU3 2AB"],
            ],
        ),
    )
    assert [(c.name, c.date_of_birth, c.postcode) for c in facts.children] == [
        ("Tam Rees", date(2017, 7, 7), "HU3 2AB")
    ]
