"""Several processes on one store: send claims, and the arrival order of article sources.

``send_claims`` holds one row per (edition, recipient) that a sender on
PostgreSQL locks with ``SELECT ... FOR UPDATE SKIP LOCKED`` while it mails that
recipient, so several senders share an edition without overlap. SQLite orders
``article_sources`` by its implicit ``rowid``; PostgreSQL has none, so there the
table gets a ``seq`` column filled from a sequence. On PostgreSQL two watchers
may record the same story at once, so the database itself keeps one article
per canonical URL (a partial unique index; the content id is the primary key
already); on SQLite writers queue (``BEGIN IMMEDIATE``), so the lookup in
``briefing.ingest.record`` suffices and older files need no index built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_claims", sa.Column("edition", sa.Text, primary_key=True), sa.Column("recipient", sa.Text, primary_key=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE article_sources ADD COLUMN seq BIGSERIAL")
        op.execute("CREATE UNIQUE INDEX articles_canonical_url_unique ON articles (canonical_url)"
                   " WHERE canonical_url <> ''")


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
