"""Issue a URN by hand: a person has checked a URN request's child is not on the register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.rules.settle import issue_urn_by_hand
from mailbot.transports.outgoing import Shell
from mailbot.workflow.person import Settled, WorkflowError, item_request, open_item, request_facts, settle


def issue_urn(session: Session, shell: Shell, item_id: int, note: str, now: datetime) -> Settled:
    """Open a new case for review item ``item_id``'s URN request and send the URN to the sender."""
    item = open_item(session, item_id)
    request = item_request(session, item)
    if request.type != "urn_request" or request.case_id is not None:
        raise WorkflowError(f"review item {item_id} is not a URN request without a case")
    facts = request_facts(session, request)
    if not facts.children:
        raise WorkflowError("no child was found in the request; add the child's details first")
    return settle(
        session, shell, item, request, issue_urn_by_hand(request.sender, facts), note or "URN issued", now
    )
