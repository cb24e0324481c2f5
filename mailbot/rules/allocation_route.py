"""The allocation route: a WPEHS manager's reply to the digest (or to a meeting alert) records who
was allocated each step down (pure).

Every readable line becomes a ``RecordAllocation``; every line that cannot be used becomes a review
item and is sent back to the manager, as the digest promises ("anything we cannot read will come back
to you"). The message opens no request of its own.
"""

from __future__ import annotations

import re

from mailbot.rules.actions import Action, Decision, Ignore, RecordAllocation, Review, Send
from mailbot.rules.allocation_reply import AllocationProblem, parse_allocation_reply
from mailbot.rules.inbound import Inbound, Rules
from mailbot.rules.view import RegisterView

_TAG = re.compile(r"\[((?:WD|SD)-[0-9][0-9-]*)\]", re.IGNORECASE)

#: The console roles that may allocate (on the board, and by email when the identity provider's groups
#: are used for allocators); the console's permissions take this set for "allocate".
ALLOCATING_ROLES = frozenset({"wpehs_allocator", "administrator"})


def may_allocate_by_email(sender: str, rules: Rules, view: RegisterView | None = None) -> bool:
    """Whether ``sender`` may record allocations by replying to the digest or a meeting alert: the
    council's configured allocators (``workflow.allocators``), and, when the council keeps them in its
    identity provider, people who signed in to the console lately as allocators
    (``view.console_allocators``); anyone else's reply is a review item.

    The one place this is decided for email (the console's board checks the same roles at sign-in).
    """
    address = sender.strip().lower()
    return address in rules.allocators or (view is not None and address in view.console_allocators)


def is_allocation_reply(inbound: Inbound, view: RegisterView) -> bool:
    """A reply to the digest or a meeting alert, to preventionearlyhelp@ (whoever sent it)."""
    return inbound.mailbox_role == "wpehs" and view.threads_to_digest and inbound.sender is not None


def _not_allowed() -> Decision:
    return Decision(
        None,
        "allocation",
        (
            Review(
                "allocation_not_allowed",
                "a reply to the weekly digest came from an address that is not a configured allocator",
            ),
        ),
        message_state="review",
        explanation=("digest reply from someone who is not an allocator: nothing allocated or sent",),
    )


def decide_allocation_reply(inbound: Inbound, view: RegisterView, rules: Rules) -> Decision:
    """Allocations and problems from the manager's reply, checked against what is waiting; a reply
    from someone who is not an allocator allocates nothing and sends nothing (a person looks at it)."""
    if inbound.sender is None or not may_allocate_by_email(inbound.sender, rules, view):
        return _not_allowed()
    lines, problems = parse_allocation_reply(inbound.body_text or inbound.text, rules.urn_scheme)
    actions: list[Action] = []
    for line in lines:
        if line.urn in view.allocation_targets:
            actions.append(RecordAllocation(line.urn, line.worker_name, line.worker_email, line.team))
        else:
            problems.append(
                AllocationProblem(
                    line.line_number, line.urn, "no step down for this URN is waiting for allocation"
                )
            )
    problems.sort(key=lambda p: p.line_number)
    if not actions and not problems:
        return Decision(
            None,
            "allocation",
            (Ignore("reply to the digest with no allocation lines"),),
            explanation=("digest reply without allocations",),
        )
    for problem in problems:
        actions.append(
            Review(
                "allocation_unreadable",
                f"line {problem.line_number} ({problem.urn_as_written}): {problem.reason}",
            )
        )
    if problems:
        tag = _TAG.search(inbound.text)
        context = {
            "problems": [
                {"line": p.line_number, "urn": p.urn_as_written, "reason": p.reason} for p in problems
            ],
            "allocated": [a.urn for a in actions if isinstance(a, RecordAllocation)],
            "reference": tag.group(1).upper() if tag else "",
        }
        actions.append(Send("allocation_unreadable", (inbound.sender,), context, key="allocation-problems"))
    recorded = sum(isinstance(a, RecordAllocation) for a in actions)
    return Decision(
        None,
        "allocation",
        tuple(actions),
        message_state="review" if problems else "processed",
        explanation=(f"{recorded} allocation(s) recorded, {len(problems)} line(s) not usable",),
    )
