"""Revision 0007: a store made at 0006 (SQLite or PostgreSQL), with the sections ingest used to store, upgrades and builds the same edition.

The old store is made the way an older briefing left it: Alembic up to ``0006``
(``PRAGMA user_version`` 6 on SQLite), every row of a store that ingested the same
folders, and in ``articles.sections`` the JSON ingest wrote then
(``json.dumps(asdict(split_sections(text)))``). Opening it migrates it (batch mode
on SQLite); its build must equal the build of a store made at head.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Text, column, insert, inspect, select, table

from briefing.clock import FixedClock
from briefing.db import migrate, schema
from briefing.db.engine import make_engine, sqlite_file, store_url
from briefing.pipeline import Build, build
from briefing.settings import Settings, load_settings
from briefing.store import Store
from briefing.summarise.sections import split_sections
from tests.conftest import (
    FIXED_NOW,
    TEST_STORE_URL,
    ConfigMaker,
    postgresql_schema,
    project_sections,
    shared_path,
    write_config,
)

OLD = "0006"
FOLDERS = {"folders": ["seeds", "clusters"]}


@pytest.mark.parametrize("engine", [pytest.param("sqlite", marks=pytest.mark.sqlite_only), "postgresql"])
def test_a_store_made_at_0006_upgrades_and_builds_the_same_edition(
    engine: str, make_config: ConfigMaker, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    shutil.copytree(shared_path("data", "clusters-dev"), tmp_path / "clusters", ignore=shutil.ignore_patterns("*.json"))
    where = {"url": request.getfixturevalue("pg_url")} if engine == "postgresql" else {}
    old_settings = load_settings(make_config(sources=FOLDERS, store=where), env={})
    new_settings = load_settings(write_config(tmp_path / "new.toml", project_sections(
        sources=FOLDERS, store={"path": "var/new.db", "url": postgresql_schema(tmp_path / "new") if TEST_STORE_URL else ""},
        output={"dir": "out-new"})), env={})
    clock = FixedClock(FIXED_NOW)
    with Store.open_settings(new_settings.store) as store:
        fresh = build(new_settings, store, clock, fetch_feeds=False)
        rows = {name: [dict(r._mapping) for r in store.database.connection.execute(select(t))]
                for name, t in schema.metadata.tables.items()}
    assert len(rows["articles"]) >= 30 and len(fresh.briefing.stories) >= 2 and fresh.briefing.also  # seeds, five events
    _make_old_store(old_settings, rows)

    with Store.open_settings(old_settings.store) as store:
        connection = store.database.connection
        assert store.database.run("SELECT version_num FROM alembic_version").scalar_one() == migrate.head()
        assert "sections" not in {c["name"] for c in inspect(connection).get_columns("articles")}
        assert {i["name"] for i in inspect(connection).get_indexes("articles")} >= {"articles_text_hash"}
        assert connection.dialect.name == engine
        if engine == "sqlite":
            assert store.database.raw.execute("PRAGMA user_version").fetchone()[0] == len(migrate.revisions())
        assert sorted(tuple(r.values()) for r in _rows(store, "articles")) == sorted(
            tuple(r.values()) for r in rows["articles"])
        upgraded = build(old_settings, store, clock, fetch_feeds=False)
    assert (upgraded.ingest.added, upgraded.ingest.updated, upgraded.ingest.duplicates) == (0, 0, 0)  # all stored already
    _assert_same_build(upgraded, fresh, old_settings, new_settings)


def _make_old_store(settings: Settings, rows: dict[str, list[dict[str, object]]]) -> None:
    """The store at ``OLD`` holding ``rows``, with each article's sections stored as 0006 did."""
    url = store_url(settings.store.url, settings.store.path)
    if (file := sqlite_file(url)) is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            command.upgrade(migrate._config(connection), OLD)
            assert "sections" in {c["name"] for c in inspect(connection).get_columns("articles")}
            for name, found in rows.items():
                if not found:
                    continue
                columns = [column(c.name, c.type) for c in schema.metadata.tables[name].columns]
                if name == "articles":
                    columns.append(column("sections", Text()))
                    found = [{**r, "sections": json.dumps(asdict(split_sections(str(r["text"]))))} for r in found]
                connection.execute(insert(table(name, *columns)), found)
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA user_version = {migrate.revisions().index(OLD) + 1}")
            connection.exec_driver_sql("COMMIT")
    finally:
        engine.dispose()


def _rows(store: Store, name: str) -> list[dict[str, object]]:
    return [dict(r._mapping) for r in store.database.connection.execute(select(schema.metadata.tables[name]))]


def _assert_same_build(upgraded: Build, fresh: Build, old: Settings, new: Settings) -> None:
    assert upgraded.briefing == fresh.briefing
    assert upgraded.email == fresh.email
    old_files = {p.relative_to(old.output.dir): p.read_bytes() for p in old.output.dir.rglob("*") if p.is_file()}
    new_files = {p.relative_to(new.output.dir): p.read_bytes() for p in new.output.dir.rglob("*") if p.is_file()}
    assert old_files == new_files and len(old_files) > 10
