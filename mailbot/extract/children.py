"""Reading the children: one record per child from labelled values, family tables and prose (pure).

A child's record is keyed by its group ("Child 2", a table row, a column per child) or, in running
forms, by the order its fields appear in: a second, different name starts the next child. Resolving
drops adults (by relationship or age), folds a second mention of the same child into the first and
shares a family's one postcode.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import replace
from typing import Any

from mailbot.domain.facts import Child
from mailbot.extract.dates import birth_date_in_window
from mailbot.extract.evidence import Evidence, FieldRecord, Outcome, Reading, Slot, comparable
from mailbot.extract.layout import Entry
from mailbot.extract.values import NAME_IN_TEXT, clean_name, find_lcs_id, find_postcode
from mailbot.extract.vocabulary import normalise_label

CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
_ADULT_AGE = 18


def child_value(evidence: Evidence, entry: Entry, name: str) -> Any:
    """The value of child field ``name`` in ``entry`` (None when it is no plausible such value)."""
    value = entry.value
    if name in ("name", "first_name", "surname"):
        return clean_name(value) if not evidence.vocabulary.is_placeholder(value) else None
    if name == "date_of_birth":
        return birth_date(evidence, value)
    if name == "lcs_id":
        return find_lcs_id(value)
    if name == "postcode":
        return find_postcode(value)
    if name == "relationship":
        return normalise_label(value) or None
    return None


def birth_date(evidence: Evidence, text: str) -> Any:
    """A child's date of birth in ``text``, only inside the document's window (see ``Evidence``)."""
    return birth_date_in_window(text, evidence.dob_window, latest_year=evidence.dob_latest_year)


def child_record(evidence: Evidence, entry: Entry, fields: list[str]) -> FieldRecord:
    """The record ``entry`` belongs to: its group's, else the running record of its section."""
    key: Hashable
    if entry.group is not None:
        key = (entry.section == "household", entry.group)
    else:
        key = evidence.sequence.get(entry.instance, ("seq", entry.instance, 0))
        record = evidence.children.get(key)
        if record is not None and any(
            name in record
            and record[name].readings
            and comparable(record[name].readings[-1].value) != comparable(value)
            for name, value in ((f, child_value(evidence, entry, f)) for f in fields)
        ):
            key = ("seq", entry.instance, len(evidence.children) + 1)
        evidence.sequence[entry.instance] = key
        if entry.section == "household":
            key = (True, key)
    if key not in evidence.children:
        evidence.children[key] = FieldRecord()
        evidence.child_order.append(key)
    return evidence.children[key]


#: One child in a list of several: a name, then (after a comma, bracket or "DOB") its date of birth.
_LISTED_CHILD = re.compile(
    NAME_IN_TEXT + r"\s*[,(\-–:]?\s*(?:(?:DOB|D\.O\.B\.?|dob|born(?: on)?|date of birth)\s*:?\s*)?"
    r"(\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}|\d{1,2}(?:st|nd|rd|th)?[\s\-]+(?:of\s+)?[A-Za-z]{3,9}\.?,?[\s\-]+"
    r"\d{2,4})\)?"
)


def _listed_children(value: str) -> list[tuple[str, str]]:
    """ "Ava Lee 3/4/15, Sam Lee 9/9/18" or "Ava Lee (3/4/15); Sam Lee (9/9/18)": (name, date) per
    child, when the value is wholly such a list; [] otherwise."""
    found = list(_LISTED_CHILD.finditer(value))
    if not found:
        return []
    rest = _LISTED_CHILD.sub("", value)
    if re.sub(r"[\s,;&/]|\band\b", "", rest):
        return []  # words besides the list: a sentence, read as prose
    return [(match.group(1), match.group(2)) for match in found]


def read_child(evidence: Evidence, entry: Entry) -> None:
    name = entry.field
    if name == "blob":
        # Several children listed in one answer: each is read as its own record.
        parts = _listed_children(entry.value)
        if len(parts) > 1 and all(clean_name(name) and birth_date(evidence, born) for name, born in parts):
            for number, (listed, born) in enumerate(parts, start=1):
                group = (entry.where, "listed", number)
                read_child(evidence, replace(entry, value=f"{listed} DOB {born}", group=group))
            return
        if len(parts) == 1:
            entry = replace(entry, value=f"{parts[0][0]} DOB {parts[0][1]}")  # "Kai Haworth 15.10.16"
    if name == "blob":
        child_name = clean_name(entry.value)
        if child_name is None:
            return
        record = child_record(evidence, entry, ["name"])
        record.slot("name").add(child_name, entry.where, entry.confidence * 0.8)
        record.slot("date_of_birth").add(
            birth_date(evidence, entry.value), entry.where, entry.confidence * 0.8
        )
        return
    if name == "address":
        name = "postcode"
    if name == "relationship" and entry.context not in (None, "child", "household"):
        return  # "Relationship to child: Mother" under a consent signature is the signer's
    value = child_value(evidence, entry, name)
    if value is None:
        return
    # In running text a child's record starts at its name: a second, different name is the next child.
    record = child_record(evidence, entry, [name] if name in ("name", "first_name") else [])
    record.slot(name).add(value, entry.where, entry.confidence)


# --- resolving --------------------------------------------------------------------------------------


def _under_18(evidence: Evidence, record: FieldRecord) -> bool:
    """True when the record's date of birth makes the person a child in the document's year."""
    dob = record.best("date_of_birth")
    return dob is not None and dob.value.year > evidence.dob_latest_year - _ADULT_AGE


def _is_adult_row(evidence: Evidence, key: Hashable, record: FieldRecord) -> bool:
    relationships = evidence.vocabulary.relationships
    relationship = record.best("relationship")
    relation = relationship.value if relationship is not None else None
    if relation is not None and relation in relationships.get("adult", frozenset()):
        return True
    is_household = isinstance(key, tuple) and key[0] is True
    # A family table's row is a child by its relationship, or else by its age.
    return (
        is_household
        and relation not in relationships.get("child", frozenset())
        and (relation is not None or not _under_18(evidence, record))
    )


def _name_reading(record: FieldRecord) -> Reading | None:
    name_reading = record.best("name")
    if name_reading is not None:
        return name_reading
    first, last = record.best("first_name"), record.best("surname")
    if first is not None and last is not None:
        return Reading(f"{first.value} {last.value}", first.where, min(first.confidence, last.confidence))
    if first is not None:
        return Reading(first.value, first.where, first.confidence * 0.7)
    return None


def resolve_children(evidence: Evidence, outcome: Outcome) -> list[Child]:
    """Every child the document names, each once, in the order first named."""
    children: list[Child] = []
    by_name: dict[str, list[int]] = {}  # normalised name -> indices: merging stays linear
    family_postcodes = Slot()
    for key in evidence.child_order:
        record = evidence.children[key]
        if "name" not in record and "first_name" not in record and "lcs_id" not in record:
            # A postcode read on its own (the family's address) belongs to every child.
            postcode_reading = record.best("postcode")
            if postcode_reading is not None and "date_of_birth" not in record:
                family_postcodes.readings.append(postcode_reading)
        if _is_adult_row(evidence, key, record):
            continue
        name_reading = _name_reading(record)
        lcs, dob = record.best("lcs_id"), record.best("date_of_birth")
        if name_reading is None and lcs is None:
            continue
        if name_reading is not None and name_reading.confidence < 0.6 and dob is None and lcs is None:
            continue  # a "Name" outside any section, with nothing else that says it is a child
        if name_reading is not None:
            record["name"] = Slot([name_reading])
        if _merge_child(children, by_name, record):
            continue
        index = len(children)
        values = {name: outcome.take(record, name, f"children[{index}].{name}") for name in CHILD_FIELDS}
        children.append(Child(**values))
        if values["name"] is not None:
            by_name.setdefault(normalise_label(values["name"]), []).append(index)

    if not children:
        # Only a document with no labelled child at all (a letter) gets its children from prose.
        for prose in evidence.prose_children:
            index = len(children)
            children.append(Child(name=prose.name, date_of_birth=prose.date_of_birth))
            for name in ("name", "date_of_birth"):
                outcome.note(f"children[{index}].{name}", prose.where, 0.65)

    family = family_postcodes.best() if len({r.value for r in family_postcodes.readings}) == 1 else None
    if family is not None:
        _fill_postcodes(children, outcome, family.value, family.where, 0.7)
    _share_family_postcode(children, outcome)
    if evidence.prose_postcode is not None and all(child.postcode is None for child in children):
        # No address labelled anywhere: the one a sentence says the family lives at.
        _fill_postcodes(children, outcome, *evidence.prose_postcode, 0.6)
    return children


def _fill_postcodes(children: list[Child], outcome: Outcome, postcode: str, where: str, sure: float) -> None:
    for index, child in enumerate(children):
        if child.postcode is None:
            children[index] = replace(child, postcode=postcode)
            outcome.note(f"children[{index}].postcode", where, sure)


def _merge_child(children: list[Child], by_name: dict[str, list[int]], record: FieldRecord) -> bool:
    """Fold a second mention of an already-listed child into it; True when it was one.

    ``by_name`` indexes ``children`` by normalised name, so a family table of thousands of rows
    costs one lookup per row rather than a scan of every child read so far.
    """
    reading = record.best("name")
    if reading is None:
        return False
    for index in by_name.get(normalise_label(reading.value), ()):
        child = children[index]
        dob = record.best("date_of_birth")
        if dob is not None and child.date_of_birth is not None and dob.value != child.date_of_birth:
            return False
        updates: dict[str, Any] = {}
        for name in ("date_of_birth", "lcs_id", "postcode"):
            other = record.best(name)
            if getattr(child, name) is None and other is not None:
                updates[name] = other.value
        if updates:
            children[index] = replace(child, **updates)
        return True
    return False


def _share_family_postcode(children: list[Child], outcome: Outcome) -> None:
    """Brothers and sisters of one surname whose form gives an address for only some of them live at
    the one postcode given: filled only when exactly one postcode is given and every child shares it."""
    given = {child.postcode for child in children if child.postcode is not None}
    surnames = {child.name.split()[-1].casefold() for child in children if child.name}
    if len(given) != 1 or len(surnames) != 1 or any(child.name is None for child in children):
        return
    postcode = given.pop()
    source = next(i for i, child in enumerate(children) if child.postcode == postcode)
    where = outcome.provenance.get(f"children[{source}].postcode", "")
    _fill_postcodes(children, outcome, postcode, where, 0.6)
