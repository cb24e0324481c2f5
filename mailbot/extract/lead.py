"""Reading the new lead professional: labelled fields, a people table's marked row, prose (pure).

Only one person: readings from a sentence or a people table are added only when they name the person a
label already names (or no label names anyone), so two people's details are never mixed.
"""

from __future__ import annotations

import re

from mailbot.domain.facts import LeadProfessional
from mailbot.extract.evidence import Evidence, FieldRecord, Outcome, Reading, Slot, comparable
from mailbot.extract.layout import Entry, Walk
from mailbot.extract.prose import lead_in_prose, signed_lead, writer_is_lead
from mailbot.extract.values import (
    ORGANISATION_WORD,
    clean_name,
    clean_text,
    collapse,
    find_email,
    find_phone,
    is_agency,
    person_parts,
)
from mailbot.extract.vocabulary import normalise_label

#: Where a people table's role cell joins a job title to a part in the meeting ("X - Lead Professional").
_ROLE_PARTS = re.compile(r"\s+[—–-]\s+|[(),/;|]")
#: An email address or phone number ending a part, with the dash or colon before it.
_CONTACT_TAIL = re.compile(
    r"\s*(?:[—–\-:]|\b(?:email|e-mail|tel|telephone|phone|mobile)\b)?\s*"
    r"(?:[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}|(?:\+44\s?|0)\d[\d\s]{8,12})\s*$",
    re.IGNORECASE,
)
LP_FIELDS = ("role", "agency", "email", "phone")
#: "Health Visiting Service (ade@nhs.net)": an address in brackets ending a part.
_BRACKETED_CONTACT = re.compile(r"\s*\([^()]*(?:@|\d{5})[^()]*\)\s*$")


def person_name(text: str) -> str | None:
    """A person's name (``clean_name``) that is no organisation's: a school or service names nobody."""
    name = clean_name(text)
    if name is None or ORGANISATION_WORD.search(name):
        return None
    return name


def professional_name(text: str) -> str | None:
    """A professional's name in full (forename and surname): a lone word is a fragment or a misreading."""
    name = person_name(text)
    return name if name is not None and " " in name else None


def read_lead_professional(evidence: Evidence, entry: Entry) -> None:
    value, name, where, confidence = entry.value, entry.field, entry.where, entry.confidence
    record = evidence.lead_professional
    if evidence.vocabulary.is_placeholder(value):
        return
    if name == "name":
        record.slot(name).add(professional_name(value), where, confidence)
        record.slot("email").add(find_email(value), where, confidence * 0.8)
        record.slot("phone").add(find_phone(value), where, confidence * 0.8)
    elif name in ("first_name", "surname"):
        record.slot(name).add(person_name(value), where, confidence)
    elif name in ("role", "agency"):
        record.slot(name).add(clean_text(value), where, confidence)
    elif name == "email":
        record.slot("email").add(find_email(value), where, confidence)
    elif name == "phone":
        record.slot("phone").add(find_phone(value), where, confidence)
    elif name in ("contact", "blob"):
        record.slot("email").add(find_email(value), where, confidence * 0.85)
        record.slot("phone").add(find_phone(value), where, confidence * 0.85)
        if name == "blob" and professional_name((person_parts(value) or [""])[0]) is None:
            # "It was agreed that Gareth Hartley (Young People's Service) will be the lead professional."
            _read_sentence(record, value, where, confidence)
        elif name == "blob":
            _read_blob(record, value, where, confidence)


def _read_sentence(record: FieldRecord, value: str, where: str, confidence: float) -> None:
    """The lead professional named in a sentence under their own heading."""
    lead = lead_in_prose([(value, where)])
    if lead is None:
        return
    record.slot("name").add(lead.name, where, confidence * 0.75)
    for name in LP_FIELDS:
        record.slot(name).add(getattr(lead, name), where, confidence * 0.7)


def _read_blob(record: FieldRecord, value: str, where: str, confidence: float) -> None:
    """ "Andrew Ainsworth, Early Help Practitioner, Blackpool Better Start. Contact ..." in one cell."""
    parts = person_parts(value) or [""]
    record.slot("name").add(professional_name(parts[0]), where, confidence * 0.7)
    # "Norwich Family Hub — jo@hub.org": the part before a trailing address is the agency.
    trimmed = [_CONTACT_TAIL.sub("", _BRACKETED_CONTACT.sub("", p)) for p in parts[1:3]]
    plain = [p for p in trimmed if p and find_email(p) is None and find_phone(p) is None]
    if person_name(parts[0]) is not None and len(plain) == 2:
        record.slot("role").add(clean_text(plain[0]), where, confidence * 0.6)
        record.slot("agency").add(clean_text(plain[1]), where, confidence * 0.6)
    elif person_name(parts[0]) is not None and len(plain) == 1 and is_agency(plain[0]):
        # "Tomasz Wojcik, Preston Family Hub, 01632 960485": the one part naming an organisation.
        record.slot("agency").add(clean_text(plain[0]), where, confidence * 0.6)


def read_lead_in_prose(
    evidence: Evidence, found: Walk, lines: list[tuple[str, str]], joined: list[tuple[str, str]]
) -> None:
    """The lead named in a sentence, or the writer's own sign-off when they say they take the lead."""
    lead = lead_in_prose(joined)
    if lead is None and found.signature and writer_is_lead(lines):
        lead = signed_lead(found.signature)
    if lead is None:
        return
    record = evidence.lead_professional
    labelled = record.best("name")
    if labelled is not None and comparable(labelled.value) != comparable(lead.name):
        return  # a form names someone else: never mix two people's details
    record.slot("name").add(lead.name, lead.where, 0.65)
    record.slot("role").add(lead.role, lead.where, 0.6)
    record.slot("agency").add(lead.agency, lead.where, 0.6)
    record.slot("email").add(lead.email, lead.where, 0.6)
    record.slot("phone").add(lead.phone, lead.where, 0.6)


def lead_from_people(evidence: Evidence) -> None:
    """The lead professional marked in a people table's role column ("Youth Worker - Lead
    Professional"): only when no label names one and exactly one row is so marked."""
    if evidence.lead_professional.best("name") is not None:
        return
    vocabulary = evidence.vocabulary
    marked: list[tuple[dict[str, tuple[str, str]], str | None]] = []
    for row in evidence.people:
        if "name" not in row or "role" not in row:
            continue
        role_parts = _ROLE_PARTS.split(row["role"][0])
        sections = [vocabulary.find_section(normalise_label(part))[0] for part in role_parts]
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
    record, where = evidence.lead_professional, row["name"][1]
    record.slot("name").add(name, where, 0.7)
    record.slot("role").add(role, row["role"][1], 0.65)
    agency = row.get("agency")
    if agency is not None and not vocabulary.is_placeholder(agency[0]):
        record.slot("agency").add(clean_text(agency[0]), agency[1], 0.65)


def complete_from_people(evidence: Evidence) -> None:
    """Fill the lead professional's missing role, agency and contact from their own row of a people
    table (attendees, professionals involved): only when exactly one row carries their name."""
    record = evidence.lead_professional
    named = record.best("name")
    if named is None:
        return
    key = comparable(named.value)
    rows = [
        row
        for row in evidence.people
        if "name" in row and comparable(clean_name(row["name"][0]) or "") == key
    ]
    if len(rows) != 1:
        return
    row = rows[0]
    for name in ("role", "agency"):
        if name in row and record.best(name) is None and not evidence.vocabulary.is_placeholder(row[name][0]):
            record.slot(name).add(clean_text(row[name][0]), row[name][1], 0.6)
    contact = " ".join(row[name][0] for name in ("email", "phone", "contact") if name in row)
    where = next((row[name][1] for name in ("contact", "email", "phone") if name in row), named.where)
    if record.best("email") is None:
        record.slot("email").add(find_email(contact), where, 0.6)
    if record.best("phone") is None:
        record.slot("phone").add(find_phone(contact), where, 0.6)


def resolve_lead_professional(evidence: Evidence, outcome: Outcome) -> LeadProfessional | None:
    lead_from_people(evidence)
    complete_from_people(evidence)
    record = evidence.lead_professional
    name = outcome.take(record, "name", "lead_professional.name")
    if name is None:
        first, last = record.best("first_name"), record.best("surname")
        if first is not None and last is not None:
            record["name"] = Slot([Reading(f"{first.value} {last.value}", first.where, 0.85)])
            name = outcome.take(record, "name", "lead_professional.name")
    values = {field: outcome.take(record, field, f"lead_professional.{field}") for field in LP_FIELDS}
    lead = LeadProfessional(name=name, **values)
    return lead if any(lead.to_json().values()) else None
