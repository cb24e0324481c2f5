"""staff: who signed in to the console and with which roles (allocators from the identity provider)

Revision ID: 0008_staff
Revises: 0007_outbox_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mailbot.register.models

revision = "0008_staff"
down_revision = "0007_outbox_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("first_signed_in_at", mailbot.register.models.UtcDateTime(), nullable=False),
        sa.Column("last_signed_in_at", mailbot.register.models.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_staff")),
    )
    op.create_index(op.f("ix_staff_last_signed_in_at"), "staff", ["last_signed_in_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_last_signed_in_at"), table_name="staff")
    op.drop_table("staff")
