"""Containers: winmail.dat (TNEF) and forwarded .eml expand into their body and attachments."""

from __future__ import annotations

from reader_builders import docx_bytes, eml_bytes, pdf_with_text, tnef_bytes
from tnefparse.tnef import TNEF

from mailbot.documents.dispatch import read_file
from mailbot.domain.content import DocumentLimits, InputFile

LIMITS = DocumentLimits()


def test_tnef_writer_is_valid_for_tnefparse():
    parsed = TNEF(tnef_bytes("Body", [("a.txt", b"hello")]), do_checksum=True)
    assert [(a.name, a.data) for a in parsed.attachments] == [("a.txt", b"hello")]


def test_winmail_dat_gives_body_and_each_attachment():
    assessment = docx_bytes(lambda d: d.add_paragraph("Assessment text"))
    plan = pdf_with_text([["Plan text"]])
    payload = tnef_bytes(
        "Please find attached.\r\nThanks", [("assessment.docx", assessment), ("plan.pdf", plan)]
    )
    contents = read_file(InputFile("winmail.dat", "application/ms-tnef", payload), LIMITS)
    assert [(c.file, c.media) for c in contents] == [
        ("winmail.dat", "email"),
        ("winmail.dat/assessment.docx", "docx"),
        ("winmail.dat/plan.pdf", "pdf"),
    ]
    assert contents[0].text == "Please find attached.\nThanks"
    assert contents[1].text == "Assessment text"
    assert contents[2].text == "Plan text"
    assert all(c.sha256 for c in contents) and contents[1].sha256 != contents[0].sha256


def test_forwarded_eml_is_read_recursively():
    inner = eml_bytes(
        "Original step down request\nURN LAN-004217-K",
        [
            (
                "assessment.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                docx_bytes(lambda d: d.add_paragraph("Inner assessment")),
            )
        ],
    )
    contents = read_file(InputFile("Fwd step down.eml", "message/rfc822", inner), LIMITS)
    assert [(c.file, c.media) for c in contents] == [
        ("Fwd step down.eml", "email"),
        ("Fwd step down.eml/assessment.docx", "docx"),
    ]
    assert "URN LAN-004217-K" in contents[0].text
    assert contents[1].text == "Inner assessment"


def test_nesting_deeper_than_the_limit_gets_a_problem():
    payload = eml_bytes("level 4", [])
    for level in range(4):
        payload = eml_bytes(f"level {level}", [(f"fwd{level}.eml", "message/rfc822", payload)])
    contents = read_file(InputFile("outer.eml", "message/rfc822", payload), LIMITS)
    assert [c.media for c in contents[:4]] == ["email"] * 4
    assert contents[-1].problems and contents[-1].problems[0].code == "unsupported_format"
    assert contents[-1].file.count("/") == 4
