"""The conditions the register's partial indexes state, in one place, with no ORM to import.

A partial index serves a query only when the query repeats the index's condition, literally, so the
models (the indexes), migration 0003 (the same SQL) and the queries all take it from here. Plain
SQL strings and Core ``text``: ``mailbot status`` imports this without the ORM.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.sql.elements import TextClause

#: Request states after which nothing more happens (``mailbot.rules.decide.FINISHED_STATES``); the
#: partial index of open requests leaves them out, so counting open work costs open work, not history.
FINISHED_REQUEST_STATES = ("allocated", "closed_level_one", "done", "ignored")
#: Messages waiting to be processed (``ix_messages_waiting``).
WAITING_MESSAGE = "state = 'received'"
#: Outbox rows waiting to be sent (``ix_outbox_pending``).
PENDING_OUTBOX = "state = 'pending'"
#: Requests not finished (``ix_requests_open_state``).
OPEN_REQUEST = "state NOT IN ({})".format(", ".join(f"'{state}'" for state in FINISHED_REQUEST_STATES))


def waiting_message() -> TextClause:
    """``Message`` rows waiting to be processed, in the words of ``ix_messages_waiting``."""
    return text(WAITING_MESSAGE)


def open_request() -> TextClause:
    """``Request`` rows not finished, in the words of ``ix_requests_open_state``. Add it to any
    query for open states: the planner then reads the small partial index, whatever the history."""
    return text(OPEN_REQUEST)


def normalise_lcs_id(value: str | None) -> str | None:
    """An LCS id as it is compared: spaces around it dropped, letters in upper case."""
    return (value.strip().upper() or None) if value else None
