"""Correct a fact the reader got wrong, or add one it could not find, on a request's stored facts.

The value replaces the field in every stored source of the request that states it (each document's
facts and each email body's), so the merged picture and ``decide`` see the person's value and no
conflict; when no source states it, it is added as a fact of its own ("entered on the console").
Provenance says who entered it and why, confidence is 1. The old values go to the audit event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from mailbot.domain.facts import Child, DocumentFacts
from mailbot.register.models import Document, Event, Request
from mailbot.rules.names import same_child
from mailbot.workflow.person import WorkflowError, request_facts

#: Fields a person may correct or add, with the words the console shows for them.
CORRECTABLE = {
    "urn": "URN",
    "child.name": "Child's name",
    "child.date_of_birth": "Child's date of birth",
    "child.lcs_id": "Child's LCS ID",
    "child.postcode": "Child's postcode",
    "consent.given": "Consent given (yes or no)",
    "work_requested": "Work requested",
    "meeting_date": "Meeting date",
    "lead_professional.name": "New lead professional's name",
    "lead_professional.agency": "New lead professional's agency",
    "lead_professional.email": "New lead professional's email",
    "lead_professional.phone": "New lead professional's phone",
}


def _value(field: str, text: str) -> Any:
    """The typed value of ``text`` for ``field`` (dates as ISO strings, as facts are stored)."""
    text = text.strip()
    if field in ("child.date_of_birth", "meeting_date"):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            day, _, rest = text.partition("/")
            month, _, year = rest.partition("/")
            try:
                return date(int(year), int(month), int(day)).isoformat()
            except ValueError as error:
                raise WorkflowError(f"{CORRECTABLE[field]}: write the date as DD/MM/YYYY") from error
    if field == "consent.given":
        if text.lower() not in ("yes", "no"):
            raise WorkflowError("consent: answer yes or no")
        return text.lower() == "yes"
    if not text:
        raise WorkflowError(f"{CORRECTABLE[field]}: give a value")
    return text


def _set(facts: dict[str, Any], field: str, value: Any, target: Child | None) -> Any:
    """Set ``field`` in one source's facts if that source states it; returns the old value or None."""
    group, _, leaf = field.partition(".")
    if field in ("urn", "work_requested", "meeting_date"):
        old = facts.get(field)
        if old is not None:
            facts[field] = value
        return old
    if group == "consent":
        old = (facts.get("consent") or {}).get("given")
        if old is not None:
            facts["consent"] = {**facts["consent"], "given": value}
        return old
    if group == "lead_professional":
        lp = facts.get("lead_professional")
        if lp and lp.get("name"):
            old = lp.get(leaf)
            facts["lead_professional"] = {**lp, leaf: value}
            return old or ""
        return None
    for child in facts.get("children", []):
        stored = DocumentFacts.from_json({"children": [child]}).children[0]
        if target is not None and same_child(stored, target):
            old = child.get(leaf)
            child[leaf] = value
            return old or ""
    return None


def _added(field: str, value: Any, target: Child | None, who: str) -> dict[str, Any]:
    facts = DocumentFacts(file=f"entered on the console by {who}", kind="email").to_json()
    group, _, leaf = field.partition(".")
    if group == "child":
        child = (target or Child(None, None, None, None)).to_json()
        facts["children"] = [{**child, leaf: value}]
    elif group == "lead_professional":
        facts["lead_professional"] = {
            "name": None,
            "role": None,
            "agency": None,
            "email": None,
            "phone": None,
        }
        facts["lead_professional"][leaf] = value
    elif group == "consent":
        facts["consent"] = {"given": value, "date": None, "signed_by": None}
    else:
        facts[field] = value
    return facts


def correct_fact(
    session: Session,
    request: Request,
    field: str,
    text: str,
    reason: str,
    now: datetime,
    child_index: int = 0,
    who: str = "a member of staff",
) -> None:
    """Set ``field`` (a key of CORRECTABLE) to ``text`` on every stored source of ``request``."""
    if field not in CORRECTABLE:
        raise WorkflowError(f"{field} cannot be corrected here")
    value = _value(field, text)
    children = request_facts(session, request).children
    target = children[child_index] if field.startswith("child.") and child_index < len(children) else None
    provenance = f"corrected on the console: {reason}" if reason else "corrected on the console"
    old_values: list[Any] = []
    documents = session.execute(select(Document).where(Document.request_id == request.id)).scalars()
    for document in documents:
        facts = dict(document.facts)
        old = _set(facts, field, value, target)
        if old is not None:
            facts["provenance"] = {**facts.get("provenance", {}), field: provenance}
            facts["confidence"] = {**facts.get("confidence", {}), field: 1.0}
            document.facts = facts
            flag_modified(document, "facts")
            old_values.append(old)
    bodies = [dict(b) for b in request.facts.get("bodies", [])]
    for body in bodies:
        old = _set(body, field, value, target)
        if old is not None:
            body["provenance"] = {**body.get("provenance", {}), field: provenance}
            old_values.append(old)
    if not old_values:
        added = _added(field, value, target, who)
        added["provenance"] = {field: provenance}
        added["confidence"] = {field: 1.0}
        bodies.append(added)
    request.facts = {**request.facts, "bodies": bodies}
    request.updated_at = now
    session.add(
        Event(
            at=now,
            kind="fact_corrected",
            request_id=request.id,
            case_id=request.case_id,
            detail={"field": field, "value": value, "was": old_values, "reason": reason},
        )
    )
    session.flush()
