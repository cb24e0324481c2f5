"""Find two-column stretches of a PDF page and put their lines in reading order (pure, no I/O).

pdfplumber reads a page line by line across its whole width, so a page set in two columns comes out
with each left line glued to the right line beside it ("URN LAN-1 Lead Professional Mark Riding").
This module looks at the characters pdfplumber already extracted: a *gutter* is a vertical band, wide
compared with the type and near the middle of the text, that no character crosses on a run of lines.
Such a run is emitted as the left column top to bottom and then the right column.

A gutter alone is not enough: a plain label/value list ("Name ........ Sam") has one too, and
splitting it would part every label from its value. A run is only split when both sides look like
columns of their own: each side is itself a label/value list (its lines have a wide inner gap), or
each side is running prose (its lines fill the side's width). Lines that cross the gutter (a title,
a full-width sentence) end a run and keep their place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Any

Char = Mapping[str, Any]

#: A gutter is at least this many times the median character size wide.
_GUTTER_SIZES = 1.5
#: The gutter must overlap this share of the text width either side of the text's middle.
_MIDDLE_ZONE = 0.12
#: A run needs this many lines with text on both sides of the gutter ...
_MIN_SUPPORTING_LINES = 3
#: ... and they must be at least this share of the run's lines.
_MIN_SUPPORTING_SHARE = 0.6
#: Share of a side's lines with a wide inner gap for that side to be a label/value column.
_LABELLED_SHARE = 0.6
#: Share of a side's lines reaching (within 20% of its width) the side's right edge for prose.
_FULL_SHARE = 0.7
_MIN_PROSE_WORDS = 3.0
#: A line joins the end of a run when it follows at no more than this many times the run's spacing.
_PITCH_SLACK = 1.3
#: Characters further apart than this many sizes are in different words.
_WORD_GAP_SIZES = 0.2


@dataclass(frozen=True)
class Piece:
    """One output line: line ``line`` whole (``gutter`` None) or the side of it left/right of ``gutter``."""

    line: int
    gutter: float | None = None
    right: bool = False


@dataclass(frozen=True)
class _Line:
    spans: tuple[tuple[float, float], ...]  # runs of text split at wide gaps, left to right
    words: tuple[tuple[float, float], ...]  # runs split at word spaces
    x0: float
    x1: float
    top: float = 0.0


def _top(line: _Line | None) -> float:
    return line.top if line is not None else 0.0


def reading_order(lines: Sequence[Sequence[Char]]) -> list[Piece] | None:
    """Pieces in reading order for lines of pdfplumber chars (top to bottom); None when no columns.

    Each line is the chars pdfplumber grouped into one text line (dicts with ``x0``, ``x1``,
    ``text`` and ``size``). Whitespace chars are ignored.
    """
    sizes = [float(c.get("size") or 0) for line in lines for c in line if not str(c["text"]).isspace()]
    sizes = [s for s in sizes if s > 0]
    if len(lines) < _MIN_SUPPORTING_LINES or not sizes:
        return None
    size = median(sizes)
    min_gap = _GUTTER_SIZES * size
    shaped = [_shape(line, min_gap, _WORD_GAP_SIZES * size) for line in lines]
    present = [line for line in shaped if line is not None]
    if not present:
        return None
    left_edge = min(line.x0 for line in present)
    right_edge = max(line.x1 for line in present)
    middle = (left_edge + right_edge) / 2
    zone = (
        middle - _MIDDLE_ZONE * (right_edge - left_edge),
        middle + _MIDDLE_ZONE * (right_edge - left_edge),
    )
    pieces: list[Piece] = []
    found = False
    index = 0
    while index < len(shaped):
        run = _column_run(shaped, index, min_gap, zone)
        if run is None:
            pieces.append(Piece(index))
            index += 1
            continue
        end, gutter = run
        found = True
        block = range(index, end + 1)
        pieces.extend(Piece(i, gutter, False) for i in block if _has_side(shaped[i], gutter, right=False))
        pieces.extend(Piece(i, gutter, True) for i in block if _has_side(shaped[i], gutter, right=True))
        index = end + 1
    return pieces if found else None


def on_side(char: Char, gutter: float, right: bool) -> bool:
    """True when ``char`` belongs to the right (or left) side of ``gutter``."""
    centre = (float(char["x0"]) + float(char["x1"])) / 2
    return centre > gutter if right else centre <= gutter


def _shape(line: Sequence[Char], min_gap: float, word_gap: float) -> _Line | None:
    """Group a line's chars into words (split at ``word_gap``) and spans (split at ``min_gap``)."""
    boxes = sorted((float(c["x0"]), float(c["x1"])) for c in line if str(c["text"]).strip())
    if not boxes:
        return None
    words = _merge(boxes, word_gap)
    spans = _merge(words, min_gap)
    top = min(float(c.get("top") or 0.0) for c in line if str(c["text"]).strip())
    return _Line(tuple(spans), tuple(words), spans[0][0], max(x1 for _, x1 in spans), top)


def _merge(boxes: Sequence[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    start, end = boxes[0]
    for x0, x1 in boxes[1:]:
        if x0 - end >= gap:
            merged.append((start, end))
            start, end = x0, x1
        else:
            end = max(end, x1)
    merged.append((start, end))
    return merged


def _gaps(line: _Line) -> list[tuple[float, float]]:
    return [(line.spans[i][1], line.spans[i + 1][0]) for i in range(len(line.spans) - 1)]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def _supporting_gap(
    line: _Line | None, band: tuple[float, float], min_gap: float
) -> tuple[float, float] | None:
    """The band narrowed to this line's gap when the line has text on both sides of it, else None."""
    if line is None:
        return None
    best: tuple[float, float] | None = None
    for gap in _gaps(line):
        if _overlap(gap, band) >= min_gap:
            narrowed = (max(gap[0], band[0]), min(gap[1], band[1]))
            if best is None or narrowed[1] - narrowed[0] > best[1] - best[0]:
                best = narrowed
    return best


def _compatible(line: _Line | None, band: tuple[float, float]) -> bool:
    """A line with no text inside the band (it may sit on one side only)."""
    if line is None:
        return True
    return all(x1 <= band[0] or x0 >= band[1] for x0, x1 in line.spans)


def _column_run(
    lines: Sequence[_Line | None], start: int, min_gap: float, zone: tuple[float, float]
) -> tuple[int, float] | None:
    """(last line, gutter x) of a two-column run starting at ``start``; None when none starts there."""
    band = _supporting_gap(lines[start], zone, 0.0)
    if band is None or band[1] - band[0] < min_gap:
        return None
    supporting = [start]
    index = start + 1
    while index < len(lines):
        narrowed = _supporting_gap(lines[index], band, min_gap)
        if narrowed is not None and _overlap(narrowed, zone) > 0:
            band = narrowed
            supporting.append(index)
        elif not _compatible(lines[index], band):
            break
        index += 1
    end = supporting[-1]
    if len(supporting) < _MIN_SUPPORTING_LINES or len(supporting) < _MIN_SUPPORTING_SHARE * (end - start + 1):
        return None
    # One column often runs on below the other: take the lines that follow at the run's own spacing.
    pitch = median(_top(lines[b]) - _top(lines[a]) for a, b in pairwise(supporting))
    while (
        end + 1 < len(lines)
        and lines[end + 1] is not None
        and _compatible(lines[end + 1], band)
        and _top(lines[end + 1]) - _top(lines[end]) <= _PITCH_SLACK * pitch
    ):
        end += 1
    gutter = (band[0] + band[1]) / 2
    if not _looks_like_columns([line for line in lines[start : end + 1] if line is not None], band, min_gap):
        return None
    return end, gutter


def _side(line: _Line, band: tuple[float, float], right: bool) -> _Line | None:
    def keep(span: tuple[float, float]) -> bool:
        return span[0] >= band[1] if right else span[1] <= band[0]

    spans = tuple(span for span in line.spans if keep(span))
    if not spans:
        return None
    words = tuple(word for word in line.words if keep(word))
    return _Line(spans, words, spans[0][0], max(x1 for _, x1 in spans))


def _has_side(line: _Line | None, gutter: float, right: bool) -> bool:
    if line is None:
        return False
    return any((x0 + x1) / 2 > gutter if right else (x0 + x1) / 2 <= gutter for x0, x1 in line.spans)


def _looks_like_columns(lines: Sequence[_Line], band: tuple[float, float], min_gap: float) -> bool:
    """Both sides are label/value lists, or both are prose; a single label/value list is neither."""
    left = [side for line in lines if (side := _side(line, band, right=False)) is not None]
    right = [side for line in lines if (side := _side(line, band, right=True)) is not None]
    if len(left) < 2 or len(right) < 2:
        return False
    if _share(left, lambda line: len(line.spans) > 1) >= _LABELLED_SHARE and (
        _share(right, lambda line: len(line.spans) > 1) >= _LABELLED_SHARE
    ):
        return True
    return _prose(left) and _prose(right)


def _prose(side: Sequence[_Line]) -> bool:
    """Lines that fill the side's width, as wrapped running text does (a paragraph's last may not)."""
    x0 = min(line.x0 for line in side)
    x1 = max(line.x1 for line in side)
    reach = x1 - 0.2 * (x1 - x0)
    words = sum(len(line.words) for line in side) / len(side)
    return words >= _MIN_PROSE_WORDS and _share(side, lambda line: line.x1 >= reach) >= _FULL_SHARE


def _share(lines: Sequence[_Line], test: Any) -> float:
    return sum(1 for line in lines if test(line)) / len(lines)
