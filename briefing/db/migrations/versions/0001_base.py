"""Base schema: sources, articles, files, quarantine, editions, deliveries (old user_version 1)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "sources", sa.Column("name", sa.Text, primary_key=True), sa.Column("kind", sa.Text, nullable=False),
        _text("url"), _text("etag"), _text("last_modified"), _text("last_ok_at"), _text("last_error"),
        _text("last_error_at"), sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "articles", sa.Column("id", sa.Text, primary_key=True), sa.Column("source", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False), _text("url"), _text("canonical_url"), _text("guid"),
        sa.Column("title", sa.Text, nullable=False), sa.Column("text", sa.Text, nullable=False),
        sa.Column("sections", sa.Text, nullable=False), sa.Column("published", sa.Text),
        sa.Column("ingested", sa.Text, nullable=False),
    )
    op.create_index("articles_ingested", "articles", ["ingested"])
    op.create_table(
        "files", sa.Column("path", sa.Text, primary_key=True), sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False), _text("article_id"),
    )
    op.create_table(
        "quarantine", sa.Column("origin", sa.Text, primary_key=True), sa.Column("source", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False), sa.Column("at", sa.Text, nullable=False),
    )
    op.create_table(
        "editions", sa.Column("key", sa.Text, primary_key=True), sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False), _text("sent_at"), _text("content"),
    )
    op.create_table(
        "edition_articles",
        sa.Column("edition", sa.Text, sa.ForeignKey("editions.key"), primary_key=True),
        sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id"), primary_key=True),
    )
    op.create_table(
        "deliveries", sa.Column("edition", sa.Text, sa.ForeignKey("editions.key"), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False), sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"), _text("last_error"),
        sa.Column("updated_at", sa.Text, nullable=False), sa.UniqueConstraint("edition", "recipient"),
    )


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
