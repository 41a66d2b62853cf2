"""The store's tables as SQLAlchemy Core objects, for building statements on both engines.

This is exactly the shape the newest migration leaves (``briefing/db/migrations``):
every table and column, which ``tests/db/test_schema.py`` checks against a migrated
database; a new revision changes this file too. Migrations never import it (each
one is frozen as written). The store writes raw SQL for most statements and
these objects for the dialect-aware inserts. Uniqueness lives in
the database: ``articles.id`` (the content hash), ``article_sources``
(source, origin) with the canonical URL beside it, ``deliveries`` (edition,
recipient), so inserts are idempotent and concurrent writers never duplicate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Insert

metadata = MetaData()


def _text(name: str, **kwargs: Any) -> Column[str]:
    return Column(name, Text, nullable=False, server_default="", **kwargs)


sources = Table(
    "sources", metadata, Column("name", Text, primary_key=True), Column("kind", Text, nullable=False),
    _text("url"), _text("etag"), _text("last_modified"), _text("last_ok_at"), _text("last_error"),
    _text("last_error_at"), Column("failures", Integer, nullable=False, server_default="0"),
    Column("disabled", Integer, nullable=False, server_default="0"), _text("configured_url"),
)
articles = Table(
    "articles", metadata, Column("id", Text, primary_key=True), Column("source", Text, nullable=False),
    Column("origin", Text, nullable=False), _text("url"), _text("canonical_url"), _text("guid"),
    Column("title", Text, nullable=False), Column("text", Text, nullable=False),
    Column("published", Text), Column("ingested", Text, nullable=False),
    _text("text_hash"), Column("version", Integer, nullable=False, server_default="1"),
)
files = Table(
    "files", metadata, Column("path", Text, primary_key=True), Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False), _text("article_id"),
)
quarantine = Table(
    "quarantine", metadata, Column("origin", Text, primary_key=True), Column("source", Text, nullable=False),
    Column("reason", Text, nullable=False), Column("at", Text, nullable=False),
)
editions = Table(
    "editions", metadata, Column("key", Text, primary_key=True), Column("status", Text, nullable=False),
    Column("created_at", Text, nullable=False), _text("sent_at"), _text("content"),
)
edition_articles = Table(
    "edition_articles", metadata, Column("edition", Text, primary_key=True),
    Column("article_id", Text, primary_key=True),
)
deliveries = Table(
    "deliveries", metadata, Column("edition", Text, nullable=False), Column("recipient", Text, nullable=False),
    Column("message_id", Text, nullable=False), Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"), _text("last_error"),
    Column("updated_at", Text, nullable=False),
)
article_sources = Table(
    "article_sources", metadata, Column("article_id", Text, nullable=False),
    Column("source", Text, primary_key=True), Column("origin", Text, primary_key=True), _text("url"),
    _text("canonical_url"), _text("guid"), Column("matched_by", Text, nullable=False),
    Column("seen_at", Text, nullable=False),
)
article_bands = Table(
    "article_bands", metadata, Column("key", BigInteger, nullable=False), Column("article_id", Text, nullable=False),
)
subscribers = Table(  # keyed by the lower-cased address (briefing.subscribers holds the rules)
    "subscribers", metadata, Column("key", Text, primary_key=True), Column("address", Text, nullable=False),
    Column("status", Text, nullable=False), Column("source", Text, nullable=False),
    Column("created_at", Text, nullable=False), Column("updated_at", Text, nullable=False),
    *(_text(name) for name in ("confirmed_at", "unsubscribed_at", "nonce", "confirm_sent_at")),
)
send_claims = Table(
    "send_claims", metadata, Column("edition", Text, primary_key=True), Column("recipient", Text, primary_key=True),
)
llm_cache = Table(  # revision 0006: the model writer's answers (briefing.llm)
    "llm_cache", metadata, Column("content_hash", Text, primary_key=True), Column("model", Text, primary_key=True),
    Column("prompt_version", Text, primary_key=True), Column("answer", Text, nullable=False),
    Column("prompt_tokens", Integer, nullable=False, server_default="0"),
    Column("completion_tokens", Integer, nullable=False, server_default="0"),
    Column("created_at", Text, nullable=False),
)
pages = Table(  # revision 0005: article pages fetched for teaser entries (briefing.ingest.fulltext)
    "pages", metadata, Column("url", Text, primary_key=True),
    *(_text(name) for name in ("source", "origin", "article_id", "document", "teaser_hash", "status", "reason",
                               "text", "queued_at", "updated_at")),
    Column("attempts", Integer, nullable=False, server_default="0"),
)


def insert_ignoring(connection: Connection, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect (SQLite or PostgreSQL).

    Each dialect is imported when first used: a SQLite store never loads PostgreSQL's (30 ms).
    """
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing()
