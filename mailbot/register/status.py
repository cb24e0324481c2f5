"""The figures ``mailbot status`` prints: two aggregate statements, each count read from an index.

Every count is bounded by the work that is open — messages waiting, replies not yet sent, requests
not finished, review items open — never by the size of the history, so ``status`` costs the same on
a register of a thousand cases and of a million (the partial indexes of migration 0003). Plain SQL
on a Core connection (or a session): a cold ``mailbot status`` imports neither the ORM nor Alembic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from mailbot.register.conditions import OPEN_REQUEST, WAITING_MESSAGE
from mailbot.rules.urn_capacity import capacity_of

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from mailbot.domain.urn import UrnScheme

# The conditions are this package's own constants (never input): the f-strings only paste them in.
_COUNTS = text(
    f"""
SELECT
  (SELECT count(*) FROM messages WHERE {WAITING_MESSAGE} AND direction = 'in') AS waiting,
  (SELECT min(received_at) FROM messages WHERE {WAITING_MESSAGE} AND direction = 'in') AS oldest,
  (SELECT count(*) FROM messages WHERE state = 'failed') AS failed,
  (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')) AS unsent,
  (SELECT count(*) FROM outbox WHERE state = 'failed') AS outbox_failed,
  (SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending') AND created_at < :hour_ago) AS stuck,
  (SELECT count(*) FROM review_items WHERE state = 'open') AS review,
  (SELECT last_value FROM sequences WHERE name = 'urn') AS urn_issued
"""  # noqa: S608
)
_OPEN_REQUESTS = text(
    f"SELECT state, count(*) FROM requests WHERE {OPEN_REQUEST} GROUP BY state ORDER BY state"  # noqa: S608
)


def _moment(value: Any) -> datetime | None:
    """A timestamp as the register stores it (naive UTC; SQLite hands back text) made aware."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def health(db: Session | Connection, now: datetime, urn_scheme: UrnScheme | None = None) -> dict[str, Any]:
    """Counts an operator or a monitoring check wants: what is waiting, stuck, failed or open.

    With ``urn_scheme``, also how full the URN numbers are and a warning from 90 % on.
    """
    hour_ago = (now - timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None)
    counts = db.execute(_COUNTS, {"hour_ago": hour_ago}).one()
    open_requests = db.execute(_OPEN_REQUESTS).all()
    oldest = _moment(counts.oldest)
    figures: dict[str, Any] = {
        "messages_waiting": int(counts.waiting),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "messages_failed": int(counts.failed),
        "outbox_pending": int(counts.unsent),
        "outbox_failed": int(counts.outbox_failed),
        "outbox_stuck": int(counts.stuck),
        "review_open": int(counts.review),
        "requests_open_by_state": {state: int(count) for state, count in open_requests},
    }
    if urn_scheme is not None:
        capacity = capacity_of(int(counts.urn_issued or 0), urn_scheme)
        figures["urn_issued"] = capacity.issued
        figures["urn_capacity"] = capacity.capacity
        figures["urn_capacity_used_percent"] = round(100 * capacity.used, 1)
        figures["warnings"] = [warning] if (warning := capacity.warning()) else []
    return figures
