"""The .docx reader: reading order, tables, form controls, tracked changes, safety checks."""

from __future__ import annotations

import io
import zipfile

import pytest
from reader_builders import (
    append_body_xml,
    checkbox_sdt_paragraph,
    date_sdt_paragraph,
    docx_bytes,
    encrypt_ooxml,
    form_checkbox_run,
    form_text_runs,
    paragraph_xml,
    placeholder_sdt_paragraph,
    rezip,
    text_box_paragraph,
    tracked_changes_paragraph,
)

from mailbot.documents.dispatch import read_file
from mailbot.domain.content import DocumentLimits, InputFile, Paragraph, Table

LIMITS = DocumentLimits()


def read_one(payload: bytes, name: str = "assessment.docx", limits: DocumentLimits = LIMITS):
    contents = read_file(InputFile(name, "application/octet-stream", payload), limits)
    assert len(contents) == 1
    return contents[0]


def test_body_order_headings_header_and_footer():
    def build(document):
        document.sections[0].header.paragraphs[0].text = "OFFICIAL SENSITIVE"
        document.sections[0].footer.paragraphs[0].text = "Page footer"
        document.add_heading("Family assessment", 1)
        document.add_paragraph("Before the table")
        document.add_table(rows=1, cols=2).rows[0].cells[0].text = "Name"
        document.add_paragraph("After the table")
        document.add_paragraph().add_run("Section 2 Family").bold = True
        document.add_paragraph().add_run("Name of child:").bold = True

    content = read_one(docx_bytes(build))
    kinds = [(type(b).__name__, b.where) for b in content.blocks]
    assert kinds[0] == ("Paragraph", "header")
    assert kinds[-1] == ("Paragraph", "footer")
    texts = content.text.splitlines()
    assert texts.index("Before the table") < texts.index("Name\t") < texts.index("After the table")
    headings = {b.text: b.heading_level for b in content.blocks if isinstance(b, Paragraph)}
    assert headings["Family assessment"] == 1
    assert headings["Section 2 Family"] == 2
    assert headings["Name of child:"] is None
    assert headings["Before the table"] is None
    assert content.media == "docx"
    assert content.sha256 is not None and len(content.sha256) == 64


def test_merged_cells_appear_once_and_nested_table_follows_parent():
    def build(document):
        table = document.add_table(rows=3, cols=3)
        table.cell(0, 0).merge(table.cell(0, 2)).text = "Child details"
        table.cell(1, 0).merge(table.cell(2, 0)).text = "Sam"
        table.cell(1, 1).text = "DOB"
        table.cell(1, 2).text = "01/02/2015"
        table.cell(2, 1).text = "School"
        inner = table.cell(2, 2).add_table(rows=1, cols=2)
        inner.cell(0, 0).text = "Inner label"
        inner.cell(0, 1).text = "Inner value"

    content = read_one(docx_bytes(build))
    parent, nested = [b for b in content.blocks if isinstance(b, Table)]
    assert [c.text for c in parent.rows[0]] == ["Child details"]
    assert [c.text for c in parent.rows[1]] == ["Sam", "DOB", "01/02/2015"]
    assert [c.text for c in parent.rows[2]] == ["", "School", ""]
    assert nested.where == "table 1 row 3 cell 3, nested table 1"
    assert [c.text for c in nested.rows[0]] == ["Inner label", "Inner value"]
    assert "Sam" not in content.text.split("Child details", 1)[1].split("School")[1]


def test_content_controls_checkbox_date_and_placeholder():
    def build(document):
        append_body_xml(document, checkbox_sdt_paragraph("Consent given", ticked=True))
        append_body_xml(document, checkbox_sdt_paragraph("Refused", ticked=False))
        append_body_xml(document, date_sdt_paragraph("Date of birth:", "01/03/2015"))
        append_body_xml(document, placeholder_sdt_paragraph("Postcode:"))

    lines = read_one(docx_bytes(build)).text.splitlines()
    assert lines == ["Consent given ☒ Yes", "Refused ☐ Yes", "Date of birth: 01/03/2015", "Postcode:"]


def test_legacy_form_fields():
    def build(document):
        append_body_xml(
            document,
            paragraph_xml(
                '<w:r><w:t xml:space="preserve">Consent </w:t></w:r>'
                + form_checkbox_run(True)
                + '<w:r><w:t xml:space="preserve"> Yes </w:t></w:r>'
                + form_checkbox_run(None, default=False)
                + '<w:r><w:t xml:space="preserve"> No</w:t></w:r>'
            ),
        )
        append_body_xml(
            document,
            paragraph_xml(
                '<w:r><w:t xml:space="preserve">Child name: </w:t></w:r>' + form_text_runs("Sam Example")
            ),
        )
        append_body_xml(
            document,
            paragraph_xml(form_checkbox_run(None, default=True) + "<w:r><w:t>Default ticked</w:t></w:r>"),
        )

    lines = read_one(docx_bytes(build)).text.splitlines()
    assert lines == ["Consent ☒ Yes ☐ No", "Child name: Sam Example", "☒Default ticked"]


def test_tracked_changes_count_insertions_not_deletions():
    content = read_one(docx_bytes(lambda d: append_body_xml(d, tracked_changes_paragraph())))
    assert content.text == "Level of need: 3"


def test_text_box_read_once():
    content = read_one(docx_bytes(lambda d: append_body_xml(d, text_box_paragraph("Boxed URN LAN-004217-K"))))
    assert content.text == "Boxed URN LAN-004217-K"


def test_docm_read_as_text_without_problem():
    payload = docx_bytes(lambda d: d.add_paragraph("Macro document text"))
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    content = read_one(rezip(payload, replace={"[Content_Types].xml": types}), "plan.docm")
    assert content.media == "docm"
    assert content.problems == ()
    assert content.text == "Macro document text"


def test_zip_bomb_refused_before_parsing():
    payload = docx_bytes(lambda d: d.add_paragraph("x"))
    bomb = rezip(payload, add={"word/media/padding.bin": b"\0" * (3 * 1024 * 1024)})
    content = read_one(bomb, limits=DocumentLimits(max_uncompressed_bytes=2 * 1024 * 1024))
    assert [p.code for p in content.problems] == ["too_large"]
    many = rezip(payload, add={f"customXml/extra{n}.xml": b"<a/>" for n in range(40)})
    content = read_one(many, limits=DocumentLimits(max_zip_members=30))
    assert [p.code for p in content.problems] == ["too_large"]


def test_xml_with_entities_refused():
    payload = docx_bytes(lambda d: d.add_paragraph("x"))
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        body = archive.read("word/document.xml")
    evil = body.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    content = read_one(rezip(payload, replace={"word/document.xml": evil}))
    assert [p.code for p in content.problems] == ["corrupt"]
    assert "root:" not in content.text


def test_encrypted_docx():
    payload = encrypt_ooxml(docx_bytes(lambda d: d.add_paragraph("secret")), "pass")
    content = read_one(payload)
    assert [p.code for p in content.problems] == ["encrypted"]
    assert "assessment.docx" in content.problems[0].detail


@pytest.mark.parametrize("payload", [b"PK\x03\x04 truncated zip", b"\x00\x01garbage" * 50])
def test_corrupt_bytes_never_raise(payload):
    content = read_one(payload)
    assert content.problems and content.problems[0].code in ("corrupt", "unsupported_format")
    assert "Traceback" not in content.problems[0].detail
