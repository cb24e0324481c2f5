"""Looking for a person's data everywhere mailbot keeps it: a full dump of the database (SQLite's
iterdump, PostgreSQL's pg_dump) plus a SELECT of every column, and every file in the storage folder.

Binary values (outbox.raw, stored files) are opened up before searching: hex blobs in the dumps are
decoded, emails are split into their decoded parts, .docx (zip) members and PDF text are read, so a
name inside a base64 attachment or a compressed document is still found. Any document at all (a PDF,
a zip/docx, an OLE .doc) found anywhere counts as a document remaining.
"""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import subprocess
import zipfile
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import LargeBinary, column, create_engine, inspect, select, table
from sqlalchemy.engine import make_url

DOCUMENT_SIGNATURES = {b"%PDF": "PDF", b"PK\x03\x04": "zip/docx", b"\xd0\xcf\x11\xe0": "OLE (.doc/.msg)"}
_HEX_SQLITE = re.compile(rb"X'([0-9A-Fa-f]+)'")
_HEX_POSTGRES = re.compile(rb"\\\\?x([0-9a-f]{2,})")


def _pdf_text(blob: bytes) -> str:
    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(blob)).pages)
    except Exception:  # a damaged PDF still counts as a document; its text is simply not read
        return ""


def expand(blob: bytes, depth: int = 0) -> Iterator[bytes]:
    """``blob`` and everything inside it: decoded email parts, zip members, PDF text."""
    yield blob
    if depth > 4:
        return
    if blob.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                for name in archive.namelist():
                    yield from expand(archive.read(name), depth + 1)
        except zipfile.BadZipFile:
            pass
    elif blob.startswith(b"%PDF"):
        yield _pdf_text(blob).encode()
    elif b"\n\n" in blob[:20000] or b"\r\n\r\n" in blob[:20000]:
        head = blob.split(b"\n", 1)[0]
        if b":" in head and not head.startswith(b"{"):
            message = message_from_bytes(blob, policy=policy.default)
            for part in message.walk():
                if part.is_multipart():
                    continue
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload != blob:
                    yield from expand(payload, depth + 1)


def decoded_blobs(dump: bytes) -> Iterator[bytes]:
    """The binary values written as hex in a dump (SQLite ``X'..'``, PostgreSQL ``\\x..``)."""
    for pattern in (_HEX_SQLITE, _HEX_POSTGRES):
        for match in pattern.finditer(dump):
            hex_text = match.group(1)
            if len(hex_text) % 2 == 0:
                yield bytes.fromhex(hex_text.decode())


def sqlite_dump(url: str) -> bytes:
    connection = sqlite3.connect(str(make_url(url).database))
    try:
        return "\n".join(connection.iterdump()).encode()
    finally:
        connection.close()


def postgres_dump(url: str) -> bytes:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise AssertionError(
            "pg_dump is not installed (scripts/install-test-deps.sh installs postgresql-client)"
        )
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        [binary, "--no-owner", "--no-privileges", libpq], capture_output=True, check=True
    ).stdout


def every_column(url: str) -> Iterator[bytes]:
    """Every value of every column of every table, as bytes (the dump-free way to read it all)."""
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        with engine.connect() as connection:
            for name in inspector.get_table_names():
                columns = inspector.get_columns(name)
                query = select(*(column(c["name"]) for c in columns)).select_from(table(name))
                for row in connection.execute(query):
                    for spec, value in zip(columns, row, strict=True):
                        if value is None:
                            continue
                        if isinstance(spec["type"], LargeBinary) or isinstance(value, bytes | memoryview):
                            yield bytes(value)
                        else:
                            yield str(value).encode()
    finally:
        engine.dispose()


def database_contents(url: str) -> list[bytes]:
    """The database dump with its blobs decoded, plus every column read with SELECT."""
    dump = sqlite_dump(url) if url.startswith("sqlite") else postgres_dump(url)
    found = [dump, *decoded_blobs(dump), *every_column(url)]
    return [piece for blob in found for piece in expand(blob)]


def storage_contents(root: Path) -> list[bytes]:
    files = [path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()] if root.exists() else []
    return [piece for blob in files for piece in expand(blob)]


def personal_data_found(pieces: list[bytes], needles: list[str]) -> list[str]:
    """Which needles (case-insensitive) and which kinds of document appear in ``pieces``."""
    found = set()
    for piece in pieces:
        text = piece.decode("utf-8", "replace").casefold()
        found |= {needle for needle in needles if needle.casefold() in text}
        found |= {kind for signature, kind in DOCUMENT_SIGNATURES.items() if piece.startswith(signature)}
    return sorted(found)
