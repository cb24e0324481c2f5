"""reply limits: who an outgoing email is about, the pattern that caused it, and review-item holds

Revision ID: 0002_reply_limits
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reply_limits"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counterpart", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("pattern", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_counterpart"), ["counterpart"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_pattern"), ["pattern"], unique=False)
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_key", sa.String(length=320), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_items_hold_key"), ["hold_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_items_hold_key"))
        batch_op.drop_column("hold_key")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_pattern"))
        batch_op.drop_index(batch_op.f("ix_outbox_counterpart"))
        batch_op.drop_column("pattern")
        batch_op.drop_column("counterpart")
