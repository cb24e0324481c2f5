"""Retention: delete stored raw messages and attachments once their request is long finished.

The register keeps every row (the audit trail and the URN register stay whole); only the files that
hold the full text of emails and documents are removed, ``retention_days`` after the message was
processed and only when its request is finished, so nothing still being worked on is touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from mailbot.register.database import Register
from mailbot.register.models import Document, Event, Message, Request
from mailbot.register.storage import Storage
from mailbot.rules.decide import FINISHED_STATES

log = logging.getLogger(__name__)
PURGED = "purged"


@dataclass
class PurgeResult:
    messages: int = 0
    files: int = 0


def purge(register: Register, storage: Storage, retention_days: int, now: datetime) -> PurgeResult:
    """Remove the stored files of messages processed more than ``retention_days`` ago.

    A message without a request (auto-replies, bounces) qualifies on age alone; one with a request
    only when the request is finished. Content-addressed files shared with a newer message are kept.
    """
    result = PurgeResult()
    if retention_days <= 0:
        return result
    cutoff = now - timedelta(days=retention_days)
    with register.transaction() as session:
        rows = (
            session.execute(
                select(Message)
                .outerjoin(Request, Message.request_id == Request.id)
                .where(
                    Message.direction == "in",
                    Message.processed_at.is_not(None),
                    Message.processed_at < cutoff,
                    Message.raw_path != PURGED,
                    (Message.request_id.is_(None)) | (Request.state.in_(FINISHED_STATES)),
                )
            )
            .scalars()
            .all()
        )
        for message in rows:
            paths = {message.raw_path}
            documents = (
                session.execute(select(Document).where(Document.message_row_id == message.id)).scalars().all()
            )
            paths |= {d.stored_path for d in documents if d.stored_path}
            for path in paths:
                still_used = (
                    session.execute(
                        select(Message.id).where(
                            Message.raw_path == path, Message.id != message.id, Message.raw_path != PURGED
                        )
                    ).first()
                    or session.execute(
                        select(Document.id).where(
                            Document.stored_path == path, Document.message_row_id != message.id
                        )
                    ).first()
                )
                if not still_used and storage.delete(path):
                    result.files += 1
            message.raw_path = PURGED
            for document in documents:
                document.stored_path = None
            result.messages += 1
        if result.messages:
            session.add(
                Event(
                    at=now,
                    kind="retention_purge",
                    detail={"messages": result.messages, "files": result.files},
                )
            )
    log.info("retention purge messages=%s files=%s", result.messages, result.files)
    return result
