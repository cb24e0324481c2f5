"""The PDF reader: lines per page, ruled tables, AcroForm fields, encryption, scans and OCR."""

from __future__ import annotations

import shutil

import pytest
from reader_builders import encrypt_pdf, pdf_with_form, pdf_with_text, png_bytes, scanned_pdf

from mailbot.documents.dispatch import read_file
from mailbot.domain.content import DocumentLimits, FormField, InputFile, Paragraph, Table

LIMITS = DocumentLimits()
HAVE_TESSERACT = shutil.which("tesseract") is not None


def read_one(payload: bytes, name: str = "plan.pdf", limits: DocumentLimits = LIMITS):
    contents = read_file(InputFile(name, "application/octet-stream", payload), limits)
    assert len(contents) == 1
    return contents[0]


def test_lines_per_page_keep_labels_and_values():
    content = read_one(
        pdf_with_text([["Child name: Sam Example", "Date of birth", "01/02/2015"], ["Page two text"]])
    )
    assert content.pages == 2
    assert [(b.text, b.where) for b in content.blocks] == [
        ("Child name: Sam Example", "page 1"),
        ("Date of birth", "page 1"),
        ("01/02/2015", "page 1"),
        ("Page two text", "page 2"),
    ]
    assert not content.ocr and content.problems == ()


def test_ruled_table_found_in_reading_order_without_repeating_its_text():
    content = read_one(
        pdf_with_text(
            [["Heading line"]], table=[["URN", "LAN-004217-K"], ["Lead professional", "Alex Worker"]]
        )
    )
    kinds = [type(b).__name__ for b in content.blocks]
    assert kinds == ["Paragraph", "Table", "Paragraph"]
    table = content.blocks[1]
    assert isinstance(table, Table)
    assert [[c.text for c in row] for row in table.rows] == [
        ["URN", "LAN-004217-K"],
        ["Lead professional", "Alex Worker"],
    ]
    assert table.where == "page 1 table 1"
    assert content.text.count("Alex Worker") == 1


def test_acroform_fields_with_tooltips_checkboxes_and_radio():
    content = read_one(pdf_with_form())
    fields = {b.label: (b.value, b.checkbox, b.where) for b in content.blocks if isinstance(b, FormField)}
    assert fields["Child's full name"] == ("Sam Example", False, "form field 'ChildName'")
    assert fields["Postcode"][0] == "PR1 2AB"
    assert fields["Consent given"] == ("☒", True, "form field 'Consent'")
    assert fields["Refused"][:2] == ("☐", True)
    assert fields["Level"][0] == "L3"
    assert any(isinstance(b, Paragraph) and b.text == "Step down form" for b in content.blocks)


def test_user_password_is_encrypted_problem():
    content = read_one(encrypt_pdf(pdf_with_text([["secret"]]), user_password="u", owner_password="o"))
    assert [p.code for p in content.problems] == ["encrypted"]
    assert "plan.pdf" in content.problems[0].detail


def test_owner_password_only_is_still_read():
    content = read_one(
        encrypt_pdf(pdf_with_text([["Readable despite permissions"]]), user_password="", owner_password="o")
    )
    assert content.problems == ()
    assert content.text == "Readable despite permissions"


def test_damaged_pdf_is_corrupt():
    payload = pdf_with_text([["x"]])
    content = read_one(payload[: len(payload) // 3] + b"\x00garbage")
    assert [p.code for p in content.problems] == ["corrupt"]


def test_page_limit():
    content = read_one(pdf_with_text([["a"], ["b"], ["c"]]), limits=DocumentLimits(max_pages=2))
    assert [p.code for p in content.problems] == ["too_large"]
    assert content.blocks == ()


def test_scan_without_ocr_is_no_text_layer():
    content = read_one(scanned_pdf(["Child name Sam"]), limits=DocumentLimits(ocr_enabled=False))
    assert [p.code for p in content.problems] == ["no_text_layer"]
    assert not content.ocr


@pytest.mark.skipif(not HAVE_TESSERACT, reason="tesseract is not installed")
def test_scanned_page_is_ocrd():
    content = read_one(scanned_pdf(["Child name Sam Example", "Lead professional Alex"]))
    assert content.ocr
    assert content.problems == ()
    assert "Sam Example" in content.text and "Lead professional" in content.text
    assert all(b.where == "page 1" for b in content.blocks)


@pytest.mark.skipif(not HAVE_TESSERACT, reason="tesseract is not installed")
def test_attached_picture_is_ocrd():
    content = read_one(png_bytes(["Consent given Yes"]), name="photo.png")
    assert content.media == "image" and content.ocr
    assert "Consent given" in content.text


def test_attached_picture_without_ocr():
    content = read_one(png_bytes(["x"]), name="photo.png", limits=DocumentLimits(ocr_enabled=False))
    assert [p.code for p in content.problems] == ["no_text_layer"]
