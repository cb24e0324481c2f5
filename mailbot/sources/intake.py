"""Intake: store a message's raw bytes and commit its register row before the source lets go of it.

Idempotent on (mailbox, content hash) and on the source ledger key (mailbox, folder, UIDVALIDITY,
UID): a message fetched twice — an overlapping poll, a crash before the move, a rebuilt mailbox with
new UIDs — is recorded once (invariant 1 and the lessons of paperless-ngx issues 9436/13336/10080).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.mail.parse import parse_sender
from mailbot.register.database import Register
from mailbot.register.models import Message, SourceLedger
from mailbot.register.storage import Storage
from mailbot.sources.base import SourceMessage

log = logging.getLogger(__name__)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ANGLE_ID = re.compile(r"<[^<>\s]{1,900}>")


@dataclass(frozen=True)
class IntakeResult:
    message_row_id: int
    new: bool
    state: str


def _header_block(raw: bytes) -> bytes:
    match = _HEADER_END.search(raw)
    return raw[: match.start()] if match else raw[:65536]


@dataclass(frozen=True)
class QuickHeaders:
    """What intake records from the header block: Message-ID, the From address and its problem."""

    message_id: str | None
    sender: str | None
    sender_problem: str | None = None


def quick_headers(raw: bytes) -> QuickHeaders:
    """Message-ID and From address read cheaply from the header block (full parsing comes later).

    Uses the stdlib's header parser (linear time, understands folded headers) on the header block
    only. The From address is checked as the full parse checks it (``parse_addresses``): an address
    mail cannot be sent to is kept with the reason in ``sender_problem``. Intake must never fail on
    garbage, so this is forgiving: None when absent or unreadable.
    """
    header = BytesHeaderParser(policy=compat32).parsebytes(_header_block(raw))
    message_id = None
    raw_id = header.get("Message-ID")
    if raw_id:
        found = _ANGLE_ID.search(" ".join(str(raw_id).split()))
        message_id = found.group(0) if found else None
    # raw_items keeps 8-bit bytes as surrogates (get() would replace them): UTF-8 sent raw decodes.
    raw_from = next((value for name, value in header.raw_items() if name.lower() == "from"), None)
    sender = parse_sender(raw_from) if raw_from else None
    if sender is None or "@" not in sender.email:
        return QuickHeaders(message_id, None)
    if sender.problem is not None:
        return QuickHeaders(message_id, sender.email[:254], sender.problem[:200])
    return QuickHeaders(message_id, sender.email.lower())


def _record(
    session: Session,
    storage: Storage,
    messages: list[SourceMessage],
    stored: list[tuple[str, str]],
    now: datetime,
) -> list[IntakeResult]:
    """Record a chunk with one query per table for what exists and one bulk INSERT for what is new."""
    by_key: dict[tuple[str, str], tuple[int, str]] = {}
    for mailbox in {message.mailbox for message in messages}:
        shas = [
            sha for message, (sha, _path) in zip(messages, stored, strict=True) if message.mailbox == mailbox
        ]
        for row_id, sha, state in session.execute(
            select(Message.id, Message.sha256, Message.state).where(
                Message.mailbox == mailbox, Message.direction == "in", Message.sha256.in_(shas)
            )
        ):
            by_key[(mailbox, sha)] = (row_id, state)
    fresh: dict[tuple[str, str], dict[str, object]] = {}
    for message, (sha, path) in zip(messages, stored, strict=True):
        key = (message.mailbox, sha)
        if key in by_key or key in fresh:
            continue
        headers = quick_headers(_head(storage, message, path))
        fresh[key] = {
            "mailbox": message.mailbox,
            "direction": "in",
            "message_id": headers.message_id,
            "sha256": sha,
            "raw_path": path,
            "size": storage.size(path) if message.spooled is not None else len(message.raw),
            "state": "received",
            "sender": headers.sender,
            "sender_problem": headers.sender_problem,
            "received_at": now,
        }
    if fresh:
        inserted = session.execute(
            insert(Message).returning(
                Message.id, Message.mailbox, Message.sha256, sort_by_parameter_order=True
            ),
            list(fresh.values()),
        )
        for row_id, mailbox, sha in inserted:
            by_key[(mailbox, sha)] = (row_id, "received")
    _record_ledger(session, messages, stored, by_key, now)
    results: list[IntakeResult] = []
    for message, (sha, _path) in zip(messages, stored, strict=True):
        row_id, state = by_key[(message.mailbox, sha)]
        new = (message.mailbox, sha) in fresh
        results.append(IntakeResult(row_id, new, state))
        if new:
            fresh.pop((message.mailbox, sha))  # the same bytes twice in one chunk: new only once
    return results


def _record_ledger(
    session: Session,
    messages: list[SourceMessage],
    stored: list[tuple[str, str]],
    rows: dict[tuple[str, str], tuple[int, str]],
    now: datetime,
) -> None:
    """Add a ledger row for every (mailbox, folder, UIDVALIDITY, UID) not seen before."""
    known: set[tuple[str, str, int, int]] = set()
    for mailbox, folder, uidvalidity in {(m.mailbox, m.folder, m.uidvalidity) for m in messages}:
        uids = [
            m.uid for m in messages if (m.mailbox, m.folder, m.uidvalidity) == (mailbox, folder, uidvalidity)
        ]
        for (uid,) in session.execute(
            select(SourceLedger.uid).where(
                SourceLedger.mailbox == mailbox,
                SourceLedger.folder == folder,
                SourceLedger.uidvalidity == uidvalidity,
                SourceLedger.uid.in_(uids),
            )
        ):
            known.add((mailbox, folder, uidvalidity, uid))
    fresh: dict[tuple[str, str, int, int], dict[str, object]] = {}
    for message, (sha, _path) in zip(messages, stored, strict=True):
        key = (message.mailbox, message.folder, message.uidvalidity, message.uid)
        if key not in known and key not in fresh:
            fresh[key] = {
                "mailbox": message.mailbox,
                "folder": message.folder,
                "uidvalidity": message.uidvalidity,
                "uid": message.uid,
                "message_row_id": rows[(message.mailbox, sha)][0],
                "seen_at": now,
            }
    if fresh:
        session.execute(insert(SourceLedger), list(fresh.values()))


def _store(storage: Storage, message: SourceMessage) -> tuple[str, str]:
    """Store the raw bytes (fsynced); a spooled message is copied in pieces and its spool removed."""
    if message.spooled is None:
        return storage.put("raw", message.raw)
    stored = storage.put_file("raw", message.spooled)
    message.spooled.unlink(missing_ok=True)
    return stored


def _head(storage: Storage, message: SourceMessage, path: str) -> bytes:
    return storage.head(path) if message.spooled is not None else message.raw


def intake_batch(
    register: Register, storage: Storage, messages: list[SourceMessage], now: datetime
) -> list[IntakeResult]:
    """Store every message's bytes (fsynced), then record them all in one transaction.

    Returns one result per message, in order. The same bytes twice in one batch are recorded once.
    """
    stored = [_store(storage, message) for message in messages]
    for _attempt in range(2):
        try:
            with register.transaction() as session:
                results = _record(session, storage, messages, stored, now)
            for message, result in zip(messages, results, strict=True):
                if not result.new:
                    log.info(
                        "intake duplicate mailbox=%s uid=%s row=%s",
                        message.mailbox,
                        message.uid,
                        result.message_row_id,
                    )
            return results
        except IntegrityError:
            # Another runner recorded the same bytes between our check and insert: read theirs.
            continue
    raise RuntimeError("intake could not record the messages after a concurrent insert")


def intake(register: Register, storage: Storage, message: SourceMessage, now: datetime) -> IntakeResult:
    """Store ``message`` and record it; returns its register row id and whether it was new."""
    return intake_batch(register, storage, [message], now)[0]
