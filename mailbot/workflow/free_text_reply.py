"""Reply to a review item's sender in a person's own words, from the mailbox, on the request's thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.rules.settle import free_text_reply
from mailbot.transports.outgoing import Shell
from mailbot.workflow.person import Settled, WorkflowError, item_request, open_item, settle


def reply_in_own_words(
    session: Session, shell: Shell, item_id: int, text: str, resolve: bool, now: datetime
) -> Settled:
    """Queue ``text`` to the sender; the item is resolved only when ``resolve`` (else stays open)."""
    if not text.strip():
        raise WorkflowError("the reply is empty")
    item = open_item(session, item_id)
    request = item_request(session, item)
    decision = free_text_reply(request.type, request.state, request.sender, text.strip())
    settled = settle(session, shell, item, request, decision, "replied in own words", now)
    if not resolve:
        item.state, item.resolved_at, item.resolution = "open", None, None
    return settled
