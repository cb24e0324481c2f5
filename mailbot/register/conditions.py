"""The conditions the register's partial indexes state, in one place, with no ORM to import.

A partial index serves a query only when the query repeats the index's condition, literally, so the
models (the indexes), migration 0008 (the same SQL) and the queries all take it from here. Plain SQL
strings and Core ``text``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.sql.elements import TextClause

#: Request states after which nothing more happens (``mailbot.rules.decide.FINISHED_STATES``); the
#: partial index of open requests leaves them out, so counting open work costs open work, not history.
FINISHED_REQUEST_STATES = (
    "allocated",
    "closed_level_one",
    "done",
    "erased",
    "escalated",
    "ignored",
    "superseded",
)
#: Messages waiting to be processed (``ix_messages_waiting``).
WAITING_MESSAGE = "state = 'received'"
#: Outbox rows not sent yet: waiting (``pending``) or handed over by a drain (``sending``)
#: (``ix_outbox_unsent``).
UNSENT_OUTBOX = "state IN ('pending', 'sending')"
#: Outbox rows whose Sent copy is not filed: the unsent, the few failed, and sent rows whose filing a
#: stop or an unreachable folder left for a later drain (``ix_outbox_unfiled``).
UNFILED_OUTBOX = "filed_at IS NULL"
#: Requests not finished (``ix_requests_open_state``).
OPEN_REQUEST = "state NOT IN ({})".format(", ".join(f"'{state}'" for state in FINISHED_REQUEST_STATES))


def waiting_message() -> TextClause:
    """``Message`` rows waiting to be processed, in the words of ``ix_messages_waiting``."""
    return text(WAITING_MESSAGE)


def unsent_outbox() -> TextClause:
    """``Outbox`` rows not sent yet, in the words of ``ix_outbox_unsent``. Add it to a query for due
    rows: the planner then reads the small partial index, however many have been sent."""
    return text(UNSENT_OUTBOX)


def open_request() -> TextClause:
    """``Request`` rows not finished, in the words of ``ix_requests_open_state``. Add it to any
    query for open states: the planner then reads the small partial index, whatever the history."""
    return text(OPEN_REQUEST)
