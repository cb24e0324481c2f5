"""What one document says about each fact, before anyone decides: readings, slots and records (pure).

Readers (children, lead professional, consent, the document itself) add readings: a value, where it was
read and how sure the reading is. The resolver then takes the best reading of each slot. Two equally good
readings that disagree are no answer: the slot is *uncertain*, and its candidates go to review rather
than one of them being guessed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from mailbot.extract.prose import ProseChild
from mailbot.extract.vocabulary import FieldVocabulary

#: The least confidence a reading needs to be a fact; below it (an OCR guess) it is only a candidate.
SURE = 0.3


@dataclass
class Reading:
    value: Any
    where: str
    confidence: float


def comparable(value: Any) -> Any:
    """The form two readings are compared in: case, dots and spacing never make two values differ."""
    return " ".join(value.casefold().replace(".", "").split()) if isinstance(value, str) else value


@dataclass
class Slot:
    """Every reading of one field; the best wins, a tie between different values gives None."""

    readings: list[Reading] = field(default_factory=list)

    def add(self, value: Any, where: str, confidence: float) -> None:
        if value is not None and value != "":
            self.readings.append(Reading(value, where, confidence))

    def _leaders(self) -> list[Reading]:
        top = max(r.confidence for r in self.readings)
        return [r for r in self.readings if r.confidence >= top - 1e-9]

    def best(self) -> Reading | None:
        if not self.readings:
            return None
        leaders = self._leaders()
        if len({comparable(r.value) for r in leaders}) > 1:
            return None
        return leaders[0]

    def conflict(self) -> list[Reading]:
        """The equally good readings that disagree (one per value), or [] when the slot is decided."""
        if not self.readings:
            return []
        distinct: dict[Any, Reading] = {}
        for reading in self._leaders():
            distinct.setdefault(comparable(reading.value), reading)
        return list(distinct.values()) if len(distinct) > 1 else []


class FieldRecord(dict[str, Slot]):
    """The slots of one record (a child, the lead professional, the consent, the document)."""

    def slot(self, name: str) -> Slot:
        if name not in self:
            self[name] = Slot()
        return self[name]

    def best(self, name: str) -> Reading | None:
        slot = self.get(name)
        return slot.best() if slot is not None else None


@dataclass
class Evidence:
    """Everything read from one document, by concern, before it is resolved into facts.

    ``dob_window`` is the years a child's date of birth may fall in: from 25 years before the document's
    date to the document's date (see ``dates.birth_window``).
    """

    vocabulary: FieldVocabulary
    dob_latest_year: int
    dob_window: tuple[int, int] | None = None
    children: dict[Hashable, FieldRecord] = field(default_factory=dict)
    child_order: list[Hashable] = field(default_factory=list)
    sequence: dict[int, Hashable] = field(default_factory=dict)
    lead_professional: FieldRecord = field(default_factory=FieldRecord)
    consent: FieldRecord = field(default_factory=FieldRecord)
    document: FieldRecord = field(default_factory=FieldRecord)
    prose_children: list[ProseChild] = field(default_factory=list)
    #: rows of people tables: ``{field: (value, where)}``, to complete a lead professional named elsewhere.
    people: list[dict[str, tuple[str, str]]] = field(default_factory=list)
    prose_postcode: tuple[str, str] | None = None


@dataclass
class Outcome:
    """What resolving produced besides the facts: where each came from, how sure, what stayed open."""

    provenance: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    #: field path -> the disagreeing candidates (value, where) of a slot left empty because of them.
    uncertain: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)

    def take(self, record: FieldRecord, name: str, path: str) -> Any:
        """The best reading's value of ``record[name]``, noted under ``path``; None when there is none.

        A tie between different values leaves the fact empty and records its candidates.
        """
        slot = record.get(name)
        if slot is None:
            return None
        reading = slot.best()
        if reading is None:
            tied = slot.conflict()
            if tied:
                self.uncertain.setdefault(path, [(r.value, r.where) for r in tied])
            return None
        if reading.confidence < SURE:
            # Text recognition guessed part of it: shown to a person, never taken as read.
            self.uncertain.setdefault(path, [(reading.value, reading.where)])
            return None
        self.uncertain.pop(path, None)
        self.provenance[path] = reading.where
        self.confidence[path] = round(reading.confidence, 2)
        return reading.value

    def note(self, path: str, where: str, confidence: float) -> None:
        self.provenance[path] = where
        self.confidence[path] = confidence
