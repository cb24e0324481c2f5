"""The general form model: layouts read by place and meaning, plausibility, and uncertain facts (issue 10).

Each test builds the smallest document that shows one rule, with wording no regression corpus uses.
"""

from __future__ import annotations

import io
from datetime import date

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from mailbot.documents.dispatch import read_file
from mailbot.domain.content import Cell, DocumentContent, DocumentLimits, InputFile, Paragraph, Table
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts, parse_british_date
from mailbot.extract.dates import birth_date_in_window
from mailbot.extract.values import clean_name, consent_in_sentence

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paragraphs(*lines: str) -> DocumentContent:
    blocks = tuple(Paragraph(line, f"paragraph {n}") for n, line in enumerate(lines, start=1))
    return DocumentContent(file="form.docx", media="docx", blocks=blocks)


def test_dates_written_with_month_names_and_dashes_or_dots() -> None:
    assert parse_british_date("27-Jul-2020") == date(2020, 7, 27)
    assert parse_british_date("27th July 2020") == date(2020, 7, 27)
    assert parse_british_date("27.07.20") == date(2020, 7, 27)


def test_a_child_is_born_within_25_years_of_the_document() -> None:
    window = (2024 - 25, 2024)
    assert birth_date_in_window("11/04/19", window) == date(2019, 4, 11)  # never 1919
    assert birth_date_in_window("3/6/1976", window) is None  # a parent's, not a child's
    assert birth_date_in_window("1/1/2030", window) is None  # after the document


def test_two_digit_birth_years_resolve_into_the_documents_window(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = extract_facts(
        paragraphs("Date of request: 08/04/2024", "Child's name: Ava Lee", "Date of birth: 11/04/19"),
        vocabulary,
        scheme,
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Ava Lee", date(2019, 4, 11))]


def test_surname_first_as_case_systems_print_it() -> None:
    assert clean_name("LOMAX, Lacey") == "Lacey Lomax"
    assert clean_name("O'BRIEN-SMITH, Mary Ann") == "Mary Ann O'Brien-Smith"
    assert clean_name("Jo Smith, Social Worker") == "Jo Smith"


def test_dotted_leaders_join_labels_to_values_and_previous_urns_are_not_the_urn(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    old, current = scheme.format(190), scheme.format(35882)
    facts = extract_facts(
        paragraphs(
            f"Previous URN (closed episode - do not use) ........ {old}",
            f"Current URN ..................... {current}",
            "Name of child ................... Isla Kowalczyk",
            "D.O.B. .......................... 18.09.14",
        ),
        vocabulary,
        scheme,
    )
    assert facts.urn == current and facts.problems == ()
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Isla Kowalczyk", date(2014, 9, 18))]


def test_labels_matched_by_meaning_misspelt_or_qualified(vocabulary: FieldVocabulary) -> None:
    assert vocabulary.classify("Organisaton", "lead_professional").field == "agency"  # type: ignore[union-attr]
    assert vocabulary.classify("Current URN", None).field == "urn"  # type: ignore[union-attr]
    assert vocabulary.classify("Previous URN", None) is None
    assert vocabulary.classify("LCS / Mosaic ID", "child").field == "lcs_id"  # type: ignore[union-attr]
    assert vocabulary.classify("Date completed", "consent") is None  # a bare "date" is no one field


def test_numbered_child_labels_number_the_labels_below(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = extract_facts(
        paragraphs(
            "Child 1 name: Ava Lee",
            "D.O.B.: 3/4/2015",
            "Child 2 name: Sam Lee",
            "D.O.B.: 9/9/2018",
            "Mother's name: Kim Lee",
            "D.O.B.: 1/1/1990",
        ),
        vocabulary,
        scheme,
    )
    assert [(c.name, c.date_of_birth) for c in facts.children] == [
        ("Ava Lee", date(2015, 4, 3)),
        ("Sam Lee", date(2018, 9, 9)),
    ]


def test_labels_above_values_in_boxes(vocabulary: FieldVocabulary, scheme: UrnScheme) -> None:
    def row(*texts: str) -> tuple[Cell, ...]:
        return tuple(Cell(text, f"t1 row 1 cell {i}") for i, text in enumerate(texts, start=1))

    content = DocumentContent(
        file="form.pdf",
        media="pdf",
        blocks=(
            Paragraph("About the child", "page 1"),
            Table((row("First name\nAyesha", "Last name\nEntwistle", "Date of birth\n6 Dec 2017"),), "t1"),
            Paragraph("Consent", "page 1"),
            Paragraph("Has the family agreed to information being shared?\tYes X\tNo", "page 1"),
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert [(c.name, c.date_of_birth) for c in facts.children] == [("Ayesha Entwistle", date(2017, 12, 6))]
    assert facts.consent.given is True


def test_equally_good_readings_that_disagree_leave_the_fact_uncertain_with_both(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    facts = extract_facts(paragraphs("Level of need: Level 2", "Level of need: Level 3"), vocabulary, scheme)
    assert facts.level_of_need is None
    assert [p.code for p in facts.problems] == ["uncertain"]
    assert '"2" (paragraph 1) or "3" (paragraph 2)' in facts.problems[0].detail


def test_a_value_ocr_was_unsure_of_is_a_candidate_never_a_fact(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = DocumentContent(
        file="fax.pdf",
        media="pdf",
        ocr=True,
        blocks=(
            Paragraph("Lead professional", "page 1"),
            Paragraph(
                "Email: jo.bloggs@lencashive.gov.uk", "page 1", unsure=("jo.bloggs@lencashive.gov.uk",)
            ),
            Paragraph("Telephone: 01632 960257", "page 1"),
        ),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.lead_professional is not None
    assert facts.lead_professional.email is None and facts.lead_professional.phone == "01632 960257"
    assert [p.detail.split(":")[0] for p in facts.problems] == ["lead_professional.email"]


def test_consent_only_on_an_explicit_yes_and_the_struck_option_is_not_read(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    assert consent_in_sentence("I DO / DO NOT give consent (delete as appropriate)") is None
    assert consent_in_sentence("I do not give my consent") is False

    def consent_form(struck: str) -> bool | None:
        document = docx.Document()
        document.add_heading("Consent to Early Help", level=1)
        paragraph = document.add_paragraph("I ")
        for option in ("DO", " / ", "DO NOT"):
            run = paragraph.add_run(option)
            run.font.strike = option == struck
        paragraph.add_run(" give consent for my family's plan to be shared (delete as appropriate).")
        out = io.BytesIO()
        document.save(out)
        (content,) = read_file(InputFile("consent.docx", DOCX, out.getvalue()), DocumentLimits())
        return extract_facts(content, vocabulary, scheme).consent.given

    assert consent_form(struck="DO NOT") is True
    assert consent_form(struck="DO") is False
    assert consent_form(struck="") is None


def test_acroform_fields_without_tooltips_are_named_by_the_text_beside_them(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    rows = [
        ("Lead professional", None, None),
        ("Name", "Text1", "Yvonne Hussain"),
        ("Organisation", "Text2", "Health Visiting Service"),
        ("Consent", None, None),
    ]
    y = 780.0
    for label, field, value in rows:
        page.drawString(60, y, label)
        if field is not None:
            page.acroForm.textfield(name=field, value=value, x=200, y=y - 4, width=300, height=16)
        y -= 30
    page.drawString(60, y, "Family agrees to the step down:")
    page.drawString(260, y, "Yes")
    page.acroForm.checkbox(name="Check Box1", x=285, y=y - 2, size=12, checked=False)
    page.drawString(320, y, "No")
    page.acroForm.checkbox(name="Check Box2", x=340, y=y - 2, size=12, checked=True)
    page.showPage()
    page.save()
    (content,) = read_file(InputFile("form.pdf", "application/pdf", out.getvalue()), DocumentLimits())
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.lead_professional is not None
    assert (facts.lead_professional.name, facts.lead_professional.agency) == (
        "Yvonne Hussain",
        "Health Visiting Service",
    )
    assert facts.consent.given is False
