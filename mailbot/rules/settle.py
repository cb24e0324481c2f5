"""Decisions a person makes on the console, as the same ``Decision`` values mail gets (pure).

A review item ends when a person says what the rules could not: this child is that case's child,
issue a new URN, send this reply. Each function here turns that choice into the actions ``decide``
would have returned had it known, so ``carry_out`` and the outbox treat a person's decision exactly
like one made for an email (same emails, same register writes, same audit).
"""

from __future__ import annotations

import hashlib

from mailbot.rules.actions import Decision, IssueUrn, ReuseUrn, Send
from mailbot.rules.inbound import facts_context
from mailbot.rules.merge import RequestFacts
from mailbot.rules.names import same_child
from mailbot.rules.view import CaseView

#: Words for the ``urn_existing`` email's "we matched the record on the child's ..." sentence.
MATCHED_BY_PERSON = "details, checked by a member of the CAF team"


def link_to_case(sender: str, facts: RequestFacts, case: CaseView) -> Decision:
    """A URN request whose child is already on ``case``: reuse its URN and tell the sender.

    The person has said the request's child is the case's child, so a child with the same date of
    birth as one on the case (or the same child by the usual test) is that child, however the name
    was spelt; any other child in the request (a sibling) is added to the case.
    """
    born = {k.date_of_birth for k in case.children if k.date_of_birth}
    new_children = tuple(
        c
        for c in facts.children
        if c.date_of_birth not in born and not any(same_child(c, k) for k in case.children)
    )
    return Decision(
        "urn_request",
        "done",
        (
            ReuseUrn(case.urn, new_children),
            Send(
                "urn_existing",
                (sender,),
                {**facts_context(facts), "matched_on": MATCHED_BY_PERSON},
                key="urn",
            ),
        ),
        explanation=("a person linked the request to an existing case",),
    )


def issue_urn_by_hand(sender: str, facts: RequestFacts) -> Decision:
    """A URN request a person has checked is a new child: open a case and send the URN."""
    postcode = next((c.postcode for c in facts.children if c.postcode), None)
    return Decision(
        "urn_request",
        "done",
        (IssueUrn(facts.children, postcode), Send("urn_issued", (sender,), facts_context(facts), key="urn")),
        explanation=("a person issued a new URN",),
    )


def free_text_reply(request_type: str, state: str, sender: str, text: str) -> Decision:
    """A reply a person wrote, sent from the mailbox on the request's thread; the request keeps its
    state. The key is the text's hash, so pressing "send" twice sends it once."""
    key = "reply-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Decision(
        request_type,
        state,
        (Send("staff_reply", (sender,), {"message": text}, key=key),),
        explanation=("a person replied in their own words",),
    )
