"""requests.due_on: when the new lead professional's first TAF minutes are due

Revision ID: 0006_taf_minutes_due
Revises: 0005_mailbox_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_taf_minutes_due"
down_revision = "0005_mailbox_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("due_on")
