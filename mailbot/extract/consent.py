"""Reading the family's consent: answers beside a label, ticked statements, signatures, sentences (pure).

Consent is "given" only on an explicit yes, a ticked "yes"/"I agree" or a signed and dated statement;
"no", "not given", "declined", a ticked "I do not agree" read as not given. A label's answer beats a
ticked option, which beats a sentence.
"""

from __future__ import annotations

import re

from mailbot.domain.facts import Consent
from mailbot.extract.dates import parse_british_date
from mailbot.extract.evidence import Evidence, Outcome
from mailbot.extract.layout import Entry, Option
from mailbot.extract.lead import person_name
from mailbot.extract.values import (
    clean_name,
    collapse,
    consent_in_sentence,
    has_box,
    parse_yes_no,
    statement_consent,
)

_CONSENT_BY = re.compile(
    r"(?:\b(?:given|signed|obtained|agreed|received)\s+(?:by|from)\s+|\(\s*)"
    r"((?:[A-Z][a-zA-Z'’\-]+)(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})"
)
#: "Jo Smith has consented", "Jo Smith has given consent", "Jo Smith agreed to": who consented.
_CONSENTER = re.compile(
    r"\b([A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})(?:\s*\([^)]{1,30}\))?\s+(?:has\s+|have\s+)?"
    r"(?:consented|given\s+(?:her\s+|his\s+|their\s+)?consent|gave\s+(?:her\s+|his\s+|their\s+)?"
    r"(?:written\s+|verbal\s+|informed\s+)?consent|agreed|agrees)\b"
    r"|\b(?:discussed|agreed|obtained|given|signed)\s+(?:with|from|by)\s+"
    r"([A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+){1,3})"
)
#: "Consent recorded on", "consent was given on": the date follows.
_CONSENT_ON = re.compile(
    r"\bconsent\s+(?:to\s+share\s+(?:information\s+)?)?(?:was\s+|has\s+been\s+)?"
    r"(?:recorded|given|obtained|received|signed)\s+on\s+"
    r"|\b(?:gave|given|signed)\s+(?:her\s+|his\s+|their\s+)?(?:written\s+|verbal\s+|informed\s+)?consent\s+on\s+",
    re.IGNORECASE,
)


def read_consent(evidence: Evidence, entry: Entry) -> None:
    value, name, where = entry.value, entry.field, entry.where
    record, vocabulary = evidence.consent, evidence.vocabulary
    if name == "given":
        answer = parse_yes_no(value)
        if answer is None and not has_box(value):
            # The answer is a statement: "I DO / ~~DO NOT~~ give consent ...", "Mum has consented".
            record.slot("given").add(consent_in_sentence(value), where, entry.confidence * 0.8)
        record.slot("given").add(answer, where, entry.confidence)
        record.slot("date").add(parse_british_date(value), where, entry.confidence * 0.8)
    elif name == "statement":
        who = _CONSENT_BY.search(value)
        if who is not None:
            record.slot("signed_by").add(clean_name(who.group(1)), where, entry.confidence * 0.8)
        record.slot("date").add(parse_british_date(value), where, entry.confidence * 0.8)
    elif name == "date":
        record.slot("date").add(parse_british_date(value), where, entry.confidence)
    elif name == "signed_by" and not vocabulary.is_placeholder(value):
        record.slot("signed_by").add(clean_name(value), where, entry.confidence)
    elif name == "signature" and not vocabulary.is_placeholder(value):
        record.slot("signature").add(collapse(value), where, entry.confidence)
        record.slot("signed_by").add(clean_name(value), where, entry.confidence * 0.7)


def read_consent_option(evidence: Evidence, option: Option) -> None:
    """A ticked option in the consent section, or naming consent ("☒ I agree to share ...")."""
    label_field = option.label.field if option.label is not None else None
    in_consent = option.section == "consent" or (
        option.label is not None and option.label.section == "consent"
    )
    if label_field is None and (in_consent or "consent" in option.text.lower()):
        answer = parse_yes_no(option.text)
        if answer is None:
            answer = statement_consent(option.text)
        evidence.consent.slot("option_given").add(answer, option.where, 0.7)


def read_consent_sentence(evidence: Evidence, text: str, where: str) -> None:
    """ "Consent has been obtained", and who consented and when: "Jo Smith has consented to ...
    Consent recorded on 1/2/25". Both or neither: a sentence with no date recorded names no signer."""
    given = consent_in_sentence(text)
    evidence.consent.slot("sentence_given").add(given, where, 0.6)
    if given is None:
        return
    who, when = _CONSENTER.search(text), _CONSENT_ON.search(text)
    if who is None or when is None:
        return  # only a consent recorded with its date stands for a signature
    dated = parse_british_date(text[when.end() : when.end() + 40])
    signer = person_name(who.group(1) or who.group(2))
    if dated is not None and signer is not None:
        evidence.consent.slot("sentence_signed_by").add(signer, where, 0.6)
        evidence.consent.slot("sentence_date").add(dated, where, 0.6)


def resolve_consent(evidence: Evidence, outcome: Outcome) -> Consent:
    record = evidence.consent
    given = outcome.take(record, "given", "consent.given")
    if given is None:
        given = outcome.take(record, "option_given", "consent.given")
    if given is None:
        given = outcome.take(record, "sentence_given", "consent.given")
    signed_by = outcome.take(record, "signed_by", "consent.signed_by")
    consent_date = outcome.take(record, "date", "consent.date")
    if given is not None and signed_by is None and consent_date is None:
        # No signature block: the sentence that records the consent says who gave it and when.
        signed_by = outcome.take(record, "sentence_signed_by", "consent.signed_by")
        consent_date = outcome.take(record, "sentence_date", "consent.date")
    answered = any(
        record.get(name) and record[name].readings for name in ("given", "option_given", "sentence_given")
    )
    if (
        given is None
        and not answered
        and signed_by is not None
        and (consent_date is not None or "signature" in record)
    ):
        # A consent statement signed and dated by the family, and nothing else said about consent: a
        # form whose answers disagree ("Yes" here, "No" there) stays uncertain, whoever signed it.
        given = True
        outcome.note("consent.given", outcome.provenance["consent.signed_by"], 0.6)
    return Consent(given=given, date=consent_date, signed_by=signed_by)
