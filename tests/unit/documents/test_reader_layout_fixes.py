"""Two-column PDFs, dingbat tick boxes, RTF tables and claimed-format sniffing, on documents built here."""

from __future__ import annotations

import io
import os
import shutil

import docx
import pytest
from docx.oxml import parse_xml
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from mailbot.documents.dispatch import read_file
from mailbot.documents.glyphs import checkbox_glyph, symbol_char
from mailbot.domain.content import DocumentContent, DocumentLimits, InputFile, Paragraph, Table

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _read(name: str, payload: bytes, content_type: str = "application/octet-stream") -> DocumentContent:
    [content] = read_file(InputFile(name, content_type, payload), DocumentLimits())
    return content


def _lines(content: DocumentContent) -> list[str]:
    return [block.text for block in content.blocks if isinstance(block, Paragraph)]


def _pdf(draw: list[tuple[str, float, float, str]]) -> bytes:
    """A one-page PDF with each (font, x, y-from-top, text) drawn at 10 pt."""
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    height = A4[1]
    for font, x, y, text in draw:
        page.setFont(font, 10)
        page.drawString(x, height - y, text)
    page.save()
    return out.getvalue()


def _two_column_pdf() -> bytes:
    left = [("Case ref", "CR-1234"), ("Child", "Sam Lee"), ("Born", "1 May 2015"), ("School", "Oak Primary")]
    right = [("Worker", "Jo Bloggs"), ("Role", "Family Worker"), ("Phone", "01632 960001")]
    draw = [("Helvetica-Bold", 40, 40, "Health referral summary for the family support team")]
    for row, (label, value) in enumerate(left):
        draw += [("Helvetica", 40, 80 + 20 * row, label), ("Helvetica", 110, 80 + 20 * row, value)]
    for row, (label, value) in enumerate(right):
        draw += [("Helvetica", 300, 80 + 20 * row, label), ("Helvetica", 400, 80 + 20 * row, value)]
    draw.append(("Helvetica", 40, 200, "Notes: seen at home with mother, all well and agreed to help."))
    return _pdf(draw)


def test_two_column_pdf_is_read_left_column_then_right_with_label_value_lines_intact() -> None:
    lines = _lines(_read("referral.pdf", _two_column_pdf()))
    assert lines == [
        "Health referral summary for the family support team",
        "Case ref\tCR-1234",
        "Child\tSam Lee",
        "Born\t1 May 2015",
        "School\tOak Primary",
        "Worker\tJo Bloggs",
        "Role\tFamily Worker",
        "Phone\t01632 960001",
        "Notes: seen at home with mother, all well and agreed to help.",
    ]


def test_single_label_value_list_with_a_wide_gap_is_not_split_into_columns() -> None:
    rows = [("Name of the child", "Sam Lee"), ("Date of birth", "1 May 2015"), ("Address", "1 Oak Road")]
    rows += [("Lead professional", "Jo Bloggs"), ("Telephone", "01632 960001")]
    draw = [("Helvetica", 40, 80 + 20 * row, label) for row, (label, _) in enumerate(rows)]
    draw += [("Helvetica", 260, 80 + 20 * row, value) for row, (_, value) in enumerate(rows)]
    lines = _lines(_read("form.pdf", _pdf(draw)))
    assert lines == [f"{label}\t{value}" for label, value in rows]


def test_prose_in_one_column_keeps_line_order() -> None:
    text = ["The family were seen at home on Monday and", "agreed to a referral to the Early Help", "team."]
    lines = _lines(_read("letter.pdf", _pdf([("Helvetica", 40, 80 + 14 * i, t) for i, t in enumerate(text)])))
    assert lines == text


def test_zapf_dingbats_tick_boxes_in_a_pdf_read_as_layout_glyphs() -> None:
    draw = [
        ("Helvetica", 40, 80, "Level of need"),
        ("ZapfDingbats", 140, 80, "\u274f"),
        ("Helvetica", 152, 80, "Level 1"),
        ("ZapfDingbats", 200, 80, "\u2714"),
        ("Helvetica", 212, 80, "Level 2"),
        ("ZapfDingbats", 260, 80, "\u2751"),
        ("Helvetica", 272, 80, "Level 3"),
        ("Helvetica", 40, 100, "no box here"),
    ]
    lines = _lines(_read("levels.pdf", _pdf(draw)))
    assert lines[0].replace("\t", " ") == "Level of need ☐ Level 1 ☒ Level 2 ☐ Level 3"
    assert lines[1] == "no box here"  # ordinary letters in Helvetica are untouched


def test_checkbox_glyph_knows_wingdings_private_use_codes_and_ignores_ordinary_fonts() -> None:
    assert checkbox_glyph("ABCDEF+Wingdings-Regular", "\uf0fe") == "☒"
    assert checkbox_glyph("Wingdings", "¨") == "☐"
    assert checkbox_glyph("Wingdings 2", "£") == "☐"
    assert checkbox_glyph("Wingdings2", "T") == "☒"
    assert checkbox_glyph("Helvetica", "n") is None
    assert checkbox_glyph("ZapfDingbats", "a") is None


def _docx_with(xml_paragraphs: list[str]) -> bytes:
    document = docx.Document()
    body = document.element.body
    for xml in xml_paragraphs:
        body.insert(len(body) - 1, parse_xml(xml))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _sym(font: str, char: str) -> str:
    return f'<w:r><w:sym w:font="{font}" w:char="{char}"/></w:r>'


def _text(text: str, font: str = "") -> str:
    fonts = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:r>{fonts}<w:t xml:space="preserve">{text}</w:t></w:r>'


def test_docx_symbol_tick_boxes_in_wingdings_read_as_layout_glyphs() -> None:
    paragraphs = [
        f"<w:p {W_NS}>{_text('Consent ')}{_sym('Wingdings', 'F0FE')}{_text(' Yes ')}"
        f"{_sym('Wingdings', 'F0A8')}{_text(' No')}</w:p>",
        f"<w:p {W_NS}>{_text('Level ')}{_sym('Wingdings 2', 'F054')}{_text(' 2 ')}"
        f"{_sym('Wingdings 2', 'F0A3')}{_text(' 3')}</w:p>",
        f"<w:p {W_NS}>{_text('Agreed ')}{_text('x', 'Wingdings')}{_text(' yes ')}{_text('o', 'Wingdings')}</w:p>",
        f"<w:p {W_NS}>{_text('Bullet ')}{_sym('Symbol', 'F0B7')}{_text(' and plain x o')}</w:p>",
    ]
    lines = _lines(_read("consent.docx", _docx_with(paragraphs)))
    assert lines == ["Consent ☒ Yes ☐ No", "Level ☒ 2 ☐ 3", "Agreed ☒ yes ☐", "Bullet  and plain x o"]


def test_symbol_char_keeps_real_characters_and_maps_unicode_ballot_boxes() -> None:
    assert symbol_char("Segoe UI Symbol", "2611") == "☒"
    assert symbol_char("Arial", "00E9") == "é"
    assert symbol_char("", "F06F") == "☐"
    assert symbol_char("Wingdings", "zz") == ""


_RTF_TABLE = (
    r"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}"
    r"\pard Child details\par"
    r"\trowd\cellx3000\cellx6000 \intbl Name\cell \intbl Sam Lee\cell\row"
    r"\trowd\cellx3000\cellx6000 \intbl Date of birth\cell \intbl 01/05/2015\cell\row"
    r"\pard After the table\par}"
)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_rtf_tables_survive_through_libreoffice() -> None:
    content = _read("minutes.rtf", _RTF_TABLE.encode("ascii"))
    assert content.media == "rtf"
    tables = [block for block in content.blocks if isinstance(block, Table)]
    assert [[cell.text for cell in row] for row in tables[0].rows] == [
        ["Name", "Sam Lee"],
        ["Date of birth", "01/05/2015"],
    ]
    assert "After the table" in content.text


def test_rtf_without_libreoffice_falls_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)  # no soffice on the path
    content = _read("minutes.rtf", _RTF_TABLE.encode("ascii"))
    assert content.media == "rtf" and not content.problems
    assert "Sam Lee" in content.text and not any(isinstance(b, Table) for b in content.blocks)


def test_random_bytes_named_docx_are_corrupt_naming_the_file_and_claimed_type() -> None:
    noise = bytes((i * 37 + 11) % 256 for i in range(3000))
    content = _read("plan.docx", noise)
    assert [p.code for p in content.problems] == ["corrupt"]
    assert "plan.docx" in content.problems[0].detail and "Word document" in content.problems[0].detail


def test_plain_text_named_pdf_is_corrupt() -> None:
    content = _read("plan.pdf", b"This is just a note, not a PDF at all.\n", "application/pdf")
    assert [p.code for p in content.problems] == ["corrupt"]
    assert "plan.pdf" in content.problems[0].detail and "PDF" in content.problems[0].detail


def test_claim_by_mime_type_counts_when_the_name_has_no_extension() -> None:
    content = _read("attachment", b"hello there\n", "application/pdf")
    assert [p.code for p in content.problems] == ["corrupt"]


def test_unknown_extension_with_unreadable_bytes_is_unsupported() -> None:
    noise = bytes((i * 37 + 11) % 256 for i in range(3000))
    content = _read("data.xyz", noise)
    assert [p.code for p in content.problems] == ["unsupported_format"]


def test_text_named_txt_is_still_read() -> None:
    content = _read("note.txt", b"Child: Sam Lee\n", "text/plain")
    assert not content.problems and _lines(content) == ["Child: Sam Lee"]
