"""The store: migrations, idempotent ingest, a dry run's rehearsal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.errors import StoreError
from briefing.ingest import collect
from briefing.settings import Settings
from briefing.store import SCHEMA_VERSION, Store


def test_new_store_is_wal_and_at_the_current_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "var" / "b.db")
    assert store.database.raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.database.raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()


def test_store_from_a_newer_briefing_refuses_to_open(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    Store.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this briefing understands"):
        Store.open(path)


def test_reingesting_the_same_articles_adds_nothing(settings: Settings, clock: FixedClock) -> None:
    store = Store.open(settings.store.path)
    first = collect(settings, store, clock)
    assert first.added == 5
    assert store.article_count() == 5
    again = collect(settings, store, clock)
    assert again.added == 0 and store.article_count() == 5
    # Touch every file: re-read, but the same content is still the same articles.
    for path in settings.sources.folders[0].iterdir():
        path.write_bytes(path.read_bytes())
    touched = collect(settings, store, clock)
    assert touched.added == 0 and store.article_count() == 5
    store.close()


def test_snapshot_changes_never_reach_the_file(settings: Settings, clock: FixedClock) -> None:
    disk = Store.open(settings.store.path)
    snapshot = disk.rehearse()
    collect(settings, snapshot, clock)
    assert snapshot.article_count() == 5
    assert disk.article_count() == 0
    snapshot.close()
    disk.close()


def test_lookups_return_named_values(settings: Settings, clock: FixedClock) -> None:
    with Store.open(settings.store.path) as store:
        collect(settings, store, clock)
        article_id = store.unpublished_article_ids()[0]
        arrival = store.article_sources(article_id)[0]
        assert arrival.matched_by == "new" and arrival.source and arrival.origin
        match = store.origin_article(arrival.source, arrival.origin)
        assert match is not None and match.article_id == article_id and match.matched_by == "new"
        assert store.article_with_text_hash(match.text_hash) == article_id
        assert store.article_with_text_hash("0" * 16) is None
        assert store.article_with_guid("no such guid") is None
        assert store.origin_articles([(arrival.source, arrival.origin)])[(arrival.source, arrival.origin)] == match
