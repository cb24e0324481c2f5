"""From a document's layout to ``DocumentFacts``: children, new lead professional, consent, URN (pure).

Precision over recall: a field is filled only from a label that names it (or a ticked box); when two
equally good readings disagree the field stays None. Every value keeps the ``where`` it was read from.

Meeting date semantics: ``meeting_date`` is the meeting the family's case is heading to: a label that
says "next" (next TAF/review meeting, multi-agency/step-down/CIN meeting date) always counts; a plain
"Date of meeting" counts only outside TAF minutes, because in minutes it is the meeting minuted (past).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from mailbot.domain.content import DocumentContent, Paragraph, Table
from mailbot.domain.facts import Child, Consent, DocumentFacts, DocumentKind, LeadProfessional, Problem
from mailbot.domain.urn import UrnScheme
from mailbot.extract.dates import (
    DEFAULT_LATEST_YEAR,
    latest_written_year,
    parse_british_date,
)
from mailbot.extract.layout import Entry, Walk, walk
from mailbot.extract.prose import (
    ProseChild,
    children_in_prose,
    home_postcode,
    join_wrapped,
    lead_in_prose,
    signed_lead,
    writer_is_lead,
)
from mailbot.extract.values import (
    clean_name,
    clean_text,
    collapse,
    consent_in_sentence,
    find_email,
    find_lcs_id,
    find_phone,
    find_postcode,
    level_in_option,
    parse_level,
    parse_yes_no,
    person_parts,
    statement_consent,
)
from mailbot.extract.vocabulary import DOCUMENT_SECTION, FieldVocabulary, normalise_label

_CHILD_FIELDS = ("name", "date_of_birth", "lcs_id", "postcode")
_ADDRESS_LINE = re.compile(
    r"\s*(?:to|re|from|cc|date|subject|dear|ref|our ref|your ref)\b\s*:?", re.IGNORECASE
)
_MEETING_SENTENCE = re.compile(
    r"\b(?:multi[\s-]?agency|TAF|team around the family|CIN|child in need|step[\s-]?down|core group|family|family plan(?:ning)?)"
    r"\s+(?:review\s+)?meeting\b(?:\s+(?:has been|is|was|will be))?\s+(?:called|booked|arranged|held|scheduled)?"
    r"\s*(?:for|on)\b",
    re.IGNORECASE,
)
_CONSENT_BY = re.compile(
    r"(?:\b(?:given|signed|obtained|agreed|received)\s+(?:by|from)\s+|\(\s*)"
    r"((?:[A-Z][a-zA-Z'’\-]+)(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})"
)
_LEVEL_SENTENCE = re.compile(
    r"\b(?:assessed|identified|agreed|assessed as|currently|stepp(?:ed|ing) down to|needs are|sits?|meets?)"
    r"[^.\n]{0,40}?\blevel\s*([1-4])\b",
    re.IGNORECASE,
)

#: Where a people table's role cell joins a job title to a part in the meeting ("X - Lead Professional").
_ROLE_PARTS = re.compile(r"\s+[—–-]\s+|[(),/;|]")
#: Words naming an organisation: "Northgate High School" or "Families First" is never a person.
_ORGANISATION_WORD = re.compile(
    r"\b(?:school|academy|college|nursery|council|services?|team|trust|nhs|centre|center|partnership|"
    r"hub|unit|project|programme|program|families|agency|department|police|hospital|practice|surgery|"
    r"university|ltd|limited|foundation|charity|clinic|children's|health|first)\b",
    re.IGNORECASE,
)
_ADULT_AGE = 18
#: An email address or phone number ending a part, with the dash or colon before it.
_CONTACT_TAIL = re.compile(
    r"\s*(?:[—–\-:]|\b(?:email|e-mail|tel|telephone|phone|mobile)\b)?\s*"
    r"(?:[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}|(?:\+44\s?|0)\d[\d\s]{8,12})\s*$",
    re.IGNORECASE,
)
#: "Jo Smith has consented", "Jo Smith has given consent", "Jo Smith agreed to": who consented.
_CONSENTER = re.compile(
    r"\b([A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})\s+(?:has\s+|have\s+)?"
    r"(?:consented|given\s+(?:her\s+|his\s+|their\s+)?consent|agreed|agrees)\b"
)
#: "Consent recorded on", "consent was given on": the date follows.
_CONSENT_ON = re.compile(
    r"\bconsent\s+(?:was\s+|has\s+been\s+)?(?:recorded|given|obtained|received|signed)\s+on\s+", re.IGNORECASE
)
#: A line ending inside a date of birth ("... Ayla Smith, born 19"): the date runs onto the next line.
_CUT_BIRTH_DATE = re.compile(
    r"\b(?:born|dob|d\.o\.b\.?|date of birth)[\s:]*(?:on\s+)?(?:\d{1,2}(?:st|nd|rd|th)?(?:\s+[A-Za-z]+)?)?\s*$",
    re.IGNORECASE,
)
_NEED_WORD = re.compile(r"\b(?:need|continuum|con|threshold)\b", re.IGNORECASE)


@dataclass
class _Reading:
    value: Any
    where: str
    confidence: float


@dataclass
class _Slot:
    """Every reading of one field; the best wins, a tie between different values gives None."""

    readings: list[_Reading] = field(default_factory=list)

    def add(self, value: Any, where: str, confidence: float) -> None:
        if value is not None and value != "":
            self.readings.append(_Reading(value, where, confidence))

    def best(self) -> _Reading | None:
        if not self.readings:
            return None
        top = max(r.confidence for r in self.readings)
        leaders = [r for r in self.readings if r.confidence >= top - 1e-9]
        values = {_comparable(r.value) for r in leaders}
        if len(values) > 1:
            return None
        return leaders[0]


def _comparable(value: Any) -> Any:
    return " ".join(value.casefold().replace(".", "").split()) if isinstance(value, str) else value


class FieldRecord(dict[str, _Slot]):
    def slot(self, name: str) -> _Slot:
        if name not in self:
            self[name] = _Slot()
        return self[name]

    def best(self, name: str) -> _Reading | None:
        slot = self.get(name)
        return slot.best() if slot is not None else None


class FactCollector:
    """Accumulates readings for one document, then resolves them into a ``DocumentFacts``."""

    def __init__(self, vocabulary: FieldVocabulary, dob_latest_year: int) -> None:
        self.vocabulary = vocabulary
        self.dob_latest_year = dob_latest_year
        self.children: dict[Hashable, FieldRecord] = {}
        self.child_order: list[Hashable] = []
        self.sequence: dict[int, Hashable] = {}
        self.lead_professional = FieldRecord()
        self.consent = FieldRecord()
        self.document = FieldRecord()
        self.prose_children: list[ProseChild] = []
        self.people: list[dict[str, tuple[str, str]]] = []
        self.prose_postcode: tuple[str, str] | None = None

    # --- reading entries --------------------------------------------------------------------------
    def read(self, entry: Entry) -> None:
        if entry.section in ("child", "household"):
            self.read_child(entry)
        elif entry.section == "lead_professional":
            self.read_lead_professional(entry)
        elif entry.section == "consent":
            self.read_consent(entry)
        elif entry.section == "meeting" and entry.field == "date":
            self.document.slot("meeting_date").add(parse_british_date(entry.value), entry.where, 0.85)
        elif entry.section == DOCUMENT_SECTION:
            self.read_document(entry)

    def child_record(self, entry: Entry, fields: list[str]) -> FieldRecord:
        key: Hashable
        if entry.group is not None:
            key = (entry.section == "household", entry.group)
        else:
            key = self.sequence.get(entry.instance, ("seq", entry.instance, 0))
            record = self.children.get(key)
            if record is not None and any(
                name in record
                and record[name].readings
                and _comparable(record[name].readings[-1].value) != _comparable(value)
                for name, value in ((f, self.child_value(entry, f)) for f in fields)
            ):
                key = ("seq", entry.instance, len(self.children) + 1)
            self.sequence[entry.instance] = key
            if entry.section == "household":
                key = (True, key)
        if key not in self.children:
            self.children[key] = FieldRecord()
            self.child_order.append(key)
        return self.children[key]

    def child_value(self, entry: Entry, name: str) -> Any:
        value = entry.value
        if name in ("name", "first_name", "surname"):
            return clean_name(value) if not self.vocabulary.is_placeholder(value) else None
        if name == "date_of_birth":
            return parse_british_date(value, latest_year=self.dob_latest_year)
        if name == "lcs_id":
            return find_lcs_id(value)
        if name == "postcode":
            return find_postcode(value)
        if name == "relationship":
            return normalise_label(value) or None
        return None

    def read_child(self, entry: Entry) -> None:
        name = entry.field
        if name == "blob" and ";" in entry.value:
            # "Ava Lee (3/4/15); Sam Lee (9/9/18)": several children listed in one cell.
            parts = [part.strip() for part in entry.value.split(";") if part.strip()]
            if len(parts) > 1 and all(
                clean_name(part) is not None
                and parse_british_date(part, latest_year=self.dob_latest_year) is not None
                for part in parts
            ):
                for part in parts:
                    self.read_child(replace(entry, value=part))
                return
        if name == "blob":
            child_name = clean_name(entry.value)
            dob = parse_british_date(entry.value, latest_year=self.dob_latest_year)
            if child_name is None:
                return
            record = self.child_record(entry, ["name"])
            record.slot("name").add(child_name, entry.where, entry.confidence * 0.8)
            record.slot("date_of_birth").add(dob, entry.where, entry.confidence * 0.8)
            return
        if name == "address":
            name = "postcode"
        if name == "relationship" and entry.context not in (None, "child", "household"):
            return  # "Relationship to child: Mother" under a consent signature is the signer's
        value = self.child_value(entry, name)
        if value is None:
            return
        # In running text a child's record starts at its name: a second, different name is the next child.
        record = self.child_record(entry, [name] if name in ("name", "first_name") else [])
        record.slot(name).add(value, entry.where, entry.confidence)

    def read_lead_professional(self, entry: Entry) -> None:
        value, name, where, confidence = entry.value, entry.field, entry.where, entry.confidence
        record = self.lead_professional
        if self.vocabulary.is_placeholder(value):
            return
        if name in ("name", "first_name", "surname"):
            record.slot(name).add(_person_name(value), where, confidence)
            if name == "name":
                record.slot("email").add(find_email(value), where, confidence * 0.8)
                record.slot("phone").add(find_phone(value), where, confidence * 0.8)
        elif name in ("role", "agency"):
            record.slot(name).add(clean_text(value), where, confidence)
        elif name == "email":
            record.slot("email").add(find_email(value), where, confidence)
        elif name == "phone":
            record.slot("phone").add(find_phone(value), where, confidence)
        elif name in ("contact", "blob"):
            record.slot("email").add(find_email(value), where, confidence * 0.85)
            record.slot("phone").add(find_phone(value), where, confidence * 0.85)
            if name == "blob":
                # "Andrew Ainsworth, Early Help Practitioner, Blackpool Better Start. Contact ..."
                parts = person_parts(value) or [""]
                record.slot("name").add(_person_name(parts[0]), where, confidence * 0.7)
                # "Norwich Family Hub — jo@hub.org": the part before a trailing address is the agency.
                trimmed = [_CONTACT_TAIL.sub("", p) for p in parts[1:3]]
                plain = [p for p in trimmed if p and find_email(p) is None and find_phone(p) is None]
                if _person_name(parts[0]) is not None and len(plain) == 2:
                    record.slot("role").add(clean_text(plain[0]), where, confidence * 0.6)
                    record.slot("agency").add(clean_text(plain[1]), where, confidence * 0.6)

    def read_consent(self, entry: Entry) -> None:
        value, name, where = entry.value, entry.field, entry.where
        if name == "given":
            self.consent.slot("given").add(parse_yes_no(value), where, entry.confidence)
            dated = parse_british_date(value)
            self.consent.slot("date").add(dated, where, entry.confidence * 0.8)
        elif name == "statement":
            who = _CONSENT_BY.search(value)
            if who is not None:
                self.consent.slot("signed_by").add(clean_name(who.group(1)), where, entry.confidence * 0.8)
            self.consent.slot("date").add(parse_british_date(value), where, entry.confidence * 0.8)
        elif name == "date":
            self.consent.slot("date").add(parse_british_date(value), where, entry.confidence)
        elif name == "signed_by" and not self.vocabulary.is_placeholder(value):
            self.consent.slot("signed_by").add(clean_name(value), where, entry.confidence)
        elif name == "signature" and not self.vocabulary.is_placeholder(value):
            self.consent.slot("signature").add(collapse(value), where, entry.confidence)
            self.consent.slot("signed_by").add(clean_name(value), where, entry.confidence * 0.7)

    def read_document(self, entry: Entry) -> None:
        name, value, where, confidence = entry.field, entry.value, entry.where, entry.confidence
        if name == "level_of_need":
            self.document.slot("level_of_need").add(parse_level(value), where, confidence)
        elif name in ("work_requested", "work_requested_fallback"):
            if not self.vocabulary.is_placeholder(value):
                weight = confidence if name == "work_requested" else confidence * 0.75
                self.document.slot("work_requested").add(collapse(value), where, weight)
        elif name == "meeting_date":
            self.document.slot(name).add(parse_british_date(value), where, confidence)
        elif name in ("consent_given",):
            self.consent.slot("given").add(parse_yes_no(value), where, confidence)

    # --- check boxes and statements ---------------------------------------------------------------
    def read_options(self, found: Walk) -> None:
        for option in found.options:
            if not option.ticked:
                continue
            level = level_in_option(option.text)
            label_field = option.label.field if option.label is not None else None
            if level is not None and label_field in (None, "level_of_need"):
                self.document.slot("option_level").add(level, option.where, 0.8)
            in_consent = option.section == "consent" or (
                option.label is not None and option.label.section == "consent"
            )
            if label_field is None and (in_consent or "consent" in option.text.lower()):
                answer = parse_yes_no(option.text)
                if answer is None:
                    answer = statement_consent(option.text)
                self.consent.slot("option_given").add(answer, option.where, 0.7)

    def read_free_text(self, found: Walk) -> None:
        for text, where, section in found.free_text:
            # A plain substring test first: most lines of a long document mention none of these, and
            # the sentence patterns are the costliest part of reading one.
            lowered = text.lower()
            if section not in self.vocabulary.ignored_sections:
                if "consent" in lowered or "agreed" in lowered:
                    given = consent_in_sentence(text)
                    self.consent.slot("sentence_given").add(given, where, 0.6)
                    if given is not None:
                        self.read_consent_sentence(text, where)
                if "meeting" in lowered:
                    for meeting in _MEETING_SENTENCE.finditer(text):
                        when = parse_british_date(text[meeting.end() : meeting.end() + 60])
                        self.document.slot("sentence_meeting_date").add(when, where, 0.6)
            if "level" in lowered:
                for match in _LEVEL_SENTENCE.finditer(text):
                    if _NEED_WORD.search(text):
                        self.document.slot("sentence_level").add(int(match.group(1)), where, 0.6)

    def read_consent_sentence(self, text: str, where: str) -> None:
        """Who consented and when, from "Jo Smith has consented to ... Consent recorded on 1/2/25".

        Both or neither: a sentence saying someone agreed, with no date recorded, names no signer.
        """
        who, when = _CONSENTER.search(text), _CONSENT_ON.search(text)
        if who is None or when is None:
            return  # only a consent recorded with its date stands for a signature
        dated = parse_british_date(text[when.end() : when.end() + 40])
        signer = _person_name(who.group(1))
        if dated is not None and signer is not None:
            self.consent.slot("sentence_signed_by").add(signer, where, 0.6)
            self.consent.slot("sentence_date").add(dated, where, 0.6)

    def read_prose(self, found: Walk, latest_year: int | None) -> None:
        """Children named with a birth date in prose, and the writer's sign-off when they take the lead."""
        lines = [
            (text, where)
            for text, where, section in found.free_text
            if section not in self.vocabulary.ignored_sections
        ]
        # A PDF wraps "born 19 / August 2017" over two lines: such a cut date of birth is joined.
        self.prose_children = children_in_prose(_join_cut_dates(lines), latest_year, self.dob_latest_year)
        joined = join_wrapped(lines)
        self.prose_postcode = home_postcode(joined)
        lead = lead_in_prose(joined)
        if lead is None and found.signature and writer_is_lead(lines):
            lead = signed_lead(found.signature)
        if lead is None:
            return
        record = self.lead_professional
        labelled = record.best("name")
        if labelled is not None and _comparable(labelled.value) != _comparable(lead.name):
            return  # a form names someone else: never mix two people's details
        record.slot("name").add(lead.name, lead.where, 0.65)
        record.slot("role").add(lead.role, lead.where, 0.6)
        record.slot("agency").add(lead.agency, lead.where, 0.6)
        record.slot("email").add(lead.email, lead.where, 0.6)
        record.slot("phone").add(lead.phone, lead.where, 0.6)

    # --- resolving --------------------------------------------------------------------------------
    def resolve(self, kind: DocumentKind) -> dict[str, Any]:
        provenance: dict[str, str] = {}
        confidence: dict[str, float] = {}

        def take(record: FieldRecord, name: str, path: str) -> Any:
            reading = record.best(name)
            if reading is None:
                return None
            provenance[path] = reading.where
            confidence[path] = round(reading.confidence, 2)
            return reading.value

        children: list[Child] = []
        by_name: dict[str, list[int]] = {}  # normalised name -> indices: merging stays linear
        family_postcodes = _Slot()
        for key in self.child_order:
            record = self.children[key]
            if "name" not in record and "first_name" not in record and "lcs_id" not in record:
                # A postcode read on its own (the family's address) belongs to every child.
                postcode_reading = record.best("postcode")
                if postcode_reading is not None and "date_of_birth" not in record:
                    family_postcodes.readings.append(postcode_reading)
            index = len(children)
            is_household = isinstance(key, tuple) and key[0] is True
            relationship = record.best("relationship")
            relation = relationship.value if relationship is not None else None
            if relation is not None and relation in self.vocabulary.relationships.get("adult", frozenset()):
                continue
            if (
                is_household
                and relation not in self.vocabulary.relationships.get("child", frozenset())
                and (relation is not None or not self._under_18(record))
            ):
                continue  # a family table's row is a child by its relationship, or else by its age
            name_reading = record.best("name")
            if name_reading is None:
                first, last = record.best("first_name"), record.best("surname")
                if first is not None and last is not None:
                    name_reading = _Reading(
                        f"{first.value} {last.value}", first.where, min(first.confidence, last.confidence)
                    )
                elif first is not None:
                    name_reading = _Reading(first.value, first.where, first.confidence * 0.7)
            lcs = record.best("lcs_id")
            dob = record.best("date_of_birth")
            if name_reading is None and lcs is None:
                continue
            if name_reading is not None and name_reading.confidence < 0.6 and dob is None and lcs is None:
                continue  # a "Name" outside any section, with nothing else that says it is a child
            if name_reading is not None:
                record["name"] = _Slot([name_reading])
            merged = self._merge_child(children, by_name, record)
            if merged is not None:
                continue
            values = {name: take(record, name, f"children[{index}].{name}") for name in _CHILD_FIELDS}
            children.append(Child(**values))
            if values["name"] is not None:
                by_name.setdefault(normalise_label(values["name"]), []).append(index)

        if not children:
            # Only a document with no labelled child at all (a letter) gets its children from prose.
            for prose in self.prose_children:
                index = len(children)
                children.append(Child(name=prose.name, date_of_birth=prose.date_of_birth))
                for name in ("name", "date_of_birth"):
                    provenance[f"children[{index}].{name}"] = prose.where
                    confidence[f"children[{index}].{name}"] = 0.65

        family_postcode = (
            family_postcodes.best() if len({r.value for r in family_postcodes.readings}) == 1 else None
        )
        if family_postcode is not None:
            for index, child in enumerate(children):
                if child.postcode is None:
                    children[index] = replace(child, postcode=family_postcode.value)
                    provenance[f"children[{index}].postcode"] = family_postcode.where
                    confidence[f"children[{index}].postcode"] = 0.7

        self._lead_from_people()
        self._complete_from_people()
        _share_family_postcode(children, provenance, confidence)
        if self.prose_postcode is not None and all(child.postcode is None for child in children):
            # No address labelled anywhere: the one a sentence says the family lives at.
            postcode, where = self.prose_postcode
            for index, child in enumerate(children):
                children[index] = replace(child, postcode=postcode)
                provenance[f"children[{index}].postcode"] = where
                confidence[f"children[{index}].postcode"] = 0.6

        lead = LeadProfessional(
            name=self._lp_name(take),
            role=take(self.lead_professional, "role", "lead_professional.role"),
            agency=take(self.lead_professional, "agency", "lead_professional.agency"),
            email=take(self.lead_professional, "email", "lead_professional.email"),
            phone=take(self.lead_professional, "phone", "lead_professional.phone"),
        )
        lead_professional = lead if any(lead.to_json().values()) else None

        given = take(self.consent, "given", "consent.given")
        if given is None:
            given = take(self.consent, "option_given", "consent.given")
        if given is None:
            given = take(self.consent, "sentence_given", "consent.given")
        signed_by = take(self.consent, "signed_by", "consent.signed_by")
        consent_date = take(self.consent, "date", "consent.date")
        if given is not None and signed_by is None and consent_date is None:
            # No signature block: the sentence that records the consent says who gave it and when.
            signed_by = take(self.consent, "sentence_signed_by", "consent.signed_by")
            consent_date = take(self.consent, "sentence_date", "consent.date")
        if (
            given is None
            and signed_by is not None
            and (consent_date is not None or "signature" in self.consent)
        ):
            given = True  # a consent statement signed and dated by the family
            provenance["consent.given"] = provenance["consent.signed_by"]
            confidence["consent.given"] = 0.6

        level = take(self.document, "level_of_need", "level_of_need")
        if level is None:
            level = take(self.document, "option_level", "level_of_need")
        if level is None:
            level = take(self.document, "sentence_level", "level_of_need")

        meeting = take(self.document, "meeting_date", "meeting_date")
        if meeting is None:
            meeting = take(self.document, "sentence_meeting_date", "meeting_date")

        return {
            "children": tuple(children),
            "lead_professional": lead_professional,
            "consent": Consent(given=given, date=consent_date, signed_by=signed_by),
            "level_of_need": level,
            "work_requested": take(self.document, "work_requested", "work_requested"),
            "meeting_date": meeting,
            "provenance": provenance,
            "confidence": confidence,
        }

    def _lead_from_people(self) -> None:
        """The lead professional marked in a people table's role column ("Youth Worker - Lead
        Professional"): only when no label names one and exactly one row is so marked."""
        if self.lead_professional.best("name") is not None:
            return
        marked: list[tuple[dict[str, tuple[str, str]], str | None]] = []
        for row in self.people:
            if "name" not in row or "role" not in row:
                continue
            role_parts = _ROLE_PARTS.split(row["role"][0])
            sections = [self.vocabulary.find_section(normalise_label(part))[0] for part in role_parts]
            if "lead_professional" not in sections:
                continue
            rest = [
                collapse(part)
                for part, section in zip(role_parts, sections, strict=True)
                if section != "lead_professional" and collapse(part)
            ]
            marked.append((row, rest[0] if len(rest) == 1 else None))
        if len(marked) != 1:
            return
        row, role = marked[0]
        name = clean_name(row["name"][0])
        if name is None:
            return
        record, where = self.lead_professional, row["name"][1]
        record.slot("name").add(name, where, 0.7)
        record.slot("role").add(role, row["role"][1], 0.65)
        agency = row.get("agency")
        if agency is not None and not self.vocabulary.is_placeholder(agency[0]):
            record.slot("agency").add(clean_text(agency[0]), agency[1], 0.65)

    def _complete_from_people(self) -> None:
        """Fill the lead professional's missing role, agency and contact from their own row of a people
        table (attendees, professionals involved): only when exactly one row carries their name."""
        named = self.lead_professional.best("name")
        if named is None:
            return
        key = _comparable(named.value)
        rows = [
            row
            for row in self.people
            if "name" in row and _comparable(clean_name(row["name"][0]) or "") == key
        ]
        if len(rows) != 1:
            return
        row = rows[0]
        record = self.lead_professional
        for name in ("role", "agency"):
            if name in row and record.best(name) is None and not self.vocabulary.is_placeholder(row[name][0]):
                record.slot(name).add(clean_text(row[name][0]), row[name][1], 0.6)
        contact = " ".join(row[name][0] for name in ("email", "phone", "contact") if name in row)
        where = next((row[name][1] for name in ("contact", "email", "phone") if name in row), named.where)
        if record.best("email") is None:
            record.slot("email").add(find_email(contact), where, 0.6)
        if record.best("phone") is None:
            record.slot("phone").add(find_phone(contact), where, 0.6)

    def _under_18(self, record: FieldRecord) -> bool:
        """True when the record's date of birth makes the person a child in the document's year."""
        dob = record.best("date_of_birth")
        return dob is not None and dob.value.year > self.dob_latest_year - _ADULT_AGE

    def _lp_name(self, take: Any) -> str | None:
        name: str | None = take(self.lead_professional, "name", "lead_professional.name")
        if name is not None:
            return name
        first, last = self.lead_professional.best("first_name"), self.lead_professional.best("surname")
        if first is not None and last is not None:
            self.lead_professional["name"] = _Slot(
                [_Reading(f"{first.value} {last.value}", first.where, 0.85)]
            )
            result: str | None = take(self.lead_professional, "name", "lead_professional.name")
            return result
        return None

    def _merge_child(
        self, children: list[Child], by_name: dict[str, list[int]], record: FieldRecord
    ) -> int | None:
        """Fold a second mention of an already-listed child into it; returns its index, or None.

        ``by_name`` indexes ``children`` by normalised name, so a family table of thousands of rows
        costs one lookup per row rather than a scan of every child read so far.
        """
        reading = record.best("name")
        if reading is None:
            return None
        for index in by_name.get(normalise_label(reading.value), ()):
            child = children[index]
            dob = record.best("date_of_birth")
            if dob is not None and child.date_of_birth is not None and dob.value != child.date_of_birth:
                return None
            updates: dict[str, Any] = {}
            for name in ("date_of_birth", "lcs_id", "postcode"):
                other = record.best(name)
                if getattr(child, name) is None and other is not None:
                    updates[name] = other.value
            if updates:
                children[index] = Child(
                    **{
                        **child.to_json(),
                        **updates,
                        "date_of_birth": updates.get("date_of_birth", child.date_of_birth),
                    }
                )
            return index
        return None


def _share_family_postcode(
    children: list[Child], provenance: dict[str, str], confidence: dict[str, float]
) -> None:
    """Brothers and sisters of one surname whose form gives an address for only some of them live at
    the one postcode given: filled only when exactly one postcode is given and every child shares it."""
    given = {child.postcode for child in children if child.postcode is not None}
    surnames = {child.name.split()[-1].casefold() for child in children if child.name}
    if len(given) != 1 or len(surnames) != 1 or any(child.name is None for child in children):
        return
    postcode = given.pop()
    source = next(i for i, child in enumerate(children) if child.postcode == postcode)
    for index, child in enumerate(children):
        if child.postcode is None:
            children[index] = replace(child, postcode=postcode)
            provenance[f"children[{index}].postcode"] = provenance.get(f"children[{source}].postcode", "")
            confidence[f"children[{index}].postcode"] = 0.6


def _title_lines(content: DocumentContent) -> list[str]:
    """The first heading and the first few short lines: where a document says what it is."""
    lines = [b.text for b in content.blocks if isinstance(b, Paragraph) and b.heading_level == 1][:1]
    for block in content.blocks[:8]:
        if isinstance(block, Paragraph):
            if (
                block.text.strip()
                and len(block.text) <= 90
                and not _ADDRESS_LINE.match(block.text)  # "To: CAF Database Team" addresses, no title
                and not block.text.rstrip().endswith((".", ",", ";"))  # a sentence, not a title
                and block.where not in ("header", "footer")
            ):
                lines.append(block.text)
        elif isinstance(block, Table) and block.rows:
            lines.extend(cell.text for cell in block.rows[0] if len(cell.text) <= 90)
        if len(lines) >= 4:
            break
    return lines


def document_kind(content: DocumentContent, vocabulary: FieldVocabulary) -> DocumentKind:
    """The document's kind from its title lines, else its file name; "other" when neither says.

    A file with no readable content is "other" whatever its name.
    """
    if content.media == "email":
        return "email"
    if not content.blocks:
        return "other"
    for line in [*_title_lines(content), content.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]]:
        kind = vocabulary.kind_of(line)
        if kind in ("assessment", "plan", "taf_minutes", "consent", "other"):
            return kind  # type: ignore[return-value]  # a title naming "other" settles it too
    return "other"


def find_urns(
    pieces: list[tuple[str, str]], urn_scheme: UrnScheme, labelled: list[tuple[str, str]] | None = None
) -> tuple[str | None, str | None, tuple[str, ...], list[Problem]]:
    """The URN of ``pieces`` (text, where), where it was read, invalid URNs as written, problems.

    ``labelled`` are values read under a URN label (a form's "URN" field): there a bare, digits-only
    URN counts too (``UrnScheme.find(labelled=True)``).
    """
    valid: dict[str, str] = {}
    invalid: dict[str, tuple[str, str]] = {}
    numbers_of_valid: set[str] = set()
    sources = [(text, where, False) for text, where in pieces]
    sources += [(text, where, True) for text, where in labelled or ()]
    for text, where, is_label in sources:
        if not urn_scheme.might_contain(text):
            continue
        for candidate in urn_scheme.find(text, labelled=is_label):
            if candidate.valid:
                valid.setdefault(candidate.normalised, where)
                numbers_of_valid.add(candidate.number)
            else:
                invalid.setdefault(candidate.normalised, (candidate.number, collapse(candidate.as_written)))
    problems: list[Problem] = []
    invalid_written = tuple(written for number, written in invalid.values() if number not in numbers_of_valid)
    for written in invalid_written:
        problems.append(
            Problem(
                "invalid_urn", f"The URN {written} is not a valid URN (its check character does not match)."
            )
        )
    if len(valid) > 1:
        problems.append(
            Problem("conflicting_urns", "The document gives more than one URN: " + ", ".join(valid) + ".")
        )
        return None, None, invalid_written, problems
    if valid:
        urn, where = next(iter(valid.items()))
        return urn, where, invalid_written, problems
    return None, None, invalid_written, problems


def _block_texts(content: DocumentContent) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    for block in content.blocks:
        if isinstance(block, Paragraph):
            pieces.append((block.text, block.where))
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    pieces.append((cell.text, cell.where))
        else:
            pieces.append((block.value, block.where))
    return pieces


def extract_layout_facts(
    content: DocumentContent,
    vocabulary: FieldVocabulary,
    urn_scheme: UrnScheme,
    *,
    kind: DocumentKind | None,
    extra_urn_text: tuple[tuple[str, str], ...],
    extra: Callable[[FactCollector, Walk], None] | None = None,
) -> DocumentFacts:
    pieces = _block_texts(content)
    written_year = latest_written_year("\n".join(text for text, _ in pieces))
    latest = written_year or DEFAULT_LATEST_YEAR
    found = walk(content, vocabulary)
    facts = FactCollector(vocabulary, latest)
    for entry in found.entries:
        if entry.field == "lcs_id" and urn_scheme.find(entry.value):
            continue  # "Case number: LAN-004217-K" is the council's URN, never a child's LCS id
        facts.read(entry)
    facts.people = found.people
    facts.read_options(found)
    facts.read_free_text(found)
    if kind != "email":  # an email body has its own sentence readers (email.py) and no sign-off
        facts.read_prose(found, written_year)
    if extra is not None:
        extra(facts, found)
    resolved_kind: DocumentKind = kind or document_kind(content, vocabulary)
    resolved = facts.resolve(resolved_kind)
    labelled = [
        (e.value, e.where) for e in found.entries if e.section == DOCUMENT_SECTION and e.field == "urn"
    ]
    urn, urn_where, invalid, problems = find_urns([*extra_urn_text, *pieces], urn_scheme, labelled)
    if urn is not None and urn_where is not None:
        resolved["provenance"] = {"urn": urn_where, **resolved["provenance"]}
        resolved["confidence"] = {"urn": 0.99, **resolved["confidence"]}
    return DocumentFacts(
        file=content.file,
        kind=resolved_kind,
        urn=urn,
        problems=tuple(content.problems) + tuple(problems),
        invalid_urns=invalid,
        sha256=content.sha256,
        **resolved,
    )


def _person_name(text: str) -> str | None:
    """A person's name (``clean_name``) that is no organisation's: a school or service names nobody."""
    name = clean_name(text)
    if name is None or _ORGANISATION_WORD.search(name):
        return None
    return name


def _join_cut_dates(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lines of one PDF page joined where a date of birth is cut by the wrap; the rest as written."""
    joined: list[tuple[str, str]] = []
    for text, where in lines:
        if (
            joined
            and where.startswith("page")
            and joined[-1][1] == where
            and _CUT_BIRTH_DATE.search(joined[-1][0])
        ):
            joined[-1] = (joined[-1][0].rstrip() + " " + text.strip(), where)
        else:
            joined.append((text, where))
    return joined
