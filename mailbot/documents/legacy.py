"""Read the older and simpler formats: Word 97-2003 .doc, OpenDocument .odt, RTF, plain text and HTML.

A .doc is read with ``antiword`` when it is installed; otherwise LibreOffice converts it to .docx in a
private temporary directory (its own ``-env:UserInstallation`` profile, so parallel workers never share
a profile lock) and the .docx reader reads that; with neither, the file gets ``unsupported_format``.
odfpy parses .odt with defusedxml and without external entities; the zip is checked against the limits
first, as for .docx.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import msoffcrypto
from odf import opendocument
from odf.element import Element, Node
from striprtf.striprtf import rtf_to_text

from mailbot.documents.docx import check_zip, read_docx
from mailbot.domain.content import Block, Cell, DocumentContent, DocumentLimits, Paragraph, Table
from mailbot.domain.facts import Problem

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CONVERT_SECONDS = 60

logger = logging.getLogger(__name__)


class LegacyPasswordError(Exception):
    """The legacy document is password protected."""


def is_encrypted_ole(payload: bytes) -> bool:
    """True when msoffcrypto says an OLE file (.doc or encrypted OOXML) is password protected."""
    office_file = msoffcrypto.OfficeFile(io.BytesIO(payload))
    return bool(office_file.is_encrypted())


def read_doc(payload: bytes, filename: str, limits: DocumentLimits) -> DocumentContent:
    """Read a Word 97-2003 .doc; raises ``LegacyPasswordError`` for a protected one."""
    if is_encrypted_ole(payload):
        raise LegacyPasswordError(filename)
    if shutil.which("antiword"):
        content = _read_doc_antiword(payload, filename)
        if content is not None:
            return content
    if shutil.which("soffice"):
        return _read_doc_libreoffice(payload, filename, limits)
    return DocumentContent(
        file=filename,
        media="doc",
        problems=(
            Problem("unsupported_format", f"{filename} is an old Word 97-2003 document we cannot read here"),
        ),
    )


def _read_doc_antiword(payload: bytes, filename: str) -> DocumentContent | None:
    """Read with antiword; None when antiword gives up (it refuses very short documents and some
    fast-saved ones), so the caller can try LibreOffice."""
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(payload)
        handle.flush()
        result = subprocess.run(
            ["antiword", "-m", "UTF-8.txt", "-w", "0", handle.name],
            capture_output=True,
            timeout=_CONVERT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        return None
    return DocumentContent(
        file=filename, media="doc", blocks=tuple(_antiword_blocks(result.stdout.decode("utf-8", "replace")))
    )


def _antiword_blocks(text: str) -> list[Block]:
    """antiword draws tables as ``|cell|cell|`` lines and separates paragraphs with blank lines."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    paragraphs = tables = 0

    def flush_table() -> None:
        nonlocal tables
        if rows:
            tables += 1
            name = f"table {tables}"
            blocks.append(
                Table(
                    tuple(
                        tuple(Cell(cell, f"{name} row {r} cell {c}") for c, cell in enumerate(row, start=1))
                        for r, row in enumerate(rows, start=1)
                    ),
                    name,
                )
            )
            rows.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|") and line.endswith("|") and len(line) > 1:
            rows.append([cell.strip() for cell in line[1:-1].split("|")])
            continue
        flush_table()
        if line:
            paragraphs += 1
            blocks.append(Paragraph(line, f"paragraph {paragraphs}"))
    flush_table()
    return blocks


def _read_doc_libreoffice(
    payload: bytes, filename: str, limits: DocumentLimits, media: str = "doc"
) -> DocumentContent:
    """Convert with LibreOffice to .docx and read that; raises ``ValueError`` when it cannot convert."""
    with tempfile.TemporaryDirectory(prefix="mailbot-soffice-") as work:
        folder = Path(work)
        source = folder / f"in.{media}"
        source.write_bytes(payload)
        profile = (folder / "profile").as_uri()
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "docx",
                "--outdir",
                str(folder / "out"),
                str(source),
            ],
            capture_output=True,
            timeout=min(_CONVERT_SECONDS, limits.timeout_seconds),
            check=False,
        )
        converted = folder / "out" / "in.docx"
        if not converted.exists():
            raise ValueError("LibreOffice could not convert the document")
        content = read_docx(converted.read_bytes(), filename, limits, media=media)
    return content


def read_odt(payload: bytes, filename: str, limits: DocumentLimits) -> DocumentContent:
    """Read an OpenDocument text: headings (``text:h`` outline level), paragraphs, lists, tables."""
    check_zip(payload, filename, limits)
    document = opendocument.load(io.BytesIO(payload))
    reader = _OdtReader()
    reader.walk(document.text)
    return DocumentContent(file=filename, media="odt", blocks=tuple(reader.blocks))


class _OdtReader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.paragraphs = 0
        self.tables = 0

    def walk(self, element: Element) -> None:
        for child in element.childNodes:
            if child.nodeType != Node.ELEMENT_NODE:
                continue
            namespace, name = child.qname
            if namespace == TEXT_NS and name in ("p", "h"):
                text = _odt_text(child).strip()
                if text:
                    self.paragraphs += 1
                    level = None
                    if name == "h":
                        outline = child.getAttribute("outlinelevel")
                        level = min(int(outline), 6) if outline and str(outline).isdigit() else 1
                    self.blocks.append(Paragraph(text, f"paragraph {self.paragraphs}", level))
            elif namespace == TABLE_NS and name == "table":
                self.tables += 1
                self._table(child, f"table {self.tables}")
            else:
                # text:list, text:list-item, text:section, table:table-header-rows and friends
                self.walk(child)

    def _table(self, table: Element, name: str) -> None:
        rows: list[tuple[Cell, ...]] = []
        nested: list[tuple[str, Element]] = []
        for row in _descendants(table, TABLE_NS, "table-row", stop=(TABLE_NS, "table")):
            cells: list[Cell] = []
            row_number = len(rows) + 1
            for cell in row.childNodes:
                if cell.nodeType != Node.ELEMENT_NODE or cell.qname[0] != TABLE_NS:
                    continue
                where = f"{name} row {row_number} cell {len(cells) + 1}"
                if cell.qname[1] == "covered-table-cell":
                    continue  # a merged cell appears once
                if cell.qname[1] != "table-cell":
                    continue
                lines = []
                for part in cell.childNodes:
                    if part.nodeType == Node.ELEMENT_NODE and part.qname == (TABLE_NS, "table"):
                        nested.append((where, part))
                    elif part.nodeType == Node.ELEMENT_NODE:
                        text = _odt_text(part).strip()
                        if text:
                            lines.append(text)
                cells.append(Cell("\n".join(lines), where))
            if cells:
                rows.append(tuple(cells))
        self.blocks.append(Table(tuple(rows), name))
        for index, (where, inner) in enumerate(nested, start=1):
            self._table(inner, f"{where}, nested table {index}")


def _descendants(element: Element, namespace: str, name: str, stop: tuple[str, str]) -> list[Element]:
    found: list[Element] = []
    for child in element.childNodes:
        if child.nodeType != Node.ELEMENT_NODE:
            continue
        if child.qname == (namespace, name):
            found.append(child)
        elif child.qname != stop:
            found.extend(_descendants(child, namespace, name, stop))
    return found


def _odt_text(element: Element) -> str:
    pieces: list[str] = []
    for child in element.childNodes:
        if child.nodeType == Node.TEXT_NODE:
            pieces.append(str(child.data))
        elif child.nodeType == Node.ELEMENT_NODE:
            namespace, name = child.qname
            if namespace == TEXT_NS and name == "line-break":
                pieces.append("\n")
            elif namespace == TEXT_NS and name == "tab":
                pieces.append("\t")
            elif namespace == TEXT_NS and name == "s":
                count = child.getAttribute("c")
                pieces.append(" " * (int(count) if count and str(count).isdigit() else 1))
            elif namespace == TEXT_NS and name in ("note", "tracked-changes"):
                continue  # footnote bodies and deleted-text records are not running text
            elif namespace == TABLE_NS and name == "table":
                continue
            else:
                pieces.append(_odt_text(child))
    return "".join(pieces)


def read_rtf(payload: bytes, filename: str, limits: DocumentLimits | None = None) -> DocumentContent:
    """Read an RTF file, keeping its tables when LibreOffice is installed.

    LibreOffice converts it to .docx (time-limited by ``limits.timeout_seconds``) and the .docx reader
    reads that, so table rows and cells survive. Without LibreOffice, or when it fails or runs out
    of time, the RTF is read as lines of text with striprtf (tables then come out as lines).
    """
    if limits is not None and shutil.which("soffice"):
        try:
            return _read_doc_libreoffice(payload, filename, limits, media="rtf")
        except (ValueError, subprocess.TimeoutExpired, OSError) as error:
            logger.info("LibreOffice could not convert an RTF attachment: %s", type(error).__name__)
    return _read_rtf_text(payload, filename)


def _read_rtf_text(payload: bytes, filename: str) -> DocumentContent:
    """Read an RTF file as lines of text (RTF is 7-bit; ``\\'xx`` escapes are Windows-1252)."""
    text: str = rtf_to_text(payload.decode("latin-1"), errors="ignore")  # type: ignore[no-untyped-call]
    return DocumentContent(file=filename, media="rtf", blocks=tuple(_lines(text)))


def decode_text(payload: bytes) -> str:
    """Decode a text attachment: a BOM wins, then UTF-8, then Windows-1252 (Outlook on Windows)."""
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        return payload.decode("utf-16")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


def read_text(payload: bytes, filename: str) -> DocumentContent:
    """Read a plain-text attachment, one paragraph a non-blank line."""
    return DocumentContent(file=filename, media="text", blocks=tuple(_lines(decode_text(payload))))


def read_html(payload: bytes, filename: str) -> DocumentContent:
    """Read an HTML attachment as a person would see it: block elements break lines, cells are tabbed."""
    return DocumentContent(
        file=filename, media="html", blocks=tuple(_lines(html_to_text(decode_text(payload))))
    )


def html_to_text(html: str) -> str:
    """Reduce HTML to its visible text (no scripts or styles), keeping line and cell breaks."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.pieces)


def _lines(text: str) -> list[Paragraph]:
    blocks: list[Paragraph] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            blocks.append(Paragraph(stripped, f"line {len(blocks) + 1}"))
    return blocks


_BLOCK_TAGS = frozenset(
    (
        *("p", "div", "br", "tr", "li", "table", "ul", "ol", "section", "article", "header", "footer"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "dt", "dd", "title"),
    )
)
_CELL_TAGS = frozenset(("td", "th"))
_INVISIBLE_TAGS = frozenset(("script", "style", "head", "template", "noscript"))
_SPACES = re.compile(r"[ \t\r\n\f]+")


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")
        elif tag in _CELL_TAGS:
            self.pieces.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.pieces.append(_SPACES.sub(" ", data))
