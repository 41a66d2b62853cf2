"""Subscribers (briefing.subscribers), keyed by the lower-cased address (old user_version 3)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers", sa.Column("key", sa.Text, primary_key=True), sa.Column("address", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False), sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False), sa.Column("updated_at", sa.Text, nullable=False),
        *(sa.Column(name, sa.Text, nullable=False, server_default="")
          for name in ("confirmed_at", "unsubscribed_at", "nonce", "confirm_sent_at")),
    )
    op.create_index("subscribers_status", "subscribers", ["status"])


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
