"""retention: when a sent email lost its body, when a case was anonymised

Revision ID: 0004_retention
Revises: 0003_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mailbot.register.models

revision = "0004_retention"
down_revision = "0003_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_removed_at", mailbot.register.models.UtcDateTime(), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", mailbot.register.models.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("body_removed_at")
