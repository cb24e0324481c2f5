"""Hand-built values for the decision-core tests: facts, register views and rules (no I/O)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from mailbot.config import DEFAULT_REQUIREMENTS
from mailbot.domain.facts import Child, Consent, DocumentFacts, LeadProfessional
from mailbot.domain.urn import UrnScheme
from mailbot.rules.decide import Inbound, Rules
from mailbot.rules.view import CaseView, RegisterView

SCHEME = UrnScheme()
URN = "LAN-004217-K"  # SCHEME.format(4217)
OTHER_URN = "LAN-000217-A"  # SCHEME.format(217)
SENDER = "jane.doe@lancashire.gov.uk"
CAF = "CAF@lancashire.gov.uk"
WPEHS = "preventionearlyhelp@lancashire.gov.uk"
DOB = date(2016, 5, 4)
NEXT_ALLOCATIONS = date(2025, 3, 17)  # a Monday

CHILD = Child(name="Jayden Smith", date_of_birth=DOB, postcode="PR1 2AB")
CONSENTED = Consent(given=True, date=date(2025, 3, 1), signed_by="Kelly Smith")
LP = LeadProfessional(
    name="Sam Patel",
    role="Family Support Worker",
    agency="Preston Primary",
    email="sam.patel@lancashire.gov.uk",
)


def rules(**overrides: Any) -> Rules:
    values: dict[str, Any] = {
        "trusted_domains": ("lancashire.gov.uk", "nhs.net"),
        "requirements": copy.deepcopy(DEFAULT_REQUIREMENTS),
        "caf_address": CAF,
        "wpehs_address": WPEHS,
        "next_allocation_meeting": NEXT_ALLOCATIONS,
        "urn_scheme": SCHEME,
    }
    values.update(overrides)
    return Rules(**values)


def body(**fields: Any) -> DocumentFacts:
    """Facts read from an email body."""
    return DocumentFacts(file="(email body)", kind="email", **fields)


def doc(file: str, kind: Any, **fields: Any) -> DocumentFacts:
    """Facts read from one attachment."""
    return DocumentFacts(file=file, kind=kind, **fields)


def inbound(
    text: str,
    email: DocumentFacts | None = None,
    documents: tuple[DocumentFacts, ...] = (),
    *,
    mailbox_role: str = "caf",
    sender: str | None = SENDER,
    automatic: Any = None,
    sender_problem: str | None = None,
) -> Inbound:
    return Inbound(
        mailbox_role=mailbox_role,
        sender=sender,
        text=text,
        body=email if email is not None else body(),
        documents=documents,
        automatic=automatic,
        sender_problem=sender_problem,
    )


def view_with_case(urn: str = URN, **overrides: Any) -> RegisterView:
    values: dict[str, Any] = {"cases": {urn: CaseView(urn=urn, children=(CHILD,))}}
    values.update(overrides)
    return RegisterView(**values)


def assessment(**fields: Any) -> DocumentFacts:
    return doc("Early Help Assessment.docx", "assessment", **fields)


def plan(**fields: Any) -> DocumentFacts:
    return doc("Step down plan.docx", "plan", **fields)
