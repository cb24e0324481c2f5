"""Issuing URNs from the register's shared sequence: continue the council's numbers, never reuse one.

The sequence is one row (``sequences.name = 'urn'``). Every issue is an atomic ``UPDATE … SET
last_value = last_value + 1 RETURNING last_value``: on PostgreSQL the row stays locked until the
transaction commits, so a second instance waits and then takes the next number; SQLite has one writer
at a time anyway. The row is created with ``INSERT … ON CONFLICT DO NOTHING``, so two instances starting
together cannot both create it.

The config's ``urn.next_number`` is a floor: the sequence jumps up to it (never down), so a council
that takes over from its own register says where its numbers had got to. A number whose URN is already
on the register (an imported case) is skipped, never issued twice.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.orm import Session

from mailbot.domain.urn import UrnScheme
from mailbot.errors import UrnSequenceExhaustedError
from mailbot.register.models import Case
from mailbot.register.models import Sequence as SequenceRow

log = logging.getLogger(__name__)

SEQUENCE_NAME = "urn"
_SEQUENCES = cast(Table, SequenceRow.__table__)


def _ensure_row(session: Session, floor: int) -> None:
    # The dialect's own INSERT (for ON CONFLICT), imported when first issued: the PostgreSQL dialect
    # costs a tenth of a second to import, and ``mailbot status`` reads this module without issuing.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement: Any = postgresql_insert(_SEQUENCES)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(_SEQUENCES)
    session.connection().execute(
        statement.values(name=SEQUENCE_NAME, last_value=floor).on_conflict_do_nothing(
            index_elements=[_SEQUENCES.c.name]
        )
    )


def last_issued(session: Session) -> int:
    """The last number taken from the sequence (0 when none has been)."""
    value = session.execute(
        select(SequenceRow.last_value).where(SequenceRow.name == SEQUENCE_NAME)
    ).scalar_one_or_none()
    return int(value or 0)


def urns_remaining(session: Session, scheme: UrnScheme, next_number: int) -> int:
    """How many URNs the issued format can still give (0 when the width is used up)."""
    taken = max(last_issued(session), next_number - 1)
    return max(0, scheme.capacity - taken)


def issue_urn(session: Session, scheme: UrnScheme, next_number: int) -> str:
    """Take the next free URN in the caller's transaction.

    Raises UrnSequenceExhaustedError when the format's width is used up; ``decide`` checks
    ``urns_remaining`` first, so a request reaches review instead of failing.
    """
    floor = next_number - 1
    _ensure_row(session, floor)
    # Plain UPDATEs on the session's connection: no unit-of-work flush, no ORM synchronisation.
    connection, last_value = session.connection(), _SEQUENCES.c.last_value
    # Raise the sequence to the configured floor (never lower it); this also takes the row lock.
    connection.execute(
        update(_SEQUENCES)
        .where(_SEQUENCES.c.name == SEQUENCE_NAME)
        .values(last_value=case((last_value < floor, floor), else_=last_value))
    )
    while True:
        value = connection.execute(
            update(_SEQUENCES)
            .where(_SEQUENCES.c.name == SEQUENCE_NAME)
            .values(last_value=last_value + 1)
            .returning(last_value)
        ).scalar_one()
        if value > scheme.capacity:
            raise UrnSequenceExhaustedError(
                f"every {scheme.width}-digit URN has been issued; widen urn.width in the config"
            )
        urn = scheme.format(value)
        exists = session.execute(select(func.count(Case.id)).where(Case.urn == urn)).scalar_one()
        if not exists:
            return urn
        log.info("URN sequence skipped a number already on the register sequence=%s", value)
