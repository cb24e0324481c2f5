"""Big files read in the worker without holding them whole: a message taken apart in a stream, a Word
file read without its pictures — with the same facts as the ordinary path."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from reader_builders import docx_bytes

from mailbot.documents.docx import read_docx, slim_package
from mailbot.domain.content import DocumentLimits
from mailbot.domain.urn import UrnScheme
from mailbot.extract import load_vocabulary
from mailbot.register.storage import Storage
from mailbot.service.message_reading import OpeningRules, StoredFile, open_stored, read_stored

MB = 1024 * 1024
VOCABULARY = load_vocabulary(None)


def _png(side: int) -> bytes:
    """A valid PNG of noise, stored uncompressed: a scan's weight in a few lines."""
    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def _assessment_with_scan() -> bytes:
    def build(document):  # type: ignore[no-untyped-def]
        document.add_paragraph("Child's name: Maisie Example")
        document.add_paragraph("Date of birth: 03/04/2015")
        document.add_picture(io.BytesIO(_png(700)))

    return docx_bytes(build)


def test_a_word_file_without_its_pictures_reads_the_same() -> None:
    original = _assessment_with_scan()
    assert len(original) > MB
    slim = slim_package(io.BytesIO(original), "a.docx", DocumentLimits())
    assert slim is not None and len(slim) < len(original) // 10
    assert (
        read_docx(slim, "a.docx", DocumentLimits()).blocks
        == read_docx(original, "a.docx", DocumentLimits()).blocks
    )


def test_only_a_word_package_is_slimmed() -> None:
    assert slim_package(io.BytesIO(b"%PDF-1.4 not a zip"), "a.pdf", DocumentLimits()) is None


def test_a_big_message_is_opened_in_a_stream_and_its_big_file_read_slim(tmp_path: Path) -> None:
    scan = _assessment_with_scan()
    message = EmailMessage()
    message["From"] = "Sam Worker <sw.one@lancashire.gov.uk>"
    message["To"] = "caf@lancashire.gov.uk"
    message["Subject"] = "URN request"
    message.set_content("Please can I request a URN. Consent has been given.")
    message.add_attachment(scan, maintype="application", subtype="octet-stream", filename="Assessment.docx")
    storage = Storage(tmp_path)
    _sha, raw_path = storage.put("raw", message.as_bytes(policy=SMTP))
    opened = open_stored(storage, raw_path, OpeningRules(), VOCABULARY, big=MB // 2, part=MB // 4)
    assert opened.parsed.attachments == () and [f.filename for f in opened.files] == ["Assessment.docx"]
    stored = opened.files[0]
    assert storage.get(stored.path) == scan and stored.size == len(scan)
    assert stored.sha256 == hashlib.sha256(scan).hexdigest()
    assert opened.written.startswith("Please can I request a URN")
    slim = read_stored(stored, storage, DocumentLimits(), VOCABULARY, UrnScheme(), big=MB // 2)
    whole = read_stored(stored, storage, DocumentLimits(), VOCABULARY, UrnScheme(), big=100 * MB)
    assert slim == whole
    assert [c.name for c in slim[0].children] == ["Maisie Example"] and slim[0].sha256 == stored.sha256


def test_a_stored_file_over_the_size_limit_is_not_loaded(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    file = StoredFile("huge.pdf", "application/pdf", "documents/ab/" + "ab" * 32, 30 * MB)  # no such file
    facts = read_stored(file, storage, DocumentLimits(max_bytes=25 * MB), VOCABULARY, UrnScheme())
    assert [p.code for p in facts[0].problems] == ["too_large"] and facts[0].sha256 == "ab" * 32
