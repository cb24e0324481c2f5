"""Answers marked by ticks the way other councils' forms mark them (pure, no servers): boxes typed in
brackets, a Yes/No answer grid, a signature that must not outvote the form's own answers, and a role
heading that is never a child's name. Written for the wrong values found at first contact with
tests/fixtures/heldout_second (new layouts here, not that corpus's wording)."""

from __future__ import annotations

from mailbot.domain.content import Cell, DocumentContent, Paragraph, Table
from mailbot.domain.urn import UrnScheme
from mailbot.extract import FieldVocabulary, extract_facts
from mailbot.extract.layout import marks_to_boxes
from mailbot.extract.values import clean_name


def _document(*blocks: Paragraph | Table) -> DocumentContent:
    return DocumentContent(file="form.pdf", media="pdf", blocks=tuple(blocks))


def _table(rows: list[tuple[str, ...]], where: str = "t1") -> Table:
    return Table(
        tuple(
            tuple(Cell(text, f"{where} row {r} cell {c}") for c, text in enumerate(row, start=1))
            for r, row in enumerate(rows, start=1)
        ),
        where,
    )


def test_a_box_typed_in_brackets_belongs_to_the_word_after_it() -> None:
    assert marks_to_boxes("Consent to share? [ ] Yes [X] No") == "Consent to share? ☐ Yes ☒ No"
    assert marks_to_boxes("[x] Yes [ ] No") == "☒ Yes ☐ No"
    assert marks_to_boxes("Agreed?  Yes X  No") == "Agreed?  ☒ Yes ☐ No"  # a mark after its answer
    assert marks_to_boxes("Reply to [SD-000002] please") == "Reply to [SD-000002] please"


def test_consent_refused_in_bracket_boxes_is_not_given(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    for answer, given in (("[ ] Yes [X] No", False), ("[X] Yes [ ] No", True)):
        content = _document(Paragraph(f"Has the parent/carer consented to Early Help? {answer}", "page 1"))
        assert extract_facts(content, vocabulary, scheme).consent.given is given, answer


def test_a_consent_statement_answered_in_a_yes_no_grid(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    def grid(yes: str, no: str) -> bool | None:
        content = _document(
            Paragraph("Agreement", "page 1"),
            _table(
                [
                    ("", "Yes", "No"),
                    ("The family consents to information being shared with partners", yes, no),
                ]
            ),
        )
        return extract_facts(content, vocabulary, scheme).consent.given

    assert grid("✓", "") is True
    assert grid("", "✓") is False
    assert grid("", "") is None  # no tick, no answer
    assert grid("✓", "✓") is None  # two ticks say nothing


def test_a_signature_does_not_outvote_answers_that_disagree(
    vocabulary: FieldVocabulary, scheme: UrnScheme
) -> None:
    content = _document(
        Paragraph("Consent", "page 1"),
        Paragraph("Consent given: Yes", "page 1"),
        Paragraph("Consent given: No", "page 2"),
        _table([("Signed", "Agata Duckworth"), ("Date", "24/04/2026")], "t2"),
    )
    facts = extract_facts(content, vocabulary, scheme)
    assert facts.consent.given is None  # uncertain: a person decides
    assert "uncertain" in [p.code for p in facts.problems]


def test_a_role_heading_is_never_a_persons_name() -> None:
    assert clean_name("NAMED WORKER") is None
    assert clean_name("Allocated Practitioner") is None
    assert clean_name("Skye Bamber") == "Skye Bamber"
    assert clean_name("Jo Walker") == "Jo Walker"  # a surname that only looks like a role
