"""From the evidence of one document to its facts: the best reading of every field, or none (pure).

Each concern resolves its own record (children, lead professional, consent, the document); this module
puts them together and turns every field left empty because equally good readings disagreed into one
``uncertain`` problem naming the field and its candidates, so the request goes to a person with the
choices shown instead of a chase-up asking the social worker for what they already sent.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from mailbot.domain.facts import Child, LeadProfessional, Problem
from mailbot.extract.children import resolve_children
from mailbot.extract.consent import resolve_consent
from mailbot.extract.document import resolve_document
from mailbot.extract.evidence import Evidence, Outcome
from mailbot.extract.lead import LP_FIELDS, resolve_lead_professional

_CHILD_PATH = re.compile(r"children\[(\d+)\]\.(name|date_of_birth|lcs_id|postcode)")


def resolve(evidence: Evidence) -> dict[str, Any]:
    """Keyword arguments of ``DocumentFacts`` (children, lead professional, consent, level, work,
    meeting date, provenance, confidence) plus ``uncertain``: the problems of fields left open."""
    outcome = Outcome()
    children = resolve_children(evidence, outcome)
    lead_professional = resolve_lead_professional(evidence, outcome)
    consent = resolve_consent(evidence, outcome)
    document = resolve_document(evidence, outcome)
    return {
        "children": tuple(children),
        "lead_professional": lead_professional,
        "consent": consent,
        **document,
        "provenance": outcome.provenance,
        "confidence": outcome.confidence,
        "uncertain": uncertain_problems(outcome),
    }


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def uncertain_problems(outcome: Outcome) -> tuple[Problem, ...]:
    """One ``uncertain`` problem per field left empty for disagreeing readings, candidates listed."""
    problems = []
    for path, candidates in outcome.uncertain.items():
        shown = " or ".join(f'"{_shown(value)}" ({where})' for value, where in candidates)
        problems.append(Problem("uncertain", f"{path}: the document reads {shown}; a person must choose."))
    return tuple(problems)


_LEARNED_SURE = 0.99


def overlay_learned(
    resolved: dict[str, Any], uncertain: tuple[Problem, ...], learned: dict[str, tuple[Any, str]]
) -> tuple[dict[str, Any], tuple[Problem, ...]]:
    """The general reading with every fact a learned form gives put in its place (and made sure)."""
    provenance = dict(resolved["provenance"])
    confidence = dict(resolved["confidence"])
    for path, (_value, where) in learned.items():
        provenance[path] = where
        confidence[path] = _LEARNED_SURE
    updated = dict(resolved, provenance=provenance, confidence=confidence)
    for name in ("level_of_need", "work_requested", "meeting_date"):
        if name in learned:
            updated[name] = learned[name][0]
    lead = resolved["lead_professional"] or LeadProfessional()
    lead_values = {
        k: learned[f"lead_professional.{k}"][0]
        for k in ("name", *LP_FIELDS)
        if f"lead_professional.{k}" in learned
    }
    if lead_values:
        updated["lead_professional"] = replace(lead, **lead_values)
    consent_values = {
        k: learned[f"consent.{k}"][0] for k in ("given", "date", "signed_by") if f"consent.{k}" in learned
    }
    if consent_values:
        updated["consent"] = replace(resolved["consent"], **consent_values)
    updated["children"] = _learned_children(resolved["children"], learned)
    settled = {path for path in learned}
    kept = tuple(p for p in uncertain if p.detail.split(":", 1)[0] not in settled)
    return updated, kept


def _learned_children(general: tuple[Child, ...], learned: dict[str, tuple[Any, str]]) -> tuple[Child, ...]:
    """The children of the learned slots, in slot order, each completed from the general reading of the
    same child; children the general reader found besides them follow."""
    slots: dict[int, dict[str, Any]] = {}
    for path, (value, _where) in learned.items():
        match = _CHILD_PATH.fullmatch(path)
        if match is not None:
            slots.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if not slots:
        return general
    children: list[Child] = []
    for _index, values in sorted(slots.items()):
        same = next(
            (c for c in general if c.name and values.get("name") and same_name(c.name, values["name"])), None
        )
        base = same or Child()
        children.append(replace(base, **values))
    names = {c.name.casefold() for c in children if c.name}
    children.extend(c for c in general if c.name and c.name.casefold() not in names)
    return tuple(children)


def same_name(one: str, other: str) -> bool:
    return " ".join(one.casefold().split()) == " ".join(other.casefold().split())
