"""Forms learned from one example: where each fact sits, and reading later copies from there (pure).

Councils send the same few forms again and again. ``learn_form`` takes one filled example and the facts
an administrator confirmed in it, and records the form's *fingerprint* (its labels: the text that is
the same in every copy, never the values) and, for each fact, *where it sits*:

- a table cell or a fillable field is found again by its place (``table 2 row 3 cell 2``, ``form field
  'Text7'``), which every copy of a form keeps;
- text in paragraphs and PDF lines moves as values get longer, so it is found by its **anchor**: the
  label text before it (in the same line, "Label: value", or the line or cell before) and which
  occurrence of that label it is ("Date of birth", the second time).

``match_form`` says which learned form a document is (most of the fingerprint's labels present);
``read_learned`` reads each fact from its place with the same value readers as the general reader and
returns it only when it parses (a box left empty in this copy is silence). The caller keeps the general
reader's answer for every fact the learned form does not give.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mailbot.domain.content import DocumentContent, FormField, Paragraph, Table
from mailbot.domain.urn import UrnScheme
from mailbot.errors import ConfigError
from mailbot.extract.dates import birth_date_in_window, iter_british_dates
from mailbot.extract.values import (
    clean_name,
    clean_text,
    collapse,
    find_email,
    find_lcs_id,
    find_phone,
    find_postcode,
    parse_level,
    parse_yes_no,
)
from mailbot.extract.vocabulary import normalise_label

#: Share of a learned form's labels a document must show to be a copy of it.
MATCH_SHARE = 0.8
#: Labels are short; a longer piece of text is a value or a paragraph of prose.
_LABEL_LENGTH = 60
_LABEL_SEPARATOR = re.compile(r"\s*(?::|\t|[.·…]{3,}\s*:?)\s*")
_NAME_PATHS = ("name", "signed_by")
#: Digits a label never holds: three in a row, or a date. "Child 2" and "(1)" are labels.
_VALUE_DIGITS = re.compile(r"\d{3}|\d[/.\-]\d")
_DATE_PATHS = ("date_of_birth", "date", "meeting_date")


@dataclass(frozen=True)
class Piece:
    """One piece of a document's text in reading order: a line, a cell, a field's name or value."""

    text: str
    where: str


@dataclass(frozen=True)
class LearnedFact:
    """Where one fact sits: by ``where`` (cells, fields) or by ``anchor`` (the label's text), its
    ``occurrence`` (0 = first) and ``offset`` (0: after the label in the same piece; 1: the next piece)."""

    path: str
    where: str | None = None
    anchor: str | None = None
    occurrence: int = 0
    offset: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "where": self.where,
            "anchor": self.anchor,
            "occurrence": self.occurrence,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class LearnedForm:
    """A form learned from one example: its name, kind, fingerprint and the place of each fact."""

    name: str
    kind: str
    media: str
    fingerprint: tuple[str, ...]
    facts: tuple[LearnedFact, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "media": self.media,
            "fingerprint": list(self.fingerprint),
            "facts": [fact.to_json() for fact in self.facts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedForm:
        return cls(
            name=str(data["name"]),
            kind=str(data.get("kind", "other")),
            media=str(data.get("media", "")),
            fingerprint=tuple(str(label) for label in data["fingerprint"]),
            facts=tuple(
                LearnedFact(
                    path=str(fact["path"]),
                    where=fact.get("where"),
                    anchor=fact.get("anchor"),
                    occurrence=int(fact.get("occurrence", 0)),
                    offset=int(fact.get("offset", 1)),
                )
                for fact in data["facts"]
            ),
        )


# --- the pieces of a document -------------------------------------------------------------------------


def pieces_of(content: DocumentContent) -> list[Piece]:
    """Every line, cell and field of ``content`` in reading order (a field as its name, then its value)."""
    pieces: list[Piece] = []
    for block in content.blocks:
        if isinstance(block, Paragraph):
            pieces.extend(Piece(line, block.where) for line in block.text.splitlines() if line.strip())
        elif isinstance(block, Table):
            for row in block.rows:
                pieces.extend(Piece(cell.text, cell.where) for cell in row if cell.text.strip())
        elif isinstance(block, FormField):
            pieces.append(Piece(block.name or block.label, block.where + " name"))
            pieces.append(Piece(block.value, block.where))
    return pieces


def _label_of(text: str) -> str | None:
    """The label a piece shows: a short piece with no digits, or the part before "Label:" / a tab."""
    head = _LABEL_SEPARATOR.split(text.strip(), maxsplit=1)[0]
    if (
        len(head) > _LABEL_LENGTH
        or "@" in head
        or _VALUE_DIGITS.search(head)
        or not re.search(r"[A-Za-z]{2}", head)  # "1:1 keywork": a value, its "1" no label
    ):
        return None
    key = normalise_label(head)
    return key or None


def fingerprint_of(pieces: list[Piece], values: set[int]) -> tuple[str, ...]:
    """The labels of a form: every label-shaped piece that holds none of the facts' values and is not
    shaped like a name (a name a form was filled in with differs in the next copy)."""
    labels = {
        _label_of(piece.text)
        for index, piece in enumerate(pieces)
        if index not in values and clean_name(piece.text) is None
    }
    return tuple(sorted(label for label in labels if label))


def match_form(forms: tuple[LearnedForm, ...], content: DocumentContent) -> LearnedForm | None:
    """The learned form ``content`` is a copy of (the best share of its labels, at least MATCH_SHARE)."""
    if not forms:
        return None
    present = {label for piece in pieces_of(content) if (label := _label_of(piece.text))}
    best: tuple[float, LearnedForm] | None = None
    for form in forms:
        if not form.fingerprint or (form.media and form.media != content.media):
            continue
        share = sum(1 for label in form.fingerprint if label in present) / len(form.fingerprint)
        if share >= MATCH_SHARE and (best is None or share > best[0]):
            best = (share, form)
    return best[1] if best is not None else None


# --- learning -----------------------------------------------------------------------------------------


def _holds(path: str, value: Any, text: str) -> bool:
    """Whether ``text`` (or its part after a label) states ``value`` of the fact at ``path``."""
    after = _after_label(text)
    return _states(path, value, after) or (after != text and _states(path, value, text))


def _states(path: str, value: Any, text: str) -> bool:
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return parse_yes_no(text) is value
    if isinstance(value, date):
        return any(found == value for found, _s, _e in iter_british_dates(text, latest_year=value.year))
    if isinstance(value, int):
        return parse_level(text) == value
    wanted = collapse(str(value)).casefold()
    if leaf == "phone":
        return re.sub(r"\D", "", wanted) in re.sub(r"\D", "", text) and len(wanted) >= 6
    if leaf == "postcode":
        return wanted.replace(" ", "") in text.casefold().replace(" ", "")
    if leaf in _NAME_PATHS:
        cleaned = clean_name(text)
        return cleaned is not None and cleaned.casefold() == wanted
    return wanted in collapse(text).casefold()


def _after_label(text: str) -> str:
    parts = _LABEL_SEPARATOR.split(text.strip(), maxsplit=1)
    return parts[1] if len(parts) == 2 and _label_of(text) else text


def _place(pieces: list[Piece], index: int) -> LearnedFact:
    """Where piece ``index`` sits: its cell or field, or the label before it and which one it is."""
    piece = pieces[index]
    if piece.where.startswith(("form field", "table")) or " table " in piece.where:
        return LearnedFact(path="", where=piece.where)
    own = _label_of(piece.text)
    if own is not None and _after_label(piece.text) != piece.text:
        anchor, offset, at = own, 0, index
    else:
        at = index - 1
        while at >= 0 and _label_of(pieces[at].text) is None:
            at -= 1
        if at < 0:
            return LearnedFact(path="", where=piece.where)
        anchor, offset = _label_of(pieces[at].text) or "", index - at
    occurrence = sum(1 for earlier in pieces[:at] if _label_of(earlier.text) == anchor)
    return LearnedFact(path="", anchor=anchor, occurrence=occurrence, offset=offset)


def learn_form(
    name: str, content: DocumentContent, confirmed: dict[str, Any], provenance: dict[str, str], kind: str
) -> tuple[LearnedForm, list[str]]:
    """The form of ``content`` with the place of each confirmed fact (``{path: value}``).

    ``provenance`` (the general reader's ``where`` per path) picks among pieces that hold the same value.
    Returns the form and the paths whose value was found nowhere in the document (not learned).
    """
    pieces = pieces_of(content)
    learned: list[LearnedFact] = []
    unplaced: list[str] = []
    values: set[int] = set()
    for path, value in confirmed.items():
        if value is None or path in ("kind", "file"):
            continue
        holding = [i for i, piece in enumerate(pieces) if _holds(path, value, piece.text)]
        where = provenance.get(path)
        preferred = [i for i in holding if pieces[i].where == where] or holding
        if not preferred:
            unplaced.append(path)
            continue
        index = preferred[0]
        values.add(index)
        place = _place(pieces, index)
        learned.append(LearnedFact(path, place.where, place.anchor, place.occurrence, place.offset))
    form = LearnedForm(name, kind, content.media, fingerprint_of(pieces, values), tuple(learned))
    return form, unplaced


# --- reading a copy -----------------------------------------------------------------------------------


def _find(pieces: list[Piece], fact: LearnedFact) -> Piece | None:
    if fact.where is not None:
        return next((piece for piece in pieces if piece.where == fact.where), None)
    seen = 0
    for index, piece in enumerate(pieces):
        if _label_of(piece.text) != fact.anchor:
            continue
        if seen == fact.occurrence:
            target = index + fact.offset
            return pieces[target] if target < len(pieces) else None
        seen += 1
    return None


def _value(
    path: str, text: str, urn_scheme: UrnScheme, dob_window: tuple[int, int] | None, same_piece: bool
) -> Any:
    """The fact at ``path`` read from ``text`` by the general reader's value readers; None if absent."""
    text = _after_label(text) if same_piece else text
    leaf = path.rsplit(".", 1)[-1]
    if path == "urn":
        valid = [c.normalised for c in urn_scheme.find(text, labelled=True) if c.valid]
        return valid[0] if len(valid) == 1 else None
    if path == "consent.given":
        return parse_yes_no(text)
    if path == "level_of_need":
        return parse_level(text)
    if leaf == "date_of_birth":
        return birth_date_in_window(text, dob_window)
    if leaf in _DATE_PATHS:
        found = next(iter_british_dates(text), None)
        return found[0] if found is not None else None
    if leaf in _NAME_PATHS:
        return clean_name(text)
    readers = {"lcs_id": find_lcs_id, "postcode": find_postcode, "email": find_email, "phone": find_phone}
    if leaf in readers:
        return readers[leaf](text)
    if leaf in ("role", "agency"):
        return clean_text(text)
    return collapse(text) or None


def read_learned(
    form: LearnedForm, content: DocumentContent, urn_scheme: UrnScheme, dob_window: tuple[int, int] | None
) -> dict[str, tuple[Any, str]]:
    """``{path: (value, where)}`` for every learned fact this copy states."""
    pieces = pieces_of(content)
    found: dict[str, tuple[Any, str]] = {}
    for fact in form.facts:
        piece = _find(pieces, fact)
        if piece is None:
            continue
        same_piece = fact.where is None and fact.offset == 0
        value = _value(fact.path, piece.text, urn_scheme, dob_window, same_piece)
        if value is not None and value != "":
            found[fact.path] = (value, f"{piece.where} (learned form '{form.name}')")
    return found


# --- storage (a folder of JSON files; see docs in the CLI's `forms learn`) ----------------------------


def load_learned_forms(folder: Path | None) -> tuple[LearnedForm, ...]:
    """Every learned form in ``folder`` (``*.json``), by file name; () when there is no folder."""
    if folder is None or not folder.is_dir():
        return ()
    forms: list[LearnedForm] = []
    for path in sorted(folder.glob("*.json")):
        try:
            forms.append(LearnedForm.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError([f"{path}: not a learned form ({error})"]) from None
    return tuple(forms)
