"""``decide``: from one message's facts and a register snapshot to the actions to take (pure).

No I/O, no clock, no database session: everything arrives as values, so every decision can be tested
without servers and explained from its inputs (the ``explanation`` goes to the audit log).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from mailbot.domain.facts import Child, DocumentFacts
from mailbot.domain.urn import UrnScheme
from mailbot.mail.message import AutomaticMail
from mailbot.rules.actions import (
    Action,
    AttachCase,
    Decision,
    Ignore,
    IssueUrn,
    QueueForAllocation,
    RecordLeadProfessional,
    ReuseUrn,
    Review,
    Send,
)
from mailbot.rules.authentication import SenderAuthentication
from mailbot.rules.classify import classify
from mailbot.rules.digest import redact_names
from mailbot.rules.guards import decide_automatic, hold_emails, untrusted_reason
from mailbot.rules.limits import ReplyLimits
from mailbot.rules.merge import RequestFacts, merge_history
from mailbot.rules.names import names_match, normalise_name
from mailbot.rules.requirements import MISSING_FACTS, Missing, missing_items
from mailbot.rules.trust import is_trusted_address
from mailbot.rules.view import RegisterView

#: Request states after which a reply no longer reopens the request.
#: "erased": closed by ``mailbot erase`` (the person's data was removed on request).
FINISHED_STATES = frozenset({"done", "closed_level_one", "allocated", "ignored", "erased"})


@dataclass(frozen=True)
class Inbound:
    """One incoming message as the core sees it.

    ``text`` is the subject plus the part of the body the sender wrote (quoted history removed);
    ``body`` the facts read from that text; ``documents`` the facts of every attachment.
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
    #: trusted-domain mail with no verdict from a trusted server is untrusted (config
    #: ``authentication.require_results``); a failed verdict is untrusted whatever this says.
    require_authentication: bool = False

    def is_trusted(self, address: str) -> bool:
        return is_trusted_address(address, self.trusted_domains)


#: Missing-item codes the chase-up template words itself; others are passed as their description.
TEMPLATE_MISSING_CODES = frozenset(MISSING_FACTS)


def missing_context(missing: Sequence[Missing], facts: RequestFacts) -> dict[str, Any]:
    """The chase-up's ``missing`` and ``file_problems``: exactly what is missing, per fact and per file."""
    return {
        "missing": [m.code if m.code in TEMPLATE_MISSING_CODES else m.description for m in missing],
        "file_problems": [
            {"filename": fp.file, "code": fp.problem.code, "detail": fp.problem.detail}
            for fp in facts.file_problems
        ],
    }


def _summary(text: str | None, limit: int = 120) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def facts_context(facts: RequestFacts) -> dict[str, Any]:
    lp = facts.lead_professional
    # The summary goes to whole teams (meeting alert, digest), which get initials only: the social
    # worker's own words often name the child, so the children's names are cut to initials.
    work = redact_names(facts.work_requested, [c.name for c in facts.children])
    return {
        "lead_professional": lp.to_json() if lp else None,
        "work_requested_summary": _summary(work),
        "meeting_date": facts.meeting_date,
    }


@dataclass(frozen=True)
class ChildMatch:
    """What the register knows of a request's children: URNs found, children not found, and how."""

    urns: frozenset[str]
    unmatched: tuple[Child, ...]
    ambiguous: bool
    by_lcs_id: bool


def _match_children(children: Sequence[Child], view: RegisterView) -> ChildMatch:
    """Find existing URNs for ``children``.

    A match is the same LCS id, or the same date of birth with a closely matching name. A candidate
    with the same date of birth whose name is only somewhat alike is ambiguous: a person decides.
    """
    matched: set[str] = set()
    unmatched: list[Child] = []
    ambiguous = False
    by_lcs_id = False
    for child in children:
        urns: set[str] = set()
        for candidate in view.child_candidates:
            other = candidate.child
            if child.lcs_id and other.lcs_id:
                if child.lcs_id.strip().upper() == other.lcs_id.strip().upper():
                    urns.add(candidate.urn)
                    by_lcs_id = True
                continue
            if not (child.date_of_birth and child.date_of_birth == other.date_of_birth):
                continue
            if child.name and other.name:
                if names_match(child.name, other.name):
                    urns.add(candidate.urn)
                elif names_match(child.name, other.name, threshold=0.6) or (
                    normalise_name(child.name).split()[-1:] == normalise_name(other.name).split()[-1:]
                ):
                    ambiguous = True
        if len(urns) > 1:
            ambiguous = True
        matched |= urns
        if not urns:
            unmatched.append(child)
    return ChildMatch(frozenset(matched), tuple(unmatched), ambiguous, by_lcs_id)


def _known_urn(facts: RequestFacts, view: RegisterView) -> tuple[str | None, Decision | None]:
    """The one valid, known URN of a request, or the decision that deals with its absence."""
    if (
        facts.urns_in_email
        and facts.urns_in_documents
        and set(facts.urns_in_email) != set(facts.urns_in_documents)
    ):
        return None, Decision(
            None,
            "review",
            (Review("conflicting_facts", "the URN in the email differs from the URN in the documents"),),
            message_state="review",
            explanation=("conflicting URNs between email and documents",),
        )
    urns = facts.urns
    if len(urns) > 1:
        return None, Decision(
            None,
            "review",
            (Review("conflicting_facts", "more than one URN given"),),
            message_state="review",
            explanation=("several URNs",),
        )
    if urns:
        return urns[0], None
    return None, None


def decide(inbound: Inbound, view: RegisterView, rules: Rules) -> Decision:
    """Decide what to do with ``inbound`` given what the register knows (``view``) and ``rules``."""
    if inbound.automatic is not None:
        return decide_automatic(inbound.automatic)
    if not inbound.sender and inbound.address_trick:
        trick = "the sender's address is not a plain mailbox (routing or quoting tricks)"
        return Decision(None, "review", (Review("untrusted_sender", trick),), message_state="review")
    if not inbound.sender:
        review = (
            Review("unusable_sender", f"mail cannot be sent to the From address: {inbound.address_problem}")
            if inbound.address_problem
            else Review("no_sender", "the message has no usable From address")
        )
        return Decision(None, "review", (review,), message_state="review")
    sender = inbound.sender
    request = view.open_request
    if request is not None and request.state in FINISHED_STATES:
        if not inbound.documents:
            return Decision(
                request.type,
                request.state,
                (Ignore("courtesy reply to a finished request"),),
                explanation=("reply without attachments to a finished request",),
            )
        return Decision(
            request.type,
            request.state,
            (Review("reply_to_finished_request", "documents sent to a request that is already finished"),),
            message_state="review",
        )

    history = [*(request.documents if request else ()), *(request.bodies if request else ())]
    facts = merge_history([*history, *inbound.documents, inbound.body])
    request_type = request.type if request else classify(inbound.mailbox_role, inbound.text, facts)

    untrusted = untrusted_reason(
        sender,
        sender_problem=inbound.sender_problem,
        authentication=inbound.authentication,
        trusted_domains=rules.trusted_domains,
        require_authentication=rules.require_authentication,
    )
    if untrusted is not None:
        reason, detail, acknowledge = untrusted
        actions: list[Action] = [Review(reason, detail)]
        if acknowledge and rules.untrusted_policy == "acknowledge":
            actions.append(Send("untrusted_acknowledgement", (sender,), personal=False, key="untrusted"))
        return _limit_replies(
            Decision(
                request_type, "review", tuple(actions), message_state="review", explanation=("untrusted",)
            ),
            inbound,
            view,
            rules,
        )

    if request_type == "urn_request":
        decision = _urn_request(sender, facts, view, rules, request is not None)
    else:
        decision = _case_request(request_type, sender, inbound, facts, view, rules)
    if facts.meeting_date is not None and decision.meeting_date is None:
        decision = replace(decision, meeting_date=facts.meeting_date)
    return _limit_replies(decision, inbound, view, rules)


def _limit_replies(decision: Decision, inbound: Inbound, view: RegisterView, rules: Rules) -> Decision:
    return hold_emails(
        decision,
        view.reply_counts,
        rules.limits,
        sender=inbound.sender,
        request_id=view.open_request.id if view.open_request is not None else None,
        pattern=inbound.pattern,
    )


def _chase(
    request_type: str,
    sender: str,
    missing: list[Missing],
    facts: RequestFacts,
    first: tuple[Action, ...] = (),
) -> Decision:
    context = {"request_type": request_type, **missing_context(missing, facts), "attempt": 0}
    return Decision(
        request_type,
        "incomplete",
        (*first, Send("chase_up", (sender,), context, key="chase-0")),
        missing=tuple(m.description for m in missing),
        explanation=tuple(f"missing {m.code}" for m in missing),
    )


def _urn_request(
    sender: str, facts: RequestFacts, view: RegisterView, rules: Rules, is_reply: bool
) -> Decision:
    if facts.level_of_need == 1:
        return Decision(
            "urn_request",
            "closed_level_one",
            (Send("level_one_no_urn", (sender,), {}, key="level-one"),),
            explanation=("level 1 on the Continuum of Need: no URN for universal provision",),
        )
    missing = missing_items("urn_request", facts, rules.requirements)
    if facts.consent.given is False:
        return Decision(
            "urn_request",
            "review",
            (Review("consent_refused", "the documents record that consent was not given"),),
            message_state="review",
        )
    if missing:
        return _chase("urn_request", sender, missing, facts)
    match = _match_children(facts.children, view)
    if match.ambiguous or len(match.urns) > 1:
        return Decision(
            "urn_request",
            "review",
            (Review("ambiguous_child_match", "a child may already have a URN; a person must check"),),
            message_state="review",
            explanation=("ambiguous match against existing children",),
        )
    postcode = next((c.postcode for c in facts.children if c.postcode), None)
    if match.urns:
        urn = next(iter(match.urns))
        return Decision(
            "urn_request",
            "done",
            (
                ReuseUrn(urn, match.unmatched),
                Send(
                    "urn_existing",
                    (sender,),
                    {
                        **facts_context(facts),
                        "matched_on": "LCS ID" if match.by_lcs_id else "name and date of birth",
                    },
                    key="urn",
                ),
            ),
            explanation=("child already has a URN",),
        )
    return Decision(
        "urn_request",
        "done",
        (IssueUrn(facts.children, postcode), Send("urn_issued", (sender,), facts_context(facts), key="urn")),
        explanation=("new URN issued",),
    )


def _case_request(
    request_type: str, sender: str, inbound: Inbound, facts: RequestFacts, view: RegisterView, rules: Rules
) -> Decision:
    """Routes that need a known URN: new LP, filing, step down to WPEHS, meeting representation."""
    urn, problem = _known_urn(facts, view)
    if problem is not None:
        return Decision(
            request_type,
            problem.state,
            problem.actions,
            message_state="review",
            explanation=problem.explanation,
        )
    if urn is None and facts.invalid_urns:
        written = facts.invalid_urns[0]
        found = rules.urn_scheme.find(written)
        reason = "check_failed" if found and found[0].normalised.count("-") == 2 else "no_check_character"
        return Decision(
            request_type,
            "awaiting_urn",
            (
                Send(
                    "unknown_urn",
                    (sender,),
                    {"urn_as_written": written, "reason": reason},
                    key="urn-check",
                ),
            ),
            missing=("a valid URN",),
            explanation=("URN fails its check character",),
        )
    if urn is not None and urn not in view.cases:
        return Decision(
            request_type,
            "awaiting_urn",
            (
                Send(
                    "unknown_urn",
                    (sender,),
                    {"urn_as_written": urn, "reason": "not_on_register"},
                    key="urn-unknown",
                ),
            ),
            missing=("a URN that is on the register",),
            explanation=("URN not on the register",),
        )
    missing = missing_items(request_type, facts, rules.requirements)
    if missing:
        # A known URN links the request to its case now, so the chase, the digest and the register
        # all name it while the rest is awaited.
        return _chase(request_type, sender, missing, facts, (AttachCase(urn),) if urn else ())
    lead_professional = facts.lead_professional
    if urn is None or (request_type == "new_lead_professional" and lead_professional is None):
        # Only reachable when the council's requirements (config) leave out "urn" or the new lead
        # professional's details: the route cannot be carried out without them, so a person decides.
        return Decision(
            request_type,
            "review",
            (
                Review(
                    "requirements_incomplete",
                    "the configured requirements let through a request "
                    "without the URN or lead professional this route needs",
                ),
            ),
            message_state="review",
            explanation=("complete by the configured requirements, but the route needs more",),
        )
    context = {"request_type": request_type, **facts_context(facts)}
    actions: list[Action] = [AttachCase(urn)]
    if request_type == "new_lead_professional" and lead_professional is not None:
        actions += [
            RecordLeadProfessional(urn, lead_professional),
            Send("lp_recorded", (sender,), context, key="lp-recorded"),
        ]
        return Decision(request_type, "done", tuple(actions), explanation=("new lead professional recorded",))
    if request_type == "taf_minutes":
        actions.append(Send("filed", (sender,), context, key="filed"))
        return Decision(request_type, "done", tuple(actions), explanation=("filed against the case",))
    actions += [QueueForAllocation(), Send("acknowledgement", (sender,), context, key="ack")]
    explanation = ["queued for the weekly allocations meeting"]
    if (
        request_type == "meeting_representation"
        and facts.meeting_date is not None
        and rules.next_allocation_meeting is not None
        and facts.meeting_date <= rules.next_allocation_meeting
    ):
        actions.append(Send("meeting_alert", (rules.wpehs_address,), context, key="meeting-alert"))
        explanation.append("meeting falls before the next allocations meeting: WPEHS alerted")
    return Decision(request_type, "awaiting_allocation", tuple(actions), explanation=tuple(explanation))
