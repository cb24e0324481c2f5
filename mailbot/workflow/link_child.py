"""Link a review item's request to an existing case (the child the duplicate check half-matched).

A URN request gets the case's URN (``urn_existing``), exactly as if the rules had matched the child;
any other request gets the case's URN as a fact and is decided again, as if the sender had quoted it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.register.models import Case
from mailbot.register.queries import case_view
from mailbot.rules.decide import Rules
from mailbot.rules.settle import link_to_case
from mailbot.transports.outgoing import Shell
from mailbot.workflow.correct_fact import correct_fact
from mailbot.workflow.person import (
    Settled,
    WorkflowError,
    item_request,
    open_item,
    redecide,
    request_facts,
    settle,
)


def link_child(
    session: Session, shell: Shell, rules: Rules, item_id: int, urn: str, note: str, now: datetime
) -> Settled:
    """Settle review item ``item_id`` by linking its request to the case with ``urn``."""
    item = open_item(session, item_id)
    request = item_request(session, item)
    case = session.execute(select(Case).where(Case.urn == urn)).scalar_one_or_none()
    if case is None:
        raise WorkflowError(f"no case with URN {urn}")
    if request.type == "urn_request":
        decision = link_to_case(request.sender, request_facts(session, request), case_view(case))
    else:
        correct_fact(session, request, "urn", urn, note or "linked to the case on the console", now)
        role = shell.settings.mailboxes[request.mailbox].role
        decision = redecide(session, request, rules, role, now)
    return settle(session, shell, item, request, decision, note or f"linked to {urn}", now)
