"""The store's tables as SQLAlchemy Core objects, for building statements on both engines.

This is the shape the newest migration leaves (``briefing/db/migrations``);
migrations never import it (each one is frozen as written). Uniqueness lives in
the database: ``articles.id`` (the content hash), ``article_sources``
(source, origin) with the canonical URL beside it, ``deliveries`` (edition,
recipient), so inserts are idempotent and concurrent writers never duplicate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text
from sqlalchemy.dialects import postgresql, sqlite
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
    Column("sections", Text, nullable=False), Column("published", Text), Column("ingested", Text, nullable=False),
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
send_claims = Table(
    "send_claims", metadata, Column("edition", Text, primary_key=True), Column("recipient", Text, primary_key=True),
)


def insert_ignoring(connection: Connection, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the connection's dialect (SQLite or PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
