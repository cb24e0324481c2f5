"""Legacy and simple formats: .doc (antiword), .odt, .rtf, text, HTML, and format sniffing."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from reader_builders import docx_bytes, odt_bytes

from mailbot.documents.dispatch import read_file
from mailbot.documents.legacy import _read_doc_libreoffice
from mailbot.documents.sniff import sniff
from mailbot.domain.content import DocumentLimits, InputFile, Paragraph, Table

LIMITS = DocumentLimits()


def read_one(payload: bytes, name: str, content_type: str = "application/octet-stream"):
    contents = read_file(InputFile(name, content_type, payload), LIMITS)
    assert len(contents) == 1
    return contents[0]


@pytest.fixture(scope="module")
def word97_doc(tmp_path_factory) -> bytes:
    """A real Word 97-2003 file, converted from a .docx by LibreOffice (no binary fixture committed)."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("doc")

    def build(document):
        document.add_paragraph("Child name: Sam Example")
        for number in range(20):  # antiword refuses a text stream of only a few characters
            document.add_paragraph(
                f"Assessment paragraph {number} describing the family's strengths and needs."
            )
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "URN"
        table.cell(0, 1).text = "LAN-004217-K"

    (folder / "in.docx").write_bytes(docx_bytes(build))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(folder),
            str(folder / "in.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (folder / "in.doc").read_bytes()


def test_sniff_trusts_bytes_over_name_and_mime(word97_doc):
    docx_payload = docx_bytes(lambda d: d.add_paragraph("x"))
    assert sniff(docx_payload, "scan.pdf", "application/pdf") == "docx"
    assert sniff(b"%PDF-1.7\n...", "plan.docx", "application/octet-stream") == "pdf"
    assert sniff(word97_doc, "plan.docx", "application/octet-stream") == "doc"
    assert sniff(b"{\\rtf1 hello}", "x.doc", "") == "rtf"
    assert (
        sniff((0x223E9F78).to_bytes(4, "little") + b"\x01\x00", "winmail.dat", "application/ms-tnef")
        == "tnef"
    )
    assert sniff(b"\x89PNG\r\n\x1a\n....", "a.bin", "") == "image"
    assert sniff(b"Received: from x\r\nSubject: y\r\n\r\nbody", "noname", "application/octet-stream") == "eml"
    assert sniff(b"<html><body>hi</body></html>", "a.htm", "") == "html"
    assert sniff(b"plain words", "notes.txt", "text/plain") == "text"
    assert sniff(odt_bytes(), "a.odt", "") == "odt"
    assert sniff(bytes(range(256)) * 4, "mystery.bin", "") == "unknown"


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword is not installed")
def test_word97_doc_via_antiword(word97_doc):
    content = read_one(word97_doc, "old.doc")
    assert content.media == "doc" and content.problems == ()
    assert "Child name: Sam Example" in content.text
    tables = [b for b in content.blocks if isinstance(b, Table)]
    assert [[c.text for c in row] for row in tables[0].rows] == [["URN", "LAN-004217-K"]]


def test_word97_doc_via_libreoffice(word97_doc):
    content = _read_doc_libreoffice(word97_doc, "old.doc", LIMITS)
    assert content.media == "doc"
    assert "Child name: Sam Example" in content.text and "LAN-004217-K" in content.text


def test_odt_headings_paragraphs_and_tables():
    content = read_one(odt_bytes(), "assessment.odt")
    assert content.media == "odt" and content.problems == ()
    first = content.blocks[0]
    assert isinstance(first, Paragraph) and first.text == "Family assessment" and first.heading_level == 1
    table = next(b for b in content.blocks if isinstance(b, Table))
    assert [[c.text for c in row] for row in table.rows] == [
        ["Child", "Sam Example"],
        ["URN", "LAN-004217-K"],
    ]


def test_rtf():
    rtf = (
        rb"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0"
        rb"\pard Child name: Sam\par Consent: Yes \'96 signed\par}"
    )
    content = read_one(rtf, "plan.rtf")
    assert content.media == "rtf"
    assert content.text.splitlines() == ["Child name: Sam", "Consent: Yes – signed"]


def test_text_and_html():
    assert (
        read_one("Name: Zoë\r\n\r\nURN: LAN-004217-K".encode("cp1252"), "n.txt").text
        == "Name: Zoë\nURN: LAN-004217-K"
    )
    html = (
        b"<html><head><style>p{}</style><script>x()</script></head><body><p>Hello</p>"
        b"<table><tr><td>URN</td><td>LAN-1</td></tr></table></body></html>"
    )
    content = read_one(html, "n.html", "text/html")
    assert content.text.splitlines() == ["Hello", "URN\tLAN-1"]


def test_unknown_and_empty():
    assert [p.code for p in read_one(bytes(range(256)) * 4, "mystery.bin").problems] == ["unsupported_format"]
    assert [p.code for p in read_one(b"   \n", "blank.txt").problems] == ["empty"]


def test_too_large_before_anything_else():
    contents = read_file(
        InputFile("big.pdf", "application/pdf", b"%PDF" + b"0" * 2000), DocumentLimits(max_bytes=1000)
    )
    assert [p.code for p in contents[0].problems] == ["too_large"]
