"""indexes for a million cases: normalised LCS id, waiting messages, open requests, outbox by time

Revision ID: 0003_million_case_indexes
Revises: 0002_reply_limits

- ``children.lcs_id_normalised`` (filled from ``lcs_id``) with an index: the duplicate check finds a
  child by LCS id with an index instead of ``upper(lcs_id)`` on every row; the plain ``lcs_id``
  index is dropped (nothing looks it up any more).
- ``ix_messages_waiting`` (mailbox, id) WHERE state = 'received': only waiting messages, so the
  pipeline and ``status`` find them without reading the history.
- ``ix_requests_open_state`` (state) WHERE the request is not finished: ``status`` counts open work.
- ``ix_outbox_pending`` (next_attempt_at) WHERE state = 'pending': what a drain sends next.
- ``ix_outbox_state_created_at`` replaces ``ix_outbox_state`` (stuck and due rows by state and age);
  ``ix_outbox_counterpart_created_at`` replaces ``ix_outbox_counterpart`` (replies to a sender in the
  last hour or day, read from the index).

Partial indexes are supported by SQLite (3.8+) and PostgreSQL alike. Adding a column and indexes
needs no table copy on SQLite, so this runs in minutes on a million cases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_million_case_indexes"
down_revision = "0002_reply_limits"
branch_labels = None
depends_on = None

WAITING_MESSAGE = "state = 'received'"
PENDING_OUTBOX = "state = 'pending'"
OPEN_REQUEST = "state NOT IN ('allocated', 'closed_level_one', 'done', 'ignored')"


def upgrade() -> None:
    op.add_column("children", sa.Column("lcs_id_normalised", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE children SET lcs_id_normalised = upper(trim(lcs_id)) "
        "WHERE lcs_id IS NOT NULL AND trim(lcs_id) <> ''"
    )
    op.create_index("ix_children_lcs_id_normalised", "children", ["lcs_id_normalised"])
    op.drop_index("ix_children_lcs_id", table_name="children")
    where = sa.text(WAITING_MESSAGE)
    op.create_index(
        "ix_messages_waiting", "messages", ["mailbox", "id"], sqlite_where=where, postgresql_where=where
    )
    where = sa.text(OPEN_REQUEST)
    op.create_index(
        "ix_requests_open_state", "requests", ["state"], sqlite_where=where, postgresql_where=where
    )
    op.create_index("ix_outbox_state_created_at", "outbox", ["state", "created_at"])
    where = sa.text(PENDING_OUTBOX)
    op.create_index(
        "ix_outbox_pending", "outbox", ["next_attempt_at"], sqlite_where=where, postgresql_where=where
    )
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.create_index("ix_outbox_counterpart_created_at", "outbox", ["counterpart", "created_at"])
    op.drop_index("ix_outbox_counterpart", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_counterpart", "outbox", ["counterpart"])
    op.drop_index("ix_outbox_counterpart_created_at", table_name="outbox")
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index("ix_outbox_state_created_at", table_name="outbox")
    op.drop_index("ix_requests_open_state", table_name="requests")
    op.drop_index("ix_messages_waiting", table_name="messages")
    op.create_index("ix_children_lcs_id", "children", ["lcs_id"])
    op.drop_index("ix_children_lcs_id_normalised", table_name="children")
    with op.batch_alter_table("children") as batch_op:
        batch_op.drop_column("lcs_id_normalised")
