"""From the evidence of one document to its facts: the best reading of every field, or none (pure).

Each concern resolves its own record (children, lead professional, consent, the document); this module
puts them together and turns every field left empty because equally good readings disagreed into one
``uncertain`` problem naming the field and its candidates, so the request goes to a person with the
choices shown instead of a chase-up asking the social worker for what they already sent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mailbot.domain.facts import Problem
from mailbot.extract.children import resolve_children
from mailbot.extract.consent import resolve_consent
from mailbot.extract.document import resolve_document
from mailbot.extract.evidence import Evidence, Outcome
from mailbot.extract.lead import resolve_lead_professional


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
