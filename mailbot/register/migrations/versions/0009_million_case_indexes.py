"""indexes for a million cases: waiting messages, open requests, outbox by time

Revision ID: 0009_million_case_indexes
Revises: 0008_staff

- ``ix_messages_waiting`` (mailbox, id) WHERE state = 'received': only waiting messages, so the
  pipeline and ``status`` find them without reading the history.
- ``ix_requests_open_state`` (state) WHERE the request is not finished: open work is counted and
  listed (chase-ups, the digest) from a small index, whatever the history.
- ``ix_outbox_unsent`` (next_attempt_at) WHERE state IN ('pending', 'sending'): what a drain sends
  next or takes over (a claim whose lease ran out).
- ``ix_outbox_unfiled`` (id) WHERE filed_at IS NULL: the sent rows whose Sent copy each drain files.
- ``ix_outbox_state_created_at`` replaces ``ix_outbox_state`` (stuck and due rows by state and age);
  ``ix_outbox_counterpart_created_at`` replaces ``ix_outbox_counterpart`` (replies to a sender in the
  last hour or day, read from the index).
- ``ix_children_lcs_id`` is dropped: a child is found by LCS id in any letter case, which
  ``ix_children_lcs_id_upper`` (0003_console) serves; nothing looks up the plain column.

Partial indexes are supported by SQLite (3.8+) and PostgreSQL alike. Indexes need no table copy on
SQLite, so this runs in minutes on a million cases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_million_case_indexes"
down_revision = "0008_staff"
branch_labels = None
depends_on = None

# The models' conditions, written out: a migration must not change when the models do.
WAITING_MESSAGE = "state = 'received'"
UNSENT_OUTBOX = "state IN ('pending', 'sending')"
UNFILED_OUTBOX = "filed_at IS NULL"
OPEN_REQUEST = (
    "state NOT IN ('allocated', 'closed_level_one', 'done', 'erased', 'escalated', 'ignored', 'superseded')"
)


def upgrade() -> None:
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
    where = sa.text(UNSENT_OUTBOX)
    op.create_index(
        "ix_outbox_unsent", "outbox", ["next_attempt_at"], sqlite_where=where, postgresql_where=where
    )
    where = sa.text(UNFILED_OUTBOX)
    op.create_index("ix_outbox_unfiled", "outbox", ["id"], sqlite_where=where, postgresql_where=where)
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.create_index("ix_outbox_counterpart_created_at", "outbox", ["counterpart", "created_at"])
    op.drop_index("ix_outbox_counterpart", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_counterpart", "outbox", ["counterpart"])
    op.drop_index("ix_outbox_counterpart_created_at", table_name="outbox")
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.drop_index("ix_outbox_unfiled", table_name="outbox")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_index("ix_outbox_state_created_at", table_name="outbox")
    op.drop_index("ix_requests_open_state", table_name="requests")
    op.drop_index("ix_messages_waiting", table_name="messages")
    op.create_index("ix_children_lcs_id", "children", ["lcs_id"])
