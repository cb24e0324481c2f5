"""Read a PDF into the neutral layout: text lines per page, ruled tables, AcroForm fields, OCR for scans.

Cost is kept near bare ``pdfplumber`` text extraction: each page's layout is parsed once and reused
(text, ruling lines and table finding share the page's cached objects); table finding, the expensive
part, runs only on pages that have ruling lines or rectangles; a page is rendered and OCR'd only when
it has no text layer but does have a picture; each page's caches are dropped once it has been read.

Reading order is pdfplumber's (top to bottom, left to right) and each text line is its own
``Paragraph(where="page N")``, so "Name: Sam" and a label above its value both survive. Text inside a
found table is not repeated as lines; the ``Table`` sits where its top edge is. A spanned table cell
appears once (pdfplumber reports the cells it covers as empty and they are dropped).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from mailbot.documents import columns, glyphs, ocr
from mailbot.domain.content import (
    Block,
    Cell,
    DocumentContent,
    DocumentLimits,
    FormField,
    Paragraph,
    Table,
)
from mailbot.domain.facts import Problem

#: AcroForm field flags (PDF 32000-1:2008, table 226): radio and push-button bits of a /Btn field.
_FLAG_RADIO = 1 << 15
_FLAG_PUSHBUTTON = 1 << 16
#: Deeply nested /Kids is either a hostile file or a broken one; real forms nest 2-4 levels.
_MAX_FIELD_DEPTH = 12
_MAX_FIELDS = 5000
#: A gap wider than this many type sizes inside a line is a tab stop, not a word space.
_TAB_SIZES = 1.2


class PdfPasswordError(Exception):
    """The PDF needs a password to open (an owner-only password does not count)."""


def read_pdf(payload: bytes, filename: str, limits: DocumentLimits) -> DocumentContent:
    """Read a PDF; raises ``PdfPasswordError`` when a user password is needed, library errors otherwise."""
    try:
        document = pdfplumber.open(io.BytesIO(payload), password="")
    except PdfminerException as error:
        if error.args and isinstance(error.args[0], PDFEncryptionError):
            raise PdfPasswordError(filename) from None
        raise
    with document:
        page_count = len(document.pages)
        if page_count > limits.max_pages:
            return DocumentContent(
                file=filename,
                media="pdf",
                pages=page_count,
                problems=(
                    Problem(
                        "too_large",
                        f"{filename} has {page_count} pages, more than the {limits.max_pages} allowed",
                    ),
                ),
            )
        blocks: list[Block] = []
        scanned_unread: list[int] = []
        ocr_pages = 0
        can_ocr = limits.ocr_enabled and ocr.tesseract_available()
        fields = list(_form_fields(document.doc.catalog))
        # Fields with no tooltip are named by the text printed beside them: find them on their page.
        unlabelled = {
            widget: index for index, f in enumerate(fields) if not f.tooltip for widget in f.widgets
        }
        placed_fields: set[int] = set()
        for number, page in enumerate(document.pages, start=1):
            where = f"page {number}"
            on_page = _widgets_on_page(page, unlabelled) if unlabelled else []
            if page.chars:
                labelled = _label_fields(page, [(fields[i].block, rect) for i, rect in on_page])
                placed_fields.update(i for (i, _rect), block in zip(on_page, labelled, strict=True) if block)
                blocks.extend(
                    _page_blocks(
                        page,
                        where,
                        [(rect, block) for (_i, rect), block in zip(on_page, labelled, strict=True) if block],
                    )
                )
            elif page.images:
                if can_ocr and ocr_pages < limits.max_ocr_pages:
                    ocr_pages += 1
                    image = page.to_image(resolution=300).original
                    blocks.extend(ocr.paragraphs(image, where))
                else:
                    scanned_unread.append(number)
            page.close()  # drop the page's parsed objects; a 60-page PDF would otherwise hold them all
        blocks.extend(f.block for index, f in enumerate(fields) if index not in placed_fields)
    problems: list[Problem] = []
    if scanned_unread:
        pages = ", ".join(str(n) for n in scanned_unread)
        reason = (
            "text recognition is not available"
            if not can_ocr
            else f"only {limits.max_ocr_pages} scanned pages are read"
        )
        problems.append(
            Problem("no_text_layer", f"{filename}: page {pages} is a scan and was not read ({reason})")
        )
    return DocumentContent(
        file=filename,
        media="pdf",
        blocks=tuple(blocks),
        problems=tuple(problems),
        pages=page_count,
        ocr=ocr_pages > 0,
    )


def _page_blocks(page: Page, where: str, fields: list[tuple[_Rect, FormField]] | None = None) -> list[Block]:
    _translate_tick_boxes(page)
    tables = page.find_tables() if (page.lines or page.rects) else []
    text_page: Page = page
    if tables:
        boxes = [table.bbox for table in tables]

        def outside_tables(obj: dict[str, Any]) -> bool:
            if obj.get("object_type") != "char":
                return True
            x = (obj["x0"] + obj["x1"]) / 2
            y = (obj["top"] + obj["bottom"]) / 2
            return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

        text_page = page.filter(outside_tables)
    # One textmap serves both: extract_text_lines reuses the page's cached layout analysis.
    lines = text_page.extract_text_lines(return_chars=True)
    placed: list[tuple[float, int, int, Block]] = []
    for top, text in _ordered_lines(lines):
        if text:
            placed.append((top, 1, len(placed), Paragraph(text, where)))
    for index, table in enumerate(tables, start=1):
        name = f"{where} table {index}"
        rows: list[tuple[Cell, ...]] = []
        for row_number, row in enumerate(table.extract(), start=1):
            cells = tuple(
                Cell((text or "").strip(), f"{name} row {row_number} cell {cell_number}")
                for cell_number, text in enumerate((text for text in row if text is not None), start=1)
            )
            if cells:
                rows.append(cells)
        placed.append((table.bbox[1], 0, len(placed), Table(tuple(rows), name)))
    for rect, block in fields or ():
        # By its middle: a box drawn a little taller than its label's line still follows the label.
        placed.append(((rect[1] + rect[3]) / 2, 2, len(placed), block))
    placed.sort(key=lambda item: (item[0], item[1], item[2]))
    return [block for _, _, _, block in placed]


def _ordered_lines(lines: list[dict[str, Any]]) -> Iterator[tuple[float, str]]:
    """(top, text) of each line in reading order: a two-column stretch gives its left column first.

    Every line of a column stretch carries the stretch's top, so tables and the lines around it
    keep their places when the caller sorts by position.
    """
    order = columns.reading_order([line.get("chars") or [] for line in lines])
    if order is None:
        for line in lines:
            yield line["top"], _line_text(line["text"], line.get("chars") or [], None, False)
        return
    stretch_top: float | None = None
    for piece in order:
        line = lines[piece.line]
        if piece.gutter is None:
            stretch_top = None
        elif stretch_top is None:
            stretch_top = float(line["top"])
        top = line["top"] if stretch_top is None else stretch_top
        yield top, _line_text(line["text"], line.get("chars") or [], piece.gutter, piece.right)


def _line_text(text: str, chars: list[dict[str, Any]], gutter: float | None, right: bool) -> str:
    """A line's ``text`` (one side of ``gutter`` when given), with a tab where the line has a wide gap.

    A gap of more than ``_TAB_SIZES`` times the type size is how a PDF shows a tab stop (a label
    and its value in a form), so it becomes ``"\t"`` as in a Word paragraph. pdfplumber's line
    chars leave out the spaces its text has, so the text is walked alongside them.
    """
    pieces: list[str] = []
    position = 0
    previous_x1: float | None = None
    for char in chars:
        glyph = str(char["text"])
        spaced = False
        while position < len(text) and text[position].isspace():
            position += 1
            spaced = True
        if text[position : position + len(glyph)] != glyph:
            if gutter is None:
                return text.strip()
            return "".join(str(c["text"]) for c in chars if columns.on_side(c, gutter, right)).strip()
        position += len(glyph)
        if gutter is not None and not columns.on_side(char, gutter, right):
            continue
        if pieces:
            gap = float(char["x0"]) - (previous_x1 or 0.0)
            if gap >= _TAB_SIZES * float(char.get("size") or 0.0) > 0:
                pieces.append("\t")
            elif spaced:
                pieces.append(" ")
        pieces.append(glyph)
        previous_x1 = float(char["x1"])
    if not chars:
        return text.strip()
    return "".join(pieces).strip()


def _translate_tick_boxes(page: Page) -> None:
    """Rewrite tick boxes drawn in dingbat fonts (ZapfDingbats "n", Wingdings "þ") as ``☒``/``☐``.

    The page's cached char dicts are changed in place, so text lines and table cells read later from
    the same parse see the layout's glyphs; no second parse is made.
    """
    symbol_fonts: dict[str, bool] = {}
    for char in page.chars:
        font = str(char.get("fontname") or "")
        if font not in symbol_fonts:
            symbol_fonts[font] = glyphs.is_symbol_font(font)
        if symbol_fonts[font]:
            glyph = glyphs.checkbox_glyph(font, str(char.get("text") or ""))
            if glyph is not None:
                char["text"] = glyph


@dataclass(frozen=True)
class _Field:
    """A terminal AcroForm field, the object ids of its widgets and whether it has a tooltip."""

    block: FormField
    widgets: tuple[int, ...]
    tooltip: bool


#: A rectangle on a page as pdfplumber measures it: x0, top, x1, bottom (points from the top left).
_Rect = tuple[float, float, float, float]
#: How far (points) a label may sit beside a check box, or above a field.
_BOX_LABEL_REACH = 80.0
_ABOVE_REACH = 22.0


def _widgets_on_page(page: Page, wanted: dict[int, int]) -> list[tuple[int, _Rect]]:
    """(field index, rectangle) of each wanted widget annotation on ``page``, first widget per field."""
    found: dict[int, _Rect] = {}
    annotations = resolve1(page.page_obj.annots)
    if not isinstance(annotations, list):
        return []
    for reference in annotations:
        index = wanted.get(getattr(reference, "objid", -1))
        widget = resolve1(reference)
        rect = resolve1(widget.get("Rect")) if isinstance(widget, dict) else None
        if index is None or index in found or not isinstance(rect, list) or len(rect) != 4:
            continue
        x0, y0, x1, y1 = (float(resolve1(v)) for v in rect)
        height = float(page.height)
        found[index] = (min(x0, x1), height - max(y0, y1), max(x0, x1), height - min(y0, y1))
    return sorted(found.items(), key=lambda item: (item[1][1], item[1][0]))


def _label_fields(page: Page, fields: list[tuple[FormField, _Rect]]) -> list[FormField | None]:
    """Each field named by the text printed beside it (or above it), placed; None when none is found."""
    if not fields:
        return []
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2)
    labelled: list[FormField | None] = []
    for block, rect in fields:
        label = _nearest_label(words, rect, block.checkbox)
        labelled.append(replace(block, label=label, placed=True) if label else None)
    return labelled


def _segment(words: list[dict[str, Any]], leftward: bool) -> str:
    """The words nearest the field that belong together (no tab-wide gap between them), in order."""
    kept: list[dict[str, Any]] = []
    for word in words:
        if kept:
            near = kept[-1]
            gap = float(near["x0"]) - float(word["x1"]) if leftward else float(word["x0"]) - float(near["x1"])
            if gap > _TAB_SIZES * (float(word["bottom"]) - float(word["top"])):
                break
        kept.append(word)
    ordered = reversed(kept) if leftward else kept
    return " ".join(str(word["text"]) for word in ordered).strip()


def _nearest_label(words: list[dict[str, Any]], rect: _Rect, checkbox: bool) -> str:
    x0, top, x1, bottom = rect
    beside = [w for w in words if top - 2 <= (float(w["top"]) + float(w["bottom"])) / 2 <= bottom + 2]
    # A tall box (a multi-line answer) has its label level with its first line: the topmost line.
    first = min((float(w["top"]) for w in beside), default=0.0)
    same_line = [w for w in beside if float(w["top"]) <= first + 3]
    left = sorted((w for w in same_line if float(w["x1"]) <= x0 + 1), key=lambda w: -float(w["x1"]))
    right = sorted((w for w in same_line if float(w["x0"]) >= x1 - 1), key=lambda w: float(w["x0"]))
    if checkbox:
        gaps = [
            (x0 - float(left[0]["x1"]), True) if left else None,
            (float(right[0]["x0"]) - x1, False) if right else None,
        ]
        near = min((g for g in gaps if g is not None and g[0] <= _BOX_LABEL_REACH), default=None)
        if near is not None:
            return _segment(left if near[1] else right, leftward=near[1])
    elif left:
        return _segment(left, leftward=True)
    above = [
        w
        for w in words
        if top - _ABOVE_REACH <= float(w["bottom"]) <= top + 2
        and float(w["x1"]) > x0 - 2
        and float(w["x0"]) < x1
    ]
    if not above:
        return ""
    nearest = max(float(w["bottom"]) for w in above)
    line = sorted((w for w in above if abs(float(w["bottom"]) - nearest) <= 2), key=lambda w: float(w["x0"]))
    return _segment(line, leftward=False)


def _form_fields(catalog: dict[str, Any]) -> Iterator[_Field]:
    form = resolve1(catalog.get("AcroForm"))
    if not isinstance(form, dict):
        return
    fields = resolve1(form.get("Fields"))
    if not isinstance(fields, list):
        return
    counter = [0]
    for reference in fields:
        yield from _walk_field(reference, "", {}, 0, counter)


def _walk_field(
    reference: Any, parent_name: str, inherited: dict[str, Any], depth: int, counter: list[int]
) -> Iterator[_Field]:
    """Yield terminal fields below ``reference``; names join partial names with dots (PDF 12.7.3.2)."""
    field = resolve1(reference)
    counter[0] += 1
    if not isinstance(field, dict) or depth > _MAX_FIELD_DEPTH or counter[0] > _MAX_FIELDS:
        return
    partial = _text(field.get("T"))
    name = f"{parent_name}.{partial}" if parent_name and partial else partial or parent_name
    own = dict(inherited)
    for key in ("FT", "Ff", "V"):
        if key in field:
            own[key] = resolve1(field[key])
    kids = resolve1(field.get("Kids"))
    child_fields = (
        [kid for kid in kids if isinstance(resolve1(kid), dict) and "T" in resolve1(kid)]
        if isinstance(kids, list)
        else []
    )
    if child_fields:
        for kid in child_fields:
            yield from _walk_field(kid, name, own, depth + 1, counter)
        return
    for block in _field_block(field, own, name, kids):
        widgets = [getattr(kid, "objid", None) for kid in kids] if isinstance(kids, list) else []
        widgets = widgets or [getattr(reference, "objid", None)]
        yield _Field(block, tuple(w for w in widgets if isinstance(w, int)), bool(_text(field.get("TU"))))


def _field_block(field: dict[str, Any], own: dict[str, Any], name: str, kids: Any) -> Iterator[FormField]:
    field_type = _name(own.get("FT"))
    raw_flags = own.get("Ff")
    flags = raw_flags if isinstance(raw_flags, int) else 0
    label = _text(field.get("TU")) or name
    where = f"form field '{name}'"
    value = own.get("V")
    if field_type == "Btn":
        if flags & _FLAG_PUSHBUTTON:
            return
        if flags & _FLAG_RADIO:
            chosen = _name(value)
            yield FormField(label, "" if chosen in ("", "Off") else chosen, where, name=name)
            return
        state = _name(value) if value is not None else _widget_state(field, kids)
        yield FormField(label, _box(state not in ("", "Off")), where, checkbox=True, name=name)
    elif field_type in ("Tx", "Ch"):
        if isinstance(value, list):
            yield FormField(label, ", ".join(_text(item) for item in value), where, name=name)
        else:
            yield FormField(label, _text(value), where, name=name)


def _box(ticked: bool) -> str:
    """The check-box glyph the neutral layout uses."""
    return "☒" if ticked else "☐"


def _widget_state(field: dict[str, Any], kids: Any) -> str:
    """A check box with no /V: its (first) widget's appearance state /AS says what is drawn."""
    for widget in [field, *(resolve1(kid) for kid in kids)] if isinstance(kids, list) else [field]:
        if isinstance(widget, dict) and "AS" in widget:
            return _name(resolve1(widget["AS"]))
    return ""


def _name(value: Any) -> str:
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    if isinstance(value, bytes):
        return decode_text(value)
    return "" if value is None else str(value)


def _text(value: Any) -> str:
    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value).strip()
    if isinstance(value, PSLiteral):
        return _name(value)
    return "" if value is None else str(value).strip()
