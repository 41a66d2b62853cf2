"""Schema migrations (Alembic), the version check on start, ``briefing migrate`` and ``store.url``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from briefing.cli import cli
from briefing.db import migrate
from briefing.db.engine import make_engine, store_url
from briefing.errors import ConfigError, StoreError
from briefing.settings import load_settings
from briefing.store import SCHEMA_VERSION, Store
from tests.conftest import ConfigMaker

# The store as the last briefing before Alembic made it (PRAGMA user_version 3), one row in.
LEGACY = """
CREATE TABLE sources (name TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '', last_modified TEXT NOT NULL DEFAULT '', last_ok_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '', last_error_at TEXT NOT NULL DEFAULT '', failures INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0, configured_url TEXT NOT NULL DEFAULT '');
CREATE TABLE articles (id TEXT PRIMARY KEY, source TEXT NOT NULL, origin TEXT NOT NULL, url TEXT NOT NULL DEFAULT '',
  canonical_url TEXT NOT NULL DEFAULT '', guid TEXT NOT NULL DEFAULT '', title TEXT NOT NULL, text TEXT NOT NULL,
  sections TEXT NOT NULL, published TEXT, ingested TEXT NOT NULL, text_hash TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE editions (key TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL,
  sent_at TEXT NOT NULL DEFAULT '', content TEXT NOT NULL DEFAULT '');
INSERT INTO sources (name, kind) VALUES ('seeds', 'folder');
PRAGMA user_version = 3;
"""


def test_a_store_from_before_alembic_is_stamped_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY)
    store = Store.open(path)
    try:
        assert [s.name for s in store.sources()] == ["seeds"]  # the data is kept
        revision = store.database.run("SELECT version_num FROM alembic_version").scalar_one()
        assert revision == migrate.head() and store.database.raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.database.run("SELECT count(*) FROM send_claims").scalar_one() == 0  # 0004 applied
    finally:
        store.close()


def _sqlite_schema(path: Path) -> tuple[list[tuple[str, str, str, str | None]], int, list[tuple[str]]]:
    with sqlite3.connect(path) as db:
        return (sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")),
                db.execute("PRAGMA user_version").fetchone()[0], db.execute("SELECT * FROM alembic_version").fetchall())


def test_a_new_sqlite_store_gets_exactly_the_schema_the_revisions_make(tmp_path: Path) -> None:
    """``migrations/head-sqlite.sql`` (a new file's schema, without Alembic) is what every revision leaves."""
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'revisions.db'}"))
    try:
        with engine.connect() as connection:
            assert migrate.upgrade(connection, "revisions", use_head_sql=False) == (None, migrate.head())
            written = migrate.head_sql(connection)
    finally:
        engine.dispose()
    assert migrate.HEAD_SQLITE.read_text(encoding="utf-8") == written, \
        "migrations/head-sqlite.sql is out of date: run python -m briefing.db.migrate --write-head-sql"
    Store.open(tmp_path / "head.db").close()
    made, by_revisions = _sqlite_schema(tmp_path / "head.db"), _sqlite_schema(tmp_path / "revisions.db")
    assert made == by_revisions
    assert made[1] == SCHEMA_VERSION and made[2] == [(migrate.head(),)]


def test_a_head_file_of_an_older_revision_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A revision added without writing the file again: a new store still gets every revision."""
    stale = tmp_path / "head-sqlite.sql"
    stale.write_text("-- revision 0001\nCREATE TABLE wrong (x TEXT)\n", encoding="utf-8")
    monkeypatch.setattr(migrate, "HEAD_SQLITE", stale)
    Store.open(tmp_path / "b.db").close()
    tables = {row[1] for row in _sqlite_schema(tmp_path / "b.db")[0]}
    assert "wrong" not in tables and "pages" in tables


def test_migrate_command_reports_and_check_fails_on_an_old_store(make_config: ConfigMaker, tmp_path: Path) -> None:
    config = make_config(store={"path": "var/fresh.db", "url": ""})  # SQLite in both runs
    runner = CliRunner()
    (tmp_path / "var").mkdir()
    with sqlite3.connect(tmp_path / "var" / "fresh.db") as db:
        db.executescript(LEGACY)
    check = runner.invoke(cli, ["--config", str(config), "migrate", "--check"])
    assert check.exit_code == 1 and "store schema 0003; this briefing needs" in check.output
    done = runner.invoke(cli, ["--config", str(config), "migrate"])
    assert done.exit_code == 0 and f"store schema: {migrate.head()} (was 0003)" in done.output
    again = runner.invoke(cli, ["--config", str(config), "migrate", "--check"])
    assert again.exit_code == 0 and f"store schema: {migrate.head()}" in again.output


def test_a_postgresql_store_newer_than_briefing_refuses(pg_url: str, tmp_path: Path) -> None:
    Store.open(tmp_path / "unused.db", url=pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="schema revision 9999, newer than this briefing understands"):
        Store.open(tmp_path / "unused.db", url=pg_url)


def test_store_url_takes_its_password_from_the_environment(make_config: ConfigMaker, tmp_path: Path) -> None:
    url = "postgresql://briefing@db.example.org/briefing"
    assert store_url(url, tmp_path, {"BRIEFING_STORE_PASSWORD": "s3cret"}).password == "s3cret"
    assert store_url("postgresql://briefing:${DB_PW}@db/b", tmp_path, {"DB_PW": "p@ss"}).password == "p@ss"
    with pytest.raises(StoreError, match="names env DB_PW, which is not set"):
        store_url("postgresql://briefing:${DB_PW}@db/b", tmp_path, {})
    with pytest.raises(ConfigError, match="password must not be written in the settings file"):
        load_settings(make_config(store={"url": "postgresql://briefing:hunter2@db/b"}), env={})
    relative = load_settings(make_config(store={"url": "sqlite:///var/x.db"}), env={})
    assert relative.store.url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"


def test_the_band_index_is_written_unchecked_on_postgresql_as_on_sqlite(pg_url: str, tmp_path: Path) -> None:
    """Revision 0008: PostgreSQL's ``article_bands`` keeps no foreign key (SQLite never enforced one)."""
    Store.open(tmp_path / "unused.db", url=pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        keys = connection.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'article_bands'::regclass"
                                  " AND contype = 'f'").fetchall()
        kept = connection.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()
    assert keys == [] and kept is not None and kept[0] >= 1  # the other tables keep theirs
    with Store.open(tmp_path / "b.db") as store:
        assert store.database.raw.execute("PRAGMA foreign_keys").fetchone()[0] == 0
