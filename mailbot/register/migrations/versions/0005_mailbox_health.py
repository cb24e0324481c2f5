"""mailbox health: last sign-in, last listen, last connection error per mailbox

Revision ID: 0005_mailbox_health
Revises: 0004_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mailbot.register.models

revision = "0005_mailbox_health"
down_revision = "0004_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mailbox_health",
        sa.Column("mailbox", sa.String(length=40), nullable=False),
        sa.Column("last_signed_in_at", mailbot.register.models.UtcDateTime(), nullable=True),
        sa.Column("last_listened_at", mailbot.register.models.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", mailbot.register.models.UtcDateTime(), nullable=True),
        sa.Column("failing_since", mailbot.register.models.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_health")),
    )


def downgrade() -> None:
    op.drop_table("mailbox_health")
