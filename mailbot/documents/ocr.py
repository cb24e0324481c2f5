"""Optical character recognition with Tesseract, shared by the PDF reader (scanned pages) and images."""

from __future__ import annotations

import io
import shutil
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


#: Tesseract's confidence (0-100) under which a recognised word is a guess, not a reading.
UNSURE_BELOW = 65


def ocr_lines(image: Image.Image) -> list[tuple[str, tuple[str, ...]]]:
    """The lines Tesseract reads in ``image``, each with the words it was unsure of; raises
    ``pytesseract`` errors. One recognition pass; the word data carries each word's confidence."""
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang="eng", config=_TESSERACT_CONFIG, output_type=pytesseract.Output.DICT
    )
    lines: dict[tuple[int, int, int, int], list[tuple[str, bool]]] = {}
    for index, word in enumerate(data["text"]):
        word = str(word).strip()
        if not word:
            continue
        key = (
            data["page_num"][index],
            data["block_num"][index],
            data["par_num"][index],
            data["line_num"][index],
        )
        confidence = float(data["conf"][index])
        guessed = confidence < UNSURE_BELOW and sum(char.isalnum() for char in word) >= 2
        lines.setdefault(key, []).append((word, guessed))
    return [
        (" ".join(word for word, _ in words), tuple(word for word, guessed in words if guessed))
        for _key, words in sorted(lines.items())
    ]


def paragraphs(image: Image.Image, where: str) -> list[Paragraph]:
    """An image's text as one paragraph per line, each knowing the words recognition was unsure of."""
    return [Paragraph(text, where, unsure=unsure) for text, unsure in ocr_lines(image)]


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
            blocks.extend(paragraphs(frame.convert("RGB"), where))
    return DocumentContent(
        file=filename, media="image", blocks=tuple(blocks), problems=tuple(problems), pages=frames, ocr=True
    )
