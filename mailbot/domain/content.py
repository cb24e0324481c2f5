"""The neutral layout every document reader produces and the extractor consumes (pure values).

Readers (docx, pdf, OCR, legacy formats, containers) know file formats and nothing about step downs;
the extractor knows labels and sections and nothing about file formats. This module is the seam.

Conventions every reader follows:
- Blocks are in reading order. Headers come first (``where="header"``), footers last.
- A check box is rendered inline as ``☒`` (ticked) or ``☐`` (not ticked), wherever it appears:
  ``"Consent given  ☒ Yes  ☐ No"``. Legacy form fields and content controls are rendered inline as
  the value a person sees, so a label/value table reads the same whichever way it was built.
- Tables keep their grid: a horizontally merged cell appears once; a nested table follows its parent
  as its own ``Table`` block whose ``where`` names the parent cell.
- ``where`` is short, human and free of personal data: ``"paragraph 12"``, ``"table 2 row 3 cell 2"``,
  ``"page 3"``, ``"form field 'ChildName'"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailbot.domain.facts import Problem


@dataclass(frozen=True)
class Paragraph:
    """A run of body text; ``heading_level`` is 1..6 when the document styles or shapes it as a heading.

    ``unsure`` lists the words of an OCR'd line that text recognition was not confident of (a misread
    "yeune" for "young"): a value holding one is never taken as read for sure.
    """

    text: str
    where: str
    heading_level: int | None = None
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    text: str
    where: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    where: str


@dataclass(frozen=True)
class FormField:
    """A named fillable field (PDF AcroForm): ``label`` is the tooltip if present, else the text printed
    beside the field on the page (``placed`` True: the field then sits in reading order among the page's
    text, under the headings that apply to it), else the field name. ``name`` is the field's own name.
    """

    label: str
    value: str
    where: str
    checkbox: bool = False
    name: str = ""
    placed: bool = False


Block = Paragraph | Table | FormField


@dataclass(frozen=True)
class DocumentContent:
    """Everything a reader got out of one file. ``media`` is the format actually read (``docx``,
    ``pdf``, ``doc``, ``odt``, ``rtf``, ``text``, ``email``); ``ocr`` is True when the text came from OCR.
    """

    file: str
    media: str
    blocks: tuple[Block, ...] = ()
    problems: tuple[Problem, ...] = ()
    pages: int | None = None
    ocr: bool = False
    sha256: str | None = None

    @property
    def text(self) -> str:
        """All text in reading order, one block a line (tables row by row, cells tab-separated)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend("\t".join(cell.text for cell in row) for row in block.rows)
            else:
                lines.append(f"{block.label}: {block.value}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DocumentLimits:
    """Per-document limits from config; a document over any of them gets a problem, never a crash."""

    max_bytes: int = 25 * 1024 * 1024
    max_pages: int = 60
    timeout_seconds: float = 30.0
    #: zip bomb guard for .docx/.odt: total uncompressed size and number of members.
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_zip_members: int = 2000
    #: OCR is slow; scanned pages beyond this are not OCR'd (the problem says so).
    max_ocr_pages: int = 10
    ocr_enabled: bool = True
    workers: int = 0  # 0 = one per CPU core


@dataclass(frozen=True)
class InputFile:
    """One attachment to read: its file name as sent, declared MIME type and bytes."""

    filename: str
    content_type: str
    payload: bytes
    extra: dict[str, str] = field(default_factory=dict)
