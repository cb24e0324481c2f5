"""Which documents and facts each request type needs, and how to say what is missing (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailbot.rules.merge import RequestFacts

#: Lancashire's routes and what each needs before it is complete (the shipped default; a council
#: changes these in config ``[workflow.requirements.TYPE]``).
LANCASHIRE_REQUIREMENTS: dict[str, dict[str, list[str]]] = {
    "urn_request": {"documents": ["assessment_or_plan"], "facts": ["child_identity", "consent"]},
    "new_lead_professional": {
        "documents": ["assessment", "plan"],
        "facts": ["urn", "lead_professional_name", "lead_professional_agency", "lead_professional_contact"],
    },
    "taf_minutes": {"documents": ["taf_document"], "facts": ["urn"]},
    "step_down_wpehs": {"documents": ["assessment", "plan"], "facts": ["urn", "work_requested"]},
    "meeting_representation": {
        "documents": ["assessment", "plan"],
        "facts": ["urn", "work_requested", "meeting_date"],
    },
    "no_lead_professional": {"documents": [], "facts": ["urn"]},
}
KNOWN_DOCUMENT_REQUIREMENTS = frozenset(
    {"assessment", "plan", "assessment_or_plan", "taf_document", "consent_form"}
)
KNOWN_FACT_REQUIREMENTS = frozenset(
    {
        "urn",
        "child_identity",
        "consent",
        "work_requested",
        "meeting_date",
        "lead_professional_name",
        "lead_professional_agency",
        "lead_professional_contact",
    }
)

#: Missing-fact codes ``_phrases.j2`` words for the sender (anything else is shown as written).
MISSING_FACTS = (
    "child_name",
    "child_date_of_birth",
    "child_identity",
    "urn",
    "assessment",
    "plan",
    "assessment_or_plan",
    "consent",
    "work_requested",
    "lead_professional_name",
    "lead_professional_agency",
    "lead_professional_contact",
    "meeting_date",
    "taf_document",
    "consent_form",
)

#: Words a social worker understands, one per requirement; the chase-up lists these.
DESCRIPTIONS = {
    "assessment": "the assessment",
    "plan": "the plan",
    "assessment_or_plan": "the assessment and/or the plan",
    "taf_document": "the document to file (TAF minutes or the re-versioned assessment)",
    "consent_form": "the signed consent form",
    "urn": "the child's URN",
    "child_identity": "each child's full name and date of birth (or LCS ID)",
    "child_name": "each child's full name",
    "child_date_of_birth": "each child's date of birth",
    "consent": "confirmation that the family consents to Early Help and to sharing the assessment and plan",
    "work_requested": "what work is being requested as part of the step down",
    "meeting_date": "the date of the multi-agency meeting",
    "lead_professional_name": "the new lead professional's name",
    "lead_professional_agency": "the new lead professional's agency",
    "lead_professional_contact": "the new lead professional's email address or phone number",
}


@dataclass(frozen=True)
class Missing:
    code: str

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.code]


def _documents_missing(wanted: Sequence[str], facts: RequestFacts) -> list[str]:
    kinds = list(facts.document_kinds)
    # A readable document we could not classify may still be the assessment or plan the sender
    # means; let it fill one gap rather than chase for something that is attached.
    spare_other = sum(1 for k in kinds if k == "other")
    missing: list[str] = []
    for item in wanted:
        if item == "assessment_or_plan":
            ok = any(k in ("assessment", "plan", "other") for k in kinds)
        elif item == "taf_document":
            ok = facts.readable_documents > 0
        elif item == "consent_form":
            ok = "consent" in kinds
        else:
            ok = item in kinds
            if not ok and spare_other:
                spare_other -= 1
                ok = True
        if not ok:
            missing.append(item)
    return missing


def _fact_present(item: str, facts: RequestFacts) -> bool:
    lp = facts.lead_professional
    if item == "urn":
        return bool(facts.urns)
    if item == "child_identity":
        return bool(facts.children) and all(c.lcs_id or (c.name and c.date_of_birth) for c in facts.children)
    if item == "consent":
        return facts.consent.given is True
    if item == "work_requested":
        return bool(facts.work_requested)
    if item == "meeting_date":
        return facts.meeting_date is not None
    if item == "lead_professional_name":
        return bool(lp and lp.name)
    if item == "lead_professional_agency":
        return bool(lp and lp.agency)
    if item == "lead_professional_contact":
        return bool(lp and lp.has_contact)
    raise ValueError(f"unknown requirement {item}")


def missing_items(
    request_type: str, facts: RequestFacts, requirements: Mapping[str, Mapping[str, Sequence[str]]]
) -> list[Missing]:
    """What ``request_type`` still lacks, documents first, in the order config lists them."""
    rule = requirements.get(request_type, {})
    codes = _documents_missing(rule.get("documents", ()), facts)
    for item in rule.get("facts", ()):
        if item == "child_identity" and facts.children:
            # Say precisely which part is missing when the children are named but not dated (or v.v.).
            unidentified = [c for c in facts.children if not (c.lcs_id or (c.name and c.date_of_birth))]
            if any(not c.name for c in unidentified):
                codes.append("child_name")
            if any(not c.date_of_birth for c in unidentified):
                codes.append("child_date_of_birth")
        elif not _fact_present(item, facts):
            codes.append(item)
    return [Missing(code) for code in codes]


#: Which missing item a fact the reader was uncertain about would have supplied, by its path's start.
_UNCERTAIN_SUPPLIES = (
    ("children[", ".name", ("child_name", "child_identity")),
    ("children[", ".date_of_birth", ("child_date_of_birth", "child_identity")),
    ("children[", ".lcs_id", ("child_identity",)),
    ("consent.", "", ("consent",)),
    ("work_requested", "", ("work_requested",)),
    ("lead_professional.name", "", ("lead_professional_name",)),
    ("lead_professional.agency", "", ("lead_professional_agency",)),
    ("lead_professional.email", "", ("lead_professional_contact",)),
    ("lead_professional.phone", "", ("lead_professional_contact",)),
    ("meeting_date", "", ("meeting_date",)),
    ("urn", "", ("urn",)),
)


def uncertain_explains(missing: Sequence[Missing], facts: RequestFacts) -> list[str]:
    """The ``uncertain`` problems (their details) whose fact would supply a missing item.

    The reader saw the fact but could not choose between candidates: a person picks one from the
    review queue, rather than the social worker being asked again for what they already sent.
    """
    codes = {m.code for m in missing}
    found: list[str] = []
    for file_problem in facts.file_problems:
        problem = file_problem.problem
        if problem.code != "uncertain":
            continue
        path = problem.detail.split(":", 1)[0]
        for start, end, supplies in _UNCERTAIN_SUPPLIES:
            if path.startswith(start) and path.endswith(end) and codes & set(supplies):
                found.append(f"{file_problem.file}: {problem.detail}")
                break
    return found
