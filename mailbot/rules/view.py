"""Read-only snapshots of the register that ``decide`` needs, prepared by the shell beforehand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mailbot.domain.facts import Child, DocumentFacts, LeadProfessional
from mailbot.rules.limits import ReplyCounts


@dataclass(frozen=True)
class CaseView:
    urn: str
    children: tuple[Child, ...] = ()
    lead_professional: LeadProfessional | None = None
    status: str = "open"
    district: str | None = None


@dataclass(frozen=True)
class RequestView:
    """An open request this message threads to, with everything received for it so far."""

    id: int
    reference: str
    type: str
    state: str
    mailbox: str
    sender: str
    urn: str | None
    chase_count: int
    documents: tuple[DocumentFacts, ...] = ()
    bodies: tuple[DocumentFacts, ...] = ()


@dataclass(frozen=True)
class ChildCandidate:
    """A child already on the register who may be the same child (same LCS id, or same DOB)."""

    urn: str
    child: Child


@dataclass(frozen=True)
class AllocationTarget:
    """A request waiting for allocation, found by URN for an allocation reply."""

    request_id: int
    reference: str
    urn: str
    state: str


@dataclass(frozen=True)
class HandoffView:
    """One of mailbot's own emails from the other mailbox that carries work for this one.

    Today: WPEHS's "new lead professional" update to CAF@ after an allocation. The facts come from
    the register (the allocated request's case and its recorded LP), not from re-reading our own email,
    so a council that rewords the template cannot break the hand-off.
    """

    template: str
    urn: str | None
    lead_professional: LeadProfessional | None


@dataclass(frozen=True)
class RegisterView:
    """What the register knows that bears on one incoming message."""

    open_request: RequestView | None = None
    cases: dict[str, CaseView] = field(default_factory=dict)
    child_candidates: tuple[ChildCandidate, ...] = ()
    reply_counts: ReplyCounts = field(default_factory=ReplyCounts)
    threads_to_digest: bool = False
    allocation_targets: dict[str, AllocationTarget] = field(default_factory=dict)
    today: date | None = None
    #: URNs the issued format can still give; None when not counted (decide then assumes plenty).
    urns_remaining: int | None = None
    handoff: HandoffView | None = None
    #: addresses that signed in to the console lately with a role that may allocate (filled only for
    #: a reply to the digest, and only when ``workflow.console_allocator_days`` is set).
    console_allocators: frozenset[str] = frozenset()
