"""``decide``: from one message's facts and a register snapshot to the actions to take (pure).

No I/O, no clock, no database session: everything arrives as values, so every decision can be tested
without servers and explained from its inputs (the ``explanation`` goes to the audit log).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mailbot.rules.actions import (
    Action,
    AttachCase,
    Decision,
    Ignore,
    IssueUrn,
    QueueForAllocation,
    ReuseUrn,
    Review,
    SatisfyTafExpectation,
    Send,
)
from mailbot.rules.allocation_route import decide_allocation_reply, is_allocation_reply
from mailbot.rules.classify import classify
from mailbot.rules.districts import UNKNOWN_DISTRICT, district_for_postcode
from mailbot.rules.guards import decide_automatic, hold_emails, untrusted_reason
from mailbot.rules.inbound import (
    TEMPLATE_MISSING_CODES,
    Inbound,
    Rules,
    facts_context,
    initials_context,
    missing_context,
)
from mailbot.rules.lead_professional import (
    decide_handoff,
    decide_no_lead_professional,
    record_lead_professional,
)
from mailbot.rules.matching import match_children
from mailbot.rules.merge import RequestFacts, merge_history
from mailbot.rules.requirements import Missing, missing_items, uncertain_explains
from mailbot.rules.view import RegisterView

__all__ = [
    "FINISHED_STATES",
    "TEMPLATE_MISSING_CODES",
    "Inbound",
    "Rules",
    "decide",
    "missing_context",
]

#: Request states after which a reply no longer reopens the request.
#: "erased": closed by ``mailbot erase`` (the person's data was removed on request).
FINISHED_STATES = frozenset(
    {"done", "closed_level_one", "allocated", "ignored", "escalated", "superseded", "erased"}
)


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
    if view.handoff is not None:
        return decide_handoff(view.handoff, view, rules)
    sender = inbound.sender
    if is_allocation_reply(inbound, view):
        untrusted = _untrusted(inbound, sender, None, rules)
        if untrusted is not None:
            return _limit_replies(untrusted, inbound, view, rules)
        return _limit_replies(decide_allocation_reply(inbound, view, rules), inbound, view, rules)
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
    if request is not None and request.urn and not facts.urns and not facts.invalid_urns:
        # A reply in the thread of a request already on a case need not repeat the URN.
        facts = replace(facts, urns_in_email=(request.urn,))
    request_type = request.type if request else classify(inbound.mailbox_role, inbound.text, facts)

    untrusted = _untrusted(inbound, sender, request_type, rules)
    if untrusted is not None:
        return _limit_replies(untrusted, inbound, view, rules)

    if request_type == "urn_request":
        decision = _urn_request(sender, facts, view, rules, request is not None)
    else:
        decision = _case_request(request_type, sender, facts, view, rules)
    if facts.meeting_date is not None and decision.meeting_date is None:
        decision = replace(decision, meeting_date=facts.meeting_date)
    return _limit_replies(decision, inbound, view, rules)


def _untrusted(inbound: Inbound, sender: str, request_type: str | None, rules: Rules) -> Decision | None:
    """The review (and, for a partner on an unlisted domain, a reply with no personal data) for a
    sender who may not get personal data; None when the sender is trusted and authenticated."""
    untrusted = untrusted_reason(
        sender,
        sender_problem=inbound.sender_problem,
        authentication=inbound.authentication,
        trusted_domains=rules.trusted_domains,
        require_authentication=rules.require_authentication,
    )
    if untrusted is None:
        return None
    reason, detail, acknowledge = untrusted
    actions: list[Action] = [Review(reason, detail)]
    if acknowledge and rules.untrusted_policy == "acknowledge":
        actions.append(Send("untrusted_acknowledgement", (sender,), personal=False, key="untrusted"))
    return Decision(
        request_type, "review", tuple(actions), message_state="review", explanation=("untrusted",)
    )


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
    """Ask the sender for what is missing, unless the documents hold it and the reader could not choose:
    then a person picks from the candidates shown in the review item."""
    uncertain = uncertain_explains(missing, facts)
    if uncertain:
        return Decision(
            request_type,
            "review",
            (*first, Review("uncertain_facts", "the reader could not choose: " + " | ".join(uncertain))),
            missing=tuple(m.description for m in missing),
            message_state="review",
            explanation=("the documents hold a missing fact the reader was not sure of",),
        )
    context = {
        "request_type": request_type,
        **missing_context(missing, facts),
        **initials_context(facts),
        "attempt": 0,
    }
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
            (Send("level_one_no_urn", (sender,), initials_context(facts), key="level-one"),),
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
    match = match_children(facts.children, view)
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
    if view.urns_remaining is not None and view.urns_remaining <= 0:
        return Decision(
            "urn_request",
            "review",
            (
                Review(
                    "urn_sequence_exhausted",
                    "every URN the configured width can hold has been issued: an operator must widen "
                    "urn.width, then reprocess this request",
                ),
            ),
            message_state="review",
            explanation=("no URN left to issue",),
        )
    return Decision(
        "urn_request",
        "done",
        (IssueUrn(facts.children, postcode), Send("urn_issued", (sender,), facts_context(facts), key="urn")),
        explanation=("new URN issued",),
    )


def _urn_problem(
    request_type: str, sender: str, facts: RequestFacts, view: RegisterView, rules: Rules
) -> tuple[str | None, Decision | None]:
    """The request's one known URN, or the decision that deals with a missing, invalid or unknown one."""
    urn, problem = _known_urn(facts, view)
    if problem is not None:
        return None, Decision(
            request_type,
            problem.state,
            problem.actions,
            message_state="review",
            explanation=problem.explanation,
        )
    if urn is None and facts.invalid_urns:
        written = facts.invalid_urns[0]
        found = rules.urn_scheme.find(written, labelled=True)
        reason = found[0].problem if found and found[0].problem else "check_failed"
        return None, Decision(
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
        return None, Decision(
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
    return urn, None


def _case_request(
    request_type: str, sender: str, facts: RequestFacts, view: RegisterView, rules: Rules
) -> Decision:
    """Routes that need a known URN: new LP, filing, step down to WPEHS, meeting representation,
    no lead professional found."""
    urn, problem = _urn_problem(request_type, sender, facts, view, rules)
    if problem is not None:
        return problem
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
    case = view.cases.get(urn)
    named = case is not None and any(child.name for child in case.children)
    # The case's own children (standard context) name a family case best; the request's only when
    # the register has none named.
    context: dict[str, Any] = {
        "request_type": request_type,
        **facts_context(facts),
        **({} if named else initials_context(facts)),
    }
    if request_type == "new_lead_professional" and lead_professional is not None:
        return record_lead_professional(request_type, sender, urn, lead_professional, context, view, rules)
    if request_type == "no_lead_professional":
        return decide_no_lead_professional(sender, urn, context, rules)
    if request_type == "taf_minutes":
        actions: tuple[Action, ...] = (
            AttachCase(urn),
            SatisfyTafExpectation(urn),
            Send("filed", (sender,), context, key="filed"),
        )
        return Decision(request_type, "done", actions, explanation=("filed against the case",))
    return _queue_for_allocation(request_type, sender, urn, facts, context, view, rules)


def _queue_for_allocation(
    request_type: str,
    sender: str,
    urn: str,
    facts: RequestFacts,
    context: dict[str, Any],
    view: RegisterView,
    rules: Rules,
) -> Decision:
    actions: list[Action] = [
        AttachCase(urn),
        QueueForAllocation(),
        Send("acknowledgement", (sender,), context, key="ack"),
    ]
    explanation = ["queued for the allocations meeting"]
    if (
        request_type == "meeting_representation"
        and facts.meeting_date is not None
        and rules.next_allocation_meeting is not None
        and facts.meeting_date <= rules.next_allocation_meeting
    ):
        district = _district(urn, facts, view, rules)
        team = rules.district_teams.get(district) if district else None
        actions.append(
            Send(
                "meeting_alert",
                (team or rules.wpehs_address,),
                {**context, "district": district or UNKNOWN_DISTRICT},
                key="meeting-alert",
            )
        )
        explanation.append(
            "meeting falls before the next allocations meeting: "
            + ("the district team alerted" if team else "WPEHS alerted (no district team address)")
        )
    return Decision(request_type, "awaiting_allocation", tuple(actions), explanation=tuple(explanation))


def _district(urn: str, facts: RequestFacts, view: RegisterView, rules: Rules) -> str | None:
    """The district that allocates: the case's, else the one the request's postcode falls in."""
    case = view.cases.get(urn)
    if case is not None and case.district and case.district != UNKNOWN_DISTRICT:
        return case.district
    postcodes = [c.postcode for c in (*(case.children if case else ()), *facts.children) if c.postcode]
    for postcode in postcodes:
        district = district_for_postcode(postcode, rules.districts)
        if district != UNKNOWN_DISTRICT:
            return district
    return None
