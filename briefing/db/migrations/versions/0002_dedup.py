"""Ingest deduplication: article versions, every arrival of an article, LSH bands (old user_version 2)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("text_hash", sa.Text, nullable=False, server_default=""))
    op.add_column("articles", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.execute("UPDATE articles SET text_hash = id")
    op.create_index("articles_text_hash", "articles", ["text_hash"])
    op.create_table(
        "article_sources", sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("source", sa.Text, primary_key=True), sa.Column("origin", sa.Text, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, server_default=""),
        sa.Column("canonical_url", sa.Text, nullable=False, server_default=""),
        sa.Column("guid", sa.Text, nullable=False, server_default=""),
        sa.Column("matched_by", sa.Text, nullable=False), sa.Column("seen_at", sa.Text, nullable=False),
    )
    op.create_index("article_sources_article", "article_sources", ["article_id"])
    op.create_index("article_sources_url", "article_sources", ["canonical_url"])
    op.create_index("article_sources_guid", "article_sources", ["guid"])
    op.execute(
        "INSERT INTO article_sources (article_id, source, origin, url, canonical_url, guid, matched_by, seen_at)"
        " SELECT id, source, origin, url, canonical_url, guid, 'new', ingested FROM articles WHERE true"
        " ON CONFLICT DO NOTHING"
    )
    op.create_table(
        "article_bands", sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id"), nullable=False),
    )
    op.create_index("article_bands_key", "article_bands", ["key"])
    op.create_index("article_bands_article", "article_bands", ["article_id"])
    op.add_column("sources", sa.Column("configured_url", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    raise NotImplementedError("briefing migrates forward only")
