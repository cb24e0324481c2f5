"""console: who did what (events.actor), undone allocations, indexes for searching at a million cases

Revision ID: 0003_console
Revises: 0002_reply_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mailbot.register.models

revision = "0003_console"
down_revision = "0002_reply_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_events_case_at", ["case_id", "at"], unique=False)
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("undone_at", mailbot.register.models.UtcDateTime(), nullable=True)
        )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_mailbox_state", ["mailbox", "state"], unique=False)
    # Expression indexes: search by name or LCS id whatever the letter case (SQLite 3.9+, PostgreSQL).
    op.create_index("ix_children_name_lower", "children", [sa.text("lower(name)")], unique=False)
    op.create_index("ix_children_lcs_id_upper", "children", [sa.text("upper(lcs_id)")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_children_lcs_id_upper", table_name="children")
    op.drop_index("ix_children_name_lower", table_name="children")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_mailbox_state")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_column("undone_at")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_case_at")
        batch_op.drop_column("actor")
