"""Precision rules found on a third blind corpus, each written here in wording of its own.

A domestic-abuse referral's victim, alleged perpetrator and referrer are never children; only its
children table is. A referrer is no child, a reason for step down is no work requested while a
question asking a service for help is, even wrapped over two lines of a PDF cell. A referral form is
kind "other", a "consent and information sharing" form is consent, a family meeting "held on" a date
is the meeting date and a family's "No" to consent is consent refused.
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


def line(text: str, heading: int | None = None) -> Paragraph:
    return Paragraph(text, "page 1", heading)


def read(vocabulary: FieldVocabulary, scheme: UrnScheme, *blocks: Block, media: str = "pdf") -> DocumentFacts:
    return extract_facts(DocumentContent("form." + media, media, tuple(blocks)), vocabulary, scheme)


def test_only_the_children_table_of_an_abuse_referral_gives_children(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        line("Domestic Abuse MARAC Referral"),
        line("Referred by"),
        table(
            "table 1",
            [["Name", "Gemma Ashworth"], ["Position", "IDVA"], ["Telephone number", "01632 960 300"]],
        ),
        line("Victim"),
        table(
            "table 2", [["Name", "Stacey HOLDEN"], ["DOB", "01/02/1990"], ["Address", "3 Mill Row, BB1 2AA"]]
        ),
        line("Person causing harm"),
        table("table 3", [["Name", "Craig Pilling"], ["DOB", "05/06/1987"]]),
        line("Children"),
        table("table 4", [["Name", "DOB"], ["Tyler Holden", "12/12/2016"]]),
    )
    assert [child.name for child in facts.children] == ["Tyler Holden"]
    assert facts.children[0].date_of_birth == date(2016, 12, 12)
    assert facts.kind == "other"


def test_the_person_making_a_request_is_never_the_child(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        line("Request for health visiting support"),
        line("Child"),
        table("table 1", [["Name", "Ruby Clegg"], ["Date of birth", "03/03/2021"]]),
        line("Person making the request"),
        table("table 2", [["Name", "Hannah Booth"], ["Role", "Social Worker"]]),
    )
    assert [child.name for child in facts.children] == ["Ruby Clegg"]


def test_a_reason_for_step_down_is_no_work_requested(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    facts = read(
        vocabulary,
        scheme,
        table(
            "table 1", [["Child's name", "Oscar Lord"], ["Reason for step down", "Plan goals met at review."]]
        ),
    )
    assert facts.work_requested is None


def test_a_wrapped_question_asking_for_help_is_the_work_requested(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        table(
            "table 1",
            [
                ["Child's name", "Oscar Lord"],
                ["Reason for request", "Struggling with friendships."],
                [
                    "What support would you like from the\nyouth service?",
                    "Weekly mentoring at the youth club",
                ],
            ],
        ),
    )
    assert facts.work_requested == "Weekly mentoring at the youth club"


def test_a_blank_wrapped_question_gives_no_work_requested(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        table(
            "table 1",
            [["Child's name", "Oscar Lord"], ["What support would you like from the\nyouth service?", ""]],
        ),
    )
    assert facts.work_requested is None


def test_a_consent_and_information_sharing_form_is_consent_and_a_family_no_is_refusal(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        line("Consent and Information Sharing Agreement"),
        table(
            "table 1", [["Child's name", "Oscar Lord"], ["Has the family consented to this request?", "No"]]
        ),
    )
    assert facts.kind == "consent"
    assert facts.consent.given is False


def test_a_family_meeting_held_on_a_date_is_the_meeting_date(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = read(
        vocabulary,
        scheme,
        line("Family Plan", 1),
        line("Plan agreed at a family meeting held on 4th June 2025"),
        table("table 1", [["Name", "Date of birth", "Relationship"], ["Oscar Lord", "01/01/2015", "Son"]]),
        media="docx",
    )
    assert facts.meeting_date == date(2025, 6, 4)
