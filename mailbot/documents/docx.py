"""Read a Word .docx/.docm into the neutral layout, the way a person reading it in Word would see it.

What a person sees, and therefore what this reader produces:
- body paragraphs and tables in document order (the body XML is walked once, child by child);
- headers first and footers last (``where="header"``/``"footer"``), each distinct text once;
- a table as its grid: a horizontally merged cell (``w:gridSpan``/``w:hMerge``) appears once; a
  vertically merged cell keeps its text in the first row and is an empty ``Cell`` in the rows it
  spans, so columns stay aligned; a nested table follows its parent as its own ``Table`` whose
  ``where`` names the parent cell (``"table 2 row 3 cell 2, nested table 1"``);
- content controls (``w:sdt`` at block, row, cell and run level) as their shown text; a check box
  (``w14:checkbox``) as ``☒``/``☐``; a control still showing its placeholder ("Click or tap here to
  enter text.") as nothing, because the placeholder is Word's prompt, not the sender's answer;
- legacy form fields: FORMTEXT as its result text, FORMCHECKBOX as ``☒``/``☐`` (``w:checked``, else
  ``w:default``), FORMDROPDOWN as the chosen entry;
- tracked changes as if accepted: inserted text (``w:ins``, ``w:moveTo``) counts, deleted text
  (``w:del``/``w:delText``, ``w:moveFrom``) does not;
- text boxes as paragraphs after the paragraph that anchors them (only the ``mc:Choice`` branch of
  ``mc:AlternateContent``, so the VML fallback copy is not read twice).

Safety: before python-docx sees the bytes the zip is checked against ``DocumentLimits`` (member count,
total uncompressed size from the central directory, and compression ratio) so a zip bomb is refused
with ``too_large`` without inflating it; any XML part that declares a DTD is refused as ``corrupt``
(Word never writes one, and a DTD is how entity-expansion and external-entity attacks start).
python-docx itself parses with lxml ``resolve_entities=False`` and lxml's default ``no_network=True``,
so even without our DTD check no external entity would be fetched.

Macros: a .docm is opened with the same reader (python-docx only reads XML; VBA in
``word/vbaProject.bin`` is never loaded or run). python-docx refuses the macro-enabled main part's
content type, so ``_open_document`` registers that content type (and the template ones) with
python-docx's part factory and skips its content-type check.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import PartFactory
from docx.package import Package
from docx.parts.document import DocumentPart
from lxml import etree  # type: ignore[import-untyped]

from mailbot.documents.glyphs import checkbox_glyph, is_symbol_font, symbol_char
from mailbot.domain.content import Block, Cell, DocumentContent, DocumentLimits, Paragraph, Table
from mailbot.domain.facts import Problem

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


W_P, W_TBL, W_TR, W_TC, W_SDT = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt")
W_SDTCONTENT, W_SDTPR, W_R, W_T = _w("sdtContent"), _w("sdtPr"), _w("r"), _w("t")
W_TAB, W_BR, W_CR, W_FLDCHAR = _w("tab"), _w("br"), _w("cr"), _w("fldChar")
W_NOBREAKHYPHEN, W_SOFTHYPHEN, W_SYM = _w("noBreakHyphen"), _w("softHyphen"), _w("sym")
W_INSTRTEXT, W_CUSTOMXML, W_TXBX = _w("instrText"), _w("customXml"), _w("txbxContent")
W_VAL = _w("val")
W14_CHECKBOX, W14_CHECKED, W14_VAL = f"{{{W14}}}checkbox", f"{{{W14}}}checked", f"{{{W14}}}val"
MC_ALTERNATE, MC_CHOICE = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice"

#: Run-level containers whose children are read as if they were the paragraph's own runs.
_TRANSPARENT = frozenset(
    _w(tag) for tag in ("ins", "hyperlink", "smartTag", "fldSimple", "customXml", "moveTo", "dir", "bdo")
)
#: Containers whose text a person does not see (deleted or moved-away tracked changes).
_SKIPPED = frozenset(_w(tag) for tag in ("del", "moveFrom", "pPr", "rPr", "proofErr", "sdtEndPr"))
#: Run children that render text inside a run (a ``w:drawing`` may hold a text box; handled apart).
_DRAWINGS = frozenset((_w("drawing"), _w("pict"), _w("object"), MC_ALTERNATE))

TICKED, UNTICKED = "☒", "☐"

_WORD_CONTENT_TYPES = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
for _content_type in _WORD_CONTENT_TYPES:
    PartFactory.part_type_for.setdefault(_content_type, DocumentPart)

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
#: A short, all-bold paragraph that does not end like a label is how most forms draw a section title.
_MAX_BOLD_HEADING_CHARS = 80
#: Real documents compress 3-20x; far beyond that is a bomb, whatever the absolute size.
_MAX_COMPRESSION_RATIO = 200
#: Non-XML parts (pictures, embedded objects, fonts) over this are emptied by ``slim_package``.
_BULKY_PART = 256 * 1024


class DocxRefusedError(Exception):
    """The package failed a safety check; ``problem`` says why in words a social worker can read."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.detail)


def check_zip(payload: bytes, filename: str, limits: DocumentLimits) -> None:
    """Refuse a zip that would inflate beyond the limits or that carries a DTD in an XML part.

    Reads only the central directory and the first KiB of each XML member. Raises ``DocxRefusedError``
    (``too_large`` or ``corrupt``); ``zipfile.BadZipFile`` propagates for a damaged archive.
    """
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        check_archive(archive, filename, limits)


def slim_package(source: BinaryIO, filename: str, limits: DocumentLimits) -> bytes | None:
    """A copy of a big Word package without the bulk the reader never reads, or None.

    python-docx loads every part of a package into memory, pictures included, though the reader
    walks only the XML: a 60 MB scan pasted into an assessment would cost 60 MB more. The copy
    keeps every XML part and every small part, and empties the others (their entries stay, so
    every relationship still resolves). None when ``source`` is not a Word package or fails the
    safety checks (the caller then reads the original, which gives the usual problem).
    """
    try:
        with zipfile.ZipFile(source) as archive:
            if "word/document.xml" not in archive.namelist():
                return None
            check_archive(archive, filename, limits)
            slim = io.BytesIO()
            with zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as copy:
                for member in archive.infolist():
                    keep = member.filename.endswith((".xml", ".rels")) or member.file_size <= _BULKY_PART
                    copy.writestr(member, archive.read(member) if keep else b"")
            return slim.getvalue()
    except (zipfile.BadZipFile, DocxRefusedError, OSError, ValueError):
        return None


def check_archive(archive: zipfile.ZipFile, filename: str, limits: DocumentLimits) -> None:
    """``check_zip`` for an open archive (a stored file need not be read whole to be checked)."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise DocxRefusedError(
            Problem(
                "too_large",
                f"{filename} holds {len(members)} parts, more than the {limits.max_zip_members} allowed",
            )
        )
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members) or 1
    if total > limits.max_uncompressed_bytes or (
        total > 10 * 1024 * 1024 and total / compressed > _MAX_COMPRESSION_RATIO
    ):
        raise DocxRefusedError(
            Problem("too_large", f"{filename} would expand to {total // (1024 * 1024)} MB, more than allowed")
        )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as stream:
                if _DTD.search(stream.read(1024)):
                    raise DocxRefusedError(
                        Problem("corrupt", f"{filename} contains XML that Word does not write")
                    )


def read_docx(payload: bytes, filename: str, limits: DocumentLimits, media: str = "docx") -> DocumentContent:
    """Read a .docx or .docm; raises ``DocxRefusedError`` for a refused package, library errors otherwise."""
    check_zip(payload, filename, limits)
    document = _open_document(payload)
    reader = _BodyReader(_heading_styles(document))
    header_blocks, footer_blocks = reader.headers_and_footers(document)
    body_blocks = list(reader.blocks(document.element.body, where_prefix=""))
    return DocumentContent(file=filename, media=media, blocks=(*header_blocks, *body_blocks, *footer_blocks))


def _open_document(payload: bytes) -> DocxDocument:
    # docx.api.Document() insists on the plain .docx main content type; a .docm/.dotx is the same XML.
    part = Package.open(io.BytesIO(payload)).main_document_part
    if not isinstance(part, DocumentPart):
        raise ValueError("the package has no Word document part")
    document: DocxDocument = part.document
    return document


def _heading_styles(document: DocxDocument) -> dict[str, int]:
    """Map style ids to heading levels: built-in "heading N" and "Title", and styles based on them."""
    levels: dict[str, int] = {}
    based_on: dict[str, str] = {}
    styles_element = document.part.styles.element
    for style in styles_element.iterchildren(_w("style")):
        style_id = style.get(_w("styleId"))
        if not style_id:
            continue
        name_element = style.find(_w("name"))
        name = (name_element.get(W_VAL) if name_element is not None else "") or ""
        match = _HEADING_STYLE.match(name.strip())
        if match:
            levels[style_id] = int(match.group(1))
        elif name.strip().lower() == "title":
            levels[style_id] = 1
        else:
            parent = style.find(_w("basedOn"))
            if parent is not None and parent.get(W_VAL):
                based_on[style_id] = parent.get(W_VAL) or ""
    for style_id, parent_id in based_on.items():
        if parent_id in levels:
            levels[style_id] = levels[parent_id]
    return levels


class _BodyReader:
    """Walks WordprocessingML once, producing blocks; holds the table and paragraph counters."""

    def __init__(self, heading_styles: dict[str, int]) -> None:
        self._heading_styles = heading_styles
        self._paragraphs = 0
        self._tables = 0

    def headers_and_footers(self, document: DocxDocument) -> tuple[list[Block], list[Block]]:
        headers: list[Block] = []
        footers: list[Block] = []
        seen: set[str] = set()
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype not in (RT.HEADER, RT.FOOTER):
                continue
            where = "header" if rel.reltype == RT.HEADER else "footer"
            target = headers if where == "header" else footers
            sub_reader = _BodyReader(self._heading_styles)
            for block in sub_reader.blocks(rel.target_part.element, where_prefix=where):
                key = (
                    block.text
                    if isinstance(block, Paragraph)
                    else repr(block.rows)
                    if isinstance(block, Table)
                    else ""
                )
                if key in seen:
                    continue
                seen.add(key)
                if isinstance(block, Paragraph):
                    block = Paragraph(block.text, where)
                target.append(block)
        return headers, footers

    def blocks(self, container: etree._Element, where_prefix: str) -> Iterator[Block]:
        """Yield the blocks of a body, header, footer, sdtContent or text box, in document order."""
        for child in container.iterchildren():
            tag = child.tag
            if tag == W_P:
                yield from self._paragraph(child, where_prefix)
            elif tag == W_TBL:
                self._tables += 1
                name = f"{where_prefix} table {self._tables}".strip()
                yield from self._table(child, name)
            elif tag == W_SDT:
                content = child.find(W_SDTCONTENT)
                if content is not None:
                    yield from self.blocks(content, where_prefix)
            elif tag == W_CUSTOMXML:
                yield from self.blocks(child, where_prefix)

    def _paragraph(self, element: etree._Element, where_prefix: str) -> Iterator[Block]:
        text_boxes: list[etree._Element] = []
        pieces: list[str] = []
        bold = _ParagraphBold()
        _inline_text(element, pieces, text_boxes, bold)
        text = "".join(pieces).strip()
        if text:
            self._paragraphs += 1
            where = f"{where_prefix} paragraph {self._paragraphs}".strip()
            yield Paragraph(text, where, self._heading_level(element, text, bold))
        for box in text_boxes:
            yield from self.blocks(box, where_prefix)

    def _heading_level(self, element: etree._Element, text: str, bold: _ParagraphBold) -> int | None:
        properties = element.find(_w("pPr"))
        if properties is not None:
            style = properties.find(_w("pStyle"))
            if style is not None:
                level = self._heading_styles.get(style.get(W_VAL) or "")
                if level:
                    return level
            outline = properties.find(_w("outlineLvl"))
            if outline is not None and (outline.get(W_VAL) or "").isdigit():
                value = int(outline.get(W_VAL) or "9")
                if value < 6:
                    return value + 1
        if (
            bold.all_bold
            and len(text) <= _MAX_BOLD_HEADING_CHARS
            and "\t" not in text
            and not text.endswith((":", TICKED, UNTICKED))
        ):
            return 2
        return None

    def _table(self, element: etree._Element, name: str) -> Iterator[Block]:
        rows: list[tuple[Cell, ...]] = []
        nested: list[tuple[str, etree._Element]] = []
        for row_number, row in enumerate(_rows(element), start=1):
            cells: list[Cell] = []
            for cell in _cells(row):
                where = f"{name} row {row_number} cell {len(cells) + 1}"
                properties = cell.find(_w("tcPr"))
                if properties is not None and _is_continuation(properties):
                    cells.append(Cell("", where))
                    continue
                lines: list[str] = []
                for child in _cell_blocks(cell):
                    if child.tag == W_TBL:
                        nested.append((where, child))
                        continue
                    pieces: list[str] = []
                    text_boxes: list[etree._Element] = []
                    _inline_text(child, pieces, text_boxes, _ParagraphBold())
                    text = "".join(pieces).strip()
                    if text:
                        lines.append(text)
                    for box in text_boxes:
                        lines.extend(
                            b.text
                            for b in _BodyReader(self._heading_styles).blocks(box, "")
                            if isinstance(b, Paragraph)
                        )
                cells.append(Cell("\n".join(lines), where))
            if cells:
                rows.append(tuple(cells))
        yield Table(tuple(rows), name)
        counts: dict[str, int] = {}
        for parent_where, table in nested:
            counts[parent_where] = counts.get(parent_where, 0) + 1
            yield from self._table(table, f"{parent_where}, nested table {counts[parent_where]}")


def _is_continuation(properties: etree._Element) -> bool:
    v_merge = properties.find(_w("vMerge"))
    if v_merge is not None and v_merge.get(W_VAL, "continue") == "continue":
        return True
    h_merge = properties.find(_w("hMerge"))
    return h_merge is not None and h_merge.get(W_VAL, "continue") == "continue"


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table.iterchildren():
        if child.tag == W_TR:
            yield child
        elif child.tag in (W_SDT, W_CUSTOMXML):
            inner = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if inner is not None:
                yield from _rows(inner)


def _cells(row: etree._Element) -> Iterator[etree._Element]:
    for child in row.iterchildren():
        if child.tag == W_TC:
            properties = child.find(_w("tcPr"))
            h_merge = properties.find(_w("hMerge")) if properties is not None else None
            if h_merge is not None and h_merge.get(W_VAL, "continue") == "continue":
                continue  # legacy horizontal merge: the cell was already shown once
            yield child
        elif child.tag in (W_SDT, W_CUSTOMXML):
            inner = child.find(W_SDTCONTENT) if child.tag == W_SDT else child
            if inner is not None:
                yield from _cells(inner)


def _cell_blocks(cell: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and nested tables of a cell, looking through block-level content controls."""
    for child in cell.iterchildren():
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag == W_SDT:
            inner = child.find(W_SDTCONTENT)
            if inner is not None:
                yield from _cell_blocks(inner)
        elif child.tag == W_CUSTOMXML:
            yield from _cell_blocks(child)


class _ParagraphBold:
    """Whether every run with visible text in a paragraph is bold (a cheap heading signal)."""

    __slots__ = ("all_bold", "seen")

    def __init__(self) -> None:
        self.all_bold = True
        self.seen = False

    def run(self, run: etree._Element) -> None:
        if not self.all_bold:
            return
        properties = run.find(_w("rPr"))
        bold = properties.find(_w("b")) if properties is not None else None
        if bold is None or bold.get(W_VAL, "true").lower() in ("0", "false", "off"):
            self.all_bold = False


def _inline_text(
    element: etree._Element, pieces: list[str], text_boxes: list[etree._Element], bold: _ParagraphBold
) -> None:
    """Append the visible text of a paragraph (or run container) to ``pieces``.

    Legacy form fields are a state machine over ``w:fldChar`` runs (begin, separate, end): the field
    code between begin and separate is never shown; FORMCHECKBOX has no result, so its box is drawn
    from ``w:ffData`` at ``begin``.
    """
    _walk(element, pieces, text_boxes, bold, [])


def _walk(
    element: etree._Element,
    pieces: list[str],
    text_boxes: list[etree._Element],
    bold: _ParagraphBold,
    fields: list[bool],
) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag == W_R:
            _run(child, pieces, text_boxes, bold, fields)
        elif tag in _TRANSPARENT:
            _walk(child, pieces, text_boxes, bold, fields)
        elif tag == W_SDT:
            _inline_sdt(child, pieces, text_boxes, bold, fields)
        elif tag in _SKIPPED or not isinstance(tag, str):
            continue


def _inline_sdt(
    sdt: etree._Element,
    pieces: list[str],
    text_boxes: list[etree._Element],
    bold: _ParagraphBold,
    fields: list[bool],
) -> None:
    properties = sdt.find(W_SDTPR)
    content = sdt.find(W_SDTCONTENT)
    if properties is not None:
        checkbox = properties.find(W14_CHECKBOX)
        if checkbox is not None:
            checked = checkbox.find(W14_CHECKED)
            ticked = checked is not None and checked.get(W14_VAL, "0").lower() in ("1", "true", "on")
            pieces.append(TICKED if ticked else UNTICKED)
            return
        if properties.find(_w("showingPlcHdr")) is not None:
            return  # Word's grey prompt, not an answer
    if content is not None:
        _walk(content, pieces, text_boxes, bold, fields)


def _run(
    run: etree._Element,
    pieces: list[str],
    text_boxes: list[etree._Element],
    bold: _ParagraphBold,
    fields: list[bool],
) -> None:
    visible = False
    struck = _struck(run)
    for child in run.iterchildren():
        tag = child.tag
        if tag == W_T:
            if struck:
                continue  # deleted by striking through ("I DO / ~~DO NOT~~ consent"): not what it says
            if child.text and not any(fields):
                pieces.append(_symbol_run_text(run, child.text))
                visible = visible or not child.text.isspace()
        elif tag == W_TAB:
            if not any(fields):
                pieces.append("\t")
        elif tag in (W_BR, W_CR):
            if not any(fields):
                pieces.append("\n")
        elif tag == W_NOBREAKHYPHEN:
            pieces.append("-")
        elif tag == W_SYM:
            pieces.append(_symbol(child))
        elif tag == W_FLDCHAR:
            _field_char(child, pieces, fields)
        elif tag in _DRAWINGS:
            text_boxes.extend(_text_boxes(child))
    if visible:
        bold.run(run)


def _struck(run: etree._Element) -> bool:
    """True when the run is struck through (``w:strike`` or ``w:dstrike`` on and not switched off)."""
    properties = run.find(_w("rPr"))
    if properties is None:
        return False
    for tag in ("strike", "dstrike"):
        mark = properties.find(_w(tag))
        if mark is not None and mark.get(W_VAL, "true").lower() not in ("0", "false", "off"):
            return True
    return False


def _field_char(element: etree._Element, pieces: list[str], fields: list[bool]) -> None:
    """Track nested fields: each open field is True while its code shows, False once at its result."""
    kind = element.get(_w("fldCharType"))
    if kind == "begin":
        form = element.find(_w("ffData"))
        if form is not None and not any(fields):
            pieces.append(_form_field_value(form))
        fields.append(True)
    elif kind == "separate":
        if fields:
            fields[-1] = False
    elif kind == "end" and fields:
        # FORMCHECKBOX has no "separate": its field ends while its code is still the open part.
        fields.pop()


def _form_field_value(form: etree._Element) -> str:
    checkbox = form.find(_w("checkBox"))
    if checkbox is not None:
        checked = checkbox.find(_w("checked"))
        if checked is None:
            checked = checkbox.find(_w("default"))
        ticked = checked is not None and checked.get(W_VAL, "1").lower() in ("1", "true", "on")
        return TICKED if ticked else UNTICKED
    drop_down = form.find(_w("ddList"))
    if drop_down is not None:
        entries = [entry.get(W_VAL, "") for entry in drop_down.iterchildren(_w("listEntry"))]
        chosen = drop_down.find(_w("result"))
        if chosen is None:
            chosen = drop_down.find(_w("default"))
        index = (
            int(chosen.get(W_VAL, "0")) if chosen is not None and (chosen.get(W_VAL) or "").isdigit() else 0
        )
        return entries[index] if 0 <= index < len(entries) else ""
    return ""  # FORMTEXT: its result runs follow "separate" and are read as ordinary text


def _symbol_run_text(run: etree._Element, text: str) -> str:
    """Text typed in a dingbat font (``w:rFonts`` Wingdings) is pictures: its tick boxes become ``☒``/``☐``."""
    properties = run.find(_w("rPr"))
    fonts = properties.find(_w("rFonts")) if properties is not None else None
    if fonts is None:
        return text
    font = fonts.get(_w("ascii")) or fonts.get(_w("hAnsi")) or fonts.get(_w("cs")) or ""
    if not is_symbol_font(font):
        return text
    return "".join(checkbox_glyph(font, c) or c for c in text)


def _symbol(element: etree._Element) -> str:
    """A ``w:sym`` (Insert Symbol) as shown: dingbat tick boxes as ``☒``/``☐``, see ``glyphs``."""
    return symbol_char(element.get(_w("font"), ""), element.get(_w("char"), ""))


def _text_boxes(element: etree._Element) -> list[etree._Element]:
    boxes: list[etree._Element] = []
    if element.tag == MC_ALTERNATE:
        choice = element.find(MC_CHOICE)
        if choice is not None:
            boxes.extend(choice.iter(W_TXBX))
        return boxes
    boxes.extend(element.iter(W_TXBX))
    return boxes
