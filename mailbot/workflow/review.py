"""The review queue: what the rules could not decide, listed and resolved by the mailbox team."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.errors import ReviewError
from mailbot.register.models import Event, Message, Request, ReviewItem
from mailbot.workflow.personal_data import PURGED

#: How a person can resolve an item: dismiss it (handled by hand), reprocess the message it is about
#: (after fixing config or the register), or close its request.
ResolveAction = Literal["dismiss", "reprocess", "close-request"]


def list_items(session: Session, include_resolved: bool = False) -> list[dict[str, Any]]:
    query = select(ReviewItem).order_by(ReviewItem.id)
    if not include_resolved:
        query = query.where(ReviewItem.state == "open")
    items = []
    for item in session.execute(query).scalars():
        request = session.get(Request, item.request_id) if item.request_id else None
        items.append(
            {
                "id": item.id,
                "reason": item.reason,
                "detail": item.detail,
                "state": item.state,
                "reference": request.reference if request else None,
                "mailbox": request.mailbox if request else None,
                "message": item.message_row_id,
                "created_at": item.created_at.isoformat(),
                "resolution": item.resolution,
            }
        )
    return items


def resolve(session: Session, item_id: int, action: ResolveAction, note: str, now: datetime) -> ReviewItem:
    """Resolve review item ``item_id`` with ``action``; raises ReviewError when that cannot be done."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewError(f"no review item {item_id}")
    if item.state != "open":
        raise ReviewError(f"review item {item_id} is already resolved")
    if action == "reprocess":
        if item.message_row_id is None:
            raise ReviewError(f"review item {item_id} is not about a message; nothing to reprocess")
        message = session.get(Message, item.message_row_id)
        if message is None:
            raise ReviewError(f"review item {item_id} names message {item.message_row_id}, which is gone")
        if message.raw_path == PURGED:
            raise ReviewError(f"review item {item_id}: the email was removed by retention or erasure")
        message.state = "received"
        message.processed_at = None
    elif action == "close-request":
        if item.request_id is None:
            raise ReviewError(f"review item {item_id} has no request to close")
        request = session.get(Request, item.request_id)
        if request is None:
            raise ReviewError(f"review item {item_id} names request {item.request_id}, which is gone")
        request.state = "done"
        request.updated_at = now
    item.state = "resolved"
    item.resolved_at = now
    item.resolution = f"{action}: {note}".strip().rstrip(":")
    session.add(
        Event(
            at=now,
            kind="review_resolved",
            request_id=item.request_id,
            detail={"item": item.id, "action": action},
        )
    )
    return item
