"""The model writer's cache: one answer per (story content, model, prompt version).

``briefing.llm`` looks an answer up here before it asks the endpoint, so a second
build of the same edition makes no request. ``content_hash`` is a SHA-256 of the
exact messages that would be sent (``briefing.llm.prompt.content_hash``); the
answer is stored as the model wrote it and checked again when it is used.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_cache",
        sa.Column("content_hash", sa.Text, primary_key=True),
        sa.Column("model", sa.Text, primary_key=True),
        sa.Column("prompt_version", sa.Text, primary_key=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
