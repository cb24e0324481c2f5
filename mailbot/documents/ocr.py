"""Optical character recognition with Tesseract, shared by the PDF reader (scanned pages) and images."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from functools import cache

from PIL import Image, ImageSequence

from mailbot.domain.content import DocumentContent, DocumentLimits, Paragraph
from mailbot.domain.facts import Problem

#: Tesseract's page segmentation "fully automatic": forms mix columns, labels and boxes.
_TESSERACT_CONFIG = "--psm 3"
#: Pillow refuses images over this many pixels (a decompression bomb); an A4 page at 600 dpi is ~35 M.
Image.MAX_IMAGE_PIXELS = 80_000_000


@cache
def tesseract_available() -> bool:
    """True when the ``tesseract`` binary is on PATH (checked once per process)."""
    return shutil.which("tesseract") is not None


def ocr_image(image: Image.Image) -> str:
    """Return the text Tesseract reads in ``image`` (English); raises ``pytesseract`` errors."""
    import pytesseract  # imported late: a process that never OCRs never pays for it

    text: str = pytesseract.image_to_string(image, lang="eng", config=_TESSERACT_CONFIG)
    return text


def text_lines(text: str) -> Iterator[str]:
    """Non-blank lines of OCR output, stripped, so label/value lines survive as separate paragraphs."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            yield stripped


def read_image(payload: bytes, filename: str, limits: DocumentLimits) -> DocumentContent:
    """OCR an attached picture (PNG, JPEG, TIFF, GIF, BMP); every frame of a multi-page TIFF is a page.

    Without Tesseract (or with OCR switched off) the picture gets a ``no_text_layer`` problem. Pillow
    errors propagate (the dispatcher turns them into ``corrupt``).
    """
    if not (limits.ocr_enabled and tesseract_available()):
        return DocumentContent(
            file=filename,
            media="image",
            problems=(
                Problem("no_text_layer", f"{filename} is a picture and text recognition is not available"),
            ),
        )
    with Image.open(io.BytesIO(payload)) as image:
        frames = getattr(image, "n_frames", 1)
        blocks: list[Paragraph] = []
        problems: list[Problem] = []
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > limits.max_ocr_pages:
                problems.append(
                    Problem(
                        "no_text_layer",
                        f"{filename} has {frames} scanned pages; "
                        f"only the first {limits.max_ocr_pages} were read",
                    )
                )
                break
            where = f"page {number}" if frames > 1 else "image"
            blocks.extend(Paragraph(line, where) for line in text_lines(ocr_image(frame.convert("RGB"))))
    return DocumentContent(
        file=filename, media="image", blocks=tuple(blocks), problems=tuple(problems), pages=frames, ocr=True
    )
