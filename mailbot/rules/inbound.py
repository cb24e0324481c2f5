"""What every route of ``decide`` reads: the incoming message, the rules from config, and the
template contexts built from a request's facts (pure values, no I/O).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mailbot.domain.facts import Child, DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.mail.message import AutomaticMail
from mailbot.rules.authentication import SenderAuthentication
from mailbot.rules.digest import initials, redact_names
from mailbot.rules.limits import ReplyLimits
from mailbot.rules.merge import RequestFacts
from mailbot.rules.requirements import MISSING_FACTS, Missing
from mailbot.rules.trust import is_trusted_address


@dataclass(frozen=True)
class Inbound:
    """One incoming message as the core sees it.

    ``text`` is the subject plus the part of the body the sender wrote (quoted history removed);
    ``body`` the facts read from that text; ``documents`` the facts of every attachment;
    ``body_text`` the whole body as sent (allocation replies are read from it line by line).
    ``sender_problem`` says why the From header is not one plain mailbox (then the sender is never
    trusted); ``authentication`` is the verdict of the council's own servers on the From address
    (None when the shell checks none); ``pattern`` the message's fingerprint for the reply limits.
    ``sender`` is None when there is no From address or mail cannot be sent to it; then
    ``address_problem`` says why (``mailbot.mail.addresses``), and ``address_trick`` is True when
    the unusable address hides another one in its local part (then it is an untrusted sender).
    """

    mailbox_role: str
    sender: str | None
    text: str
    body: DocumentFacts
    documents: tuple[DocumentFacts, ...] = ()
    automatic: AutomaticMail | None = None
    body_text: str = ""
    sender_problem: str | None = None
    authentication: SenderAuthentication | None = None
    pattern: str | None = None
    address_problem: str | None = None
    address_trick: bool = False


@dataclass(frozen=True)
class Rules:
    """The parts of config that decisions depend on, plus clock-derived values the shell computes."""

    trusted_domains: tuple[str, ...]
    requirements: Mapping[str, Mapping[str, Sequence[str]]]
    caf_address: str
    wpehs_address: str
    untrusted_policy: str = "acknowledge"
    limits: ReplyLimits = field(default_factory=ReplyLimits)
    next_allocation_meeting: date | None = None
    urn_scheme: UrnScheme = field(default_factory=UrnScheme)
    #: days the new lead professional has to send CAF@ the first TAF minutes (practice guidance: 4 weeks).
    taf_minutes_within_days: int = 28
    #: who takes over when no lead professional can be found (the CAF link workers); "" means CAF@.
    no_lead_professional_team: str = ""
    #: district name → the district team's email address (meeting alerts go there).
    district_teams: Mapping[str, str] = field(default_factory=dict)
    #: postcode → district name (``[districts]`` in config), for cases the register has no district for.
    districts: Mapping[str, str] = field(default_factory=dict)
    #: trusted-domain mail with no verdict from a trusted server is untrusted (config
    #: ``authentication.require_results``); a failed verdict is untrusted whatever this says.
    require_authentication: bool = False
    #: who may allocate by replying to the digest (``workflow.allocators``, lower-case).
    allocators: frozenset[str] = frozenset()
    #: people who signed in to the console within this many days with an allocating role may allocate
    #: by email too (``workflow.console_allocator_days``; 0: only ``allocators``).
    console_allocator_days: int = 0

    def is_trusted(self, address: str) -> bool:
        return is_trusted_address(address, self.trusted_domains)

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset({self.caf_address.lower(), self.wpehs_address.lower()})


#: Missing-item codes the chase-up template words itself; others are passed as their description.
TEMPLATE_MISSING_CODES = frozenset(MISSING_FACTS)


def missing_context(missing: Sequence[Missing], facts: RequestFacts) -> dict[str, Any]:
    """The chase-up's ``missing`` and ``file_problems``: exactly what is missing, per fact and per file."""
    return {
        "missing": [m.code if m.code in TEMPLATE_MISSING_CODES else m.description for m in missing],
        "file_problems": [
            {"filename": fp.file, "code": fp.problem.code, "detail": fp.problem.detail}
            for fp in facts.file_problems
            if fp.problem.code != "uncertain"  # a person settles those; the sender is not asked
        ],
    }


def summary(text: str | None, limit: int = 120) -> str | None:
    """``text`` on one line, cut at a word within ``limit`` characters."""
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def children_initials(children: Sequence[Child]) -> str | None:
    """ "A.O. and T.O." for the named children; None when none is named."""
    shown = [initials(c.name) for c in children if c.name]
    return " and ".join(dict.fromkeys(i for i in shown if i)) or None


def initials_context(facts: RequestFacts) -> dict[str, Any]:
    """``child_initials`` from the request's own children, when it names any.

    Without it a reply sent before a case exists (Level 1, a chase-up of a URN request) would fall
    back to the register's case, which there is none of, and read "initials None". When the request
    names no child the key is left out, so the case's children (standard context) are used.
    """
    shown = children_initials(facts.children)
    return {"child_initials": shown} if shown else {}


def facts_context(facts: RequestFacts) -> dict[str, Any]:
    """The template keys every reply about a request takes from its facts."""
    lp = facts.lead_professional
    # The summary goes to whole teams (meeting alert, digest), which get initials only: the social
    # worker's own words often name the child, so the children's names are cut to initials.
    work = redact_names(facts.work_requested, [c.name for c in facts.children])
    return {
        "lead_professional": lp.to_json() if lp else None,
        "work_requested_summary": summary(work),
        "meeting_date": facts.meeting_date,
    }
