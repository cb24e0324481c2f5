"""outbox claims with a lease, Sent copies tracked, unusable sender addresses recorded

A row in ``sending`` now carries ``claimed_until``: when that passes, any instance's next drain takes
the row over (looking in Sent first), so a crash or a database outage never leaves a reply stuck.
``filed_at`` says the copy is in the Sent folder (rows sent before this revision count as filed).
``messages.sender_problem`` records why mail cannot be sent to a From address (issue 11).

Revision ID: 0007_outbox_claims
Revises: 0006_taf_minutes_due
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import mailbot.register.models

revision = "0007_outbox_claims"
down_revision = "0006_taf_minutes_due"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", mailbot.register.models.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("filed_at", mailbot.register.models.UtcDateTime(), nullable=True))
    op.execute("UPDATE outbox SET filed_at = sent_at WHERE state = 'sent'")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_problem", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("sender_problem")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("filed_at")
        batch_op.drop_column("claimed_until")
