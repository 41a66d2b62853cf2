"""The SQLite store: articles, sources, quarantine, editions and deliveries.

One file, WAL mode, schema versioned with ``PRAGMA user_version`` and migrated
on open; a store written by a newer briefing refuses to open. Articles are
keyed by a hash of their normalised content, so re-ingesting the same text
adds nothing (``INSERT OR IGNORE``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass, fields
from datetime import datetime
from pathlib import Path

from briefing.errors import StoreError
from briefing.models import Article, Sections

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,               -- 'folder' | 'feed'
        url TEXT NOT NULL DEFAULT '',
        etag TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        last_ok_at TEXT NOT NULL DEFAULT '',
        last_error TEXT NOT NULL DEFAULT '',
        last_error_at TEXT NOT NULL DEFAULT '',
        failures INTEGER NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,              -- hash of the normalised text
        source TEXT NOT NULL,
        origin TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        canonical_url TEXT NOT NULL DEFAULT '',
        guid TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        sections TEXT NOT NULL,           -- JSON of models.Sections
        published TEXT,                   -- ISO 8601 with offset, or NULL
        ingested TEXT NOT NULL
    );
    CREATE INDEX articles_ingested ON articles (ingested);
    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        article_id TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE quarantine (
        origin TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE editions (
        key TEXT PRIMARY KEY,             -- ISO week, e.g. 2026-W47
        status TEXT NOT NULL,             -- 'sending' | 'sent' | 'empty'
        created_at TEXT NOT NULL,
        sent_at TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT ''  -- the edition as JSON (build --json shape)
    );
    CREATE TABLE edition_articles (
        edition TEXT NOT NULL REFERENCES editions (key),
        article_id TEXT NOT NULL REFERENCES articles (id),
        PRIMARY KEY (edition, article_id)
    );
    CREATE TABLE deliveries (
        edition TEXT NOT NULL REFERENCES editions (key),
        recipient TEXT NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL,             -- 'pending' | 'sent' | 'failed'
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        UNIQUE (edition, recipient)
    );
    """,
    # 2: ingest deduplication. Every (source, origin) an article arrived from is
    # remembered with its URL and GUID; ``text_hash`` is the hash of the current
    # text (the id stays when a changed file brings a new version); band keys
    # are the MinHash LSH buckets used to find near-duplicate candidates.
    """
    ALTER TABLE articles ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    UPDATE articles SET text_hash = id;
    CREATE INDEX articles_text_hash ON articles (text_hash);
    CREATE TABLE article_sources (
        article_id TEXT NOT NULL REFERENCES articles (id),
        source TEXT NOT NULL,
        origin TEXT NOT NULL,             -- file path (#n inside a JSON list) or feed entry id
        url TEXT NOT NULL DEFAULT '',
        canonical_url TEXT NOT NULL DEFAULT '',
        guid TEXT NOT NULL DEFAULT '',
        matched_by TEXT NOT NULL,         -- 'new' | 'url' | 'guid' | 'text' | 'near'
        seen_at TEXT NOT NULL,
        PRIMARY KEY (source, origin)
    );
    CREATE INDEX article_sources_article ON article_sources (article_id);
    CREATE INDEX article_sources_url ON article_sources (canonical_url);
    CREATE INDEX article_sources_guid ON article_sources (guid);
    INSERT OR IGNORE INTO article_sources (article_id, source, origin, url, canonical_url, guid, matched_by, seen_at)
        SELECT id, source, origin, url, canonical_url, guid, 'new', ingested FROM articles;
    CREATE TABLE article_bands (
        key INTEGER NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles (id)
    );
    CREATE INDEX article_bands_key ON article_bands (key);
    CREATE INDEX article_bands_article ON article_bands (article_id);
    ALTER TABLE sources ADD COLUMN configured_url TEXT NOT NULL DEFAULT '';
    """,
    # 3: subscribers (briefing.subscribers). ``key`` is the lower-cased address, so
    # Reader@x and reader@x are one person; ``nonce`` belongs to the one
    # confirmation link still usable ('' when none); times are ISO 8601, '' for never.
    """
    CREATE TABLE subscribers (
        key TEXT PRIMARY KEY,
        address TEXT NOT NULL,
        status TEXT NOT NULL,             -- pending | active | unsubscribed | bounced
        source TEXT NOT NULL,             -- web, cli, import FILE, unsubscribe link
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        confirmed_at TEXT NOT NULL DEFAULT '',
        unsubscribed_at TEXT NOT NULL DEFAULT '',
        nonce TEXT NOT NULL DEFAULT '',
        confirm_sent_at TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX subscribers_status ON subscribers (status);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class SourceState:
    name: str
    kind: str
    url: str
    etag: str
    last_modified: str
    last_error: str
    last_error_at: str
    failures: int
    disabled: bool


@dataclass(frozen=True)
class QuarantineEntry:
    origin: str
    source: str
    reason: str
    at: str


@dataclass(frozen=True)
class EditionRow:
    key: str
    status: str
    created_at: str
    sent_at: str
    content: str


@dataclass(frozen=True)
class Subscriber:
    """One row of ``subscribers``; times are ISO 8601 strings, "" for never."""

    address: str
    status: str  # pending | active | unsubscribed | bounced
    source: str
    created_at: str
    updated_at: str
    confirmed_at: str = ""
    unsubscribed_at: str = ""
    nonce: str = ""  # of the one confirmation link still usable
    confirm_sent_at: str = ""


class Store:
    """A connection to one store. Use ``Store.open`` and close it when done."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) and migrate the store at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        store = cls(connection, path)
        store._migrate()
        return store

    def snapshot(self) -> Store:
        """An in-memory copy: a dry run works on it and leaves this store untouched."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        self.db.backup(memory)
        return Store(memory, None)

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: the store has schema version {version}, newer than this "
                f"briefing understands ({SCHEMA_VERSION}); upgrade briefing"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- articles -------------------------------------------------------

    def add_article(self, article: Article, *, origin: str, canonical_url: str = "", guid: str = "", text_hash: str = "") -> bool:
        """Insert ``article``; False when an article with its id is already stored."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO articles (id, source, origin, url, canonical_url, guid, title,"
            " text, sections, published, ingested, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.id, article.source, origin, article.url, canonical_url, guid,
                article.title, article.text, json.dumps(asdict(article.sections)),
                _iso(article.published), article.ingested.isoformat(), text_hash or article.id,
            ),
        )
        return cursor.rowcount == 1

    def article_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def articles(self, ids: Sequence[str]) -> list[Article]:
        """The articles with these ids, in the order given."""
        found: dict[str, Article] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                found[row[0]] = _article(row)
        return [found[i] for i in ids if i in found]

    def unpublished_article_ids(self) -> list[str]:
        """Articles not yet part of any edition, oldest first."""
        rows = self.db.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM edition_articles)"
            " ORDER BY ingested, id"
        )
        return [row[0] for row in rows]

    # --- files (incremental folder scans) ------------------------------

    def file_state(self, path: str) -> tuple[int, int] | None:
        row = self.db.execute("SELECT size, mtime_ns FROM files WHERE path = ?", (path,)).fetchone()
        return (row[0], row[1]) if row else None

    def remember_file(self, path: str, size: int, mtime_ns: int, article_id: str) -> None:
        self.db.execute(
            "INSERT INTO files (path, size, mtime_ns, article_id) VALUES (?,?,?,?)"
            " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
            " mtime_ns = excluded.mtime_ns, article_id = excluded.article_id",
            (path, size, mtime_ns, article_id),
        )

    def file_states(self) -> dict[str, tuple[int, int]]:
        """Every remembered file's (size, mtime_ns): one query for a whole folder scan."""
        return {row[0]: (row[1], row[2]) for row in self.db.execute("SELECT path, size, mtime_ns FROM files")}

    # --- article sources, versions and duplicates (ingest) ----------------

    def origin_article(self, source: str, origin: str) -> tuple[str, str, str] | None:
        """(article id, its text hash, how it matched) of what ``origin`` of ``source`` brought before."""
        row = self.db.execute(
            "SELECT a.id, a.text_hash, s.matched_by FROM article_sources s JOIN articles a ON a.id = s.article_id"
            " WHERE s.source = ? AND s.origin = ?", (source, origin),
        ).fetchone()
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    def article_with(self, column: str, value: str) -> str | None:
        """Id of an article one of whose sources has this canonical URL or GUID, or this text hash."""
        query = {
            "canonical_url": "SELECT article_id FROM article_sources WHERE canonical_url = ? LIMIT 1",
            "guid": "SELECT article_id FROM article_sources WHERE guid = ? LIMIT 1",
            "text_hash": "SELECT id FROM articles WHERE text_hash = ? LIMIT 1",
        }[column]
        row = self.db.execute(query, (value,)).fetchone()
        return str(row[0]) if row else None

    def article_exists(self, article_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def band_candidates(self, keys: Sequence[int]) -> list[tuple[str, str]]:
        """(id, text) of the articles sharing at least one LSH band key."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT id, text FROM articles WHERE id IN"
            f" (SELECT DISTINCT article_id FROM article_bands WHERE key IN ({marks}))", list(keys),
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    def set_bands(self, article_id: str, keys: Sequence[int]) -> None:
        self.db.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
        self.db.executemany("INSERT INTO article_bands (key, article_id) VALUES (?,?)", [(k, article_id) for k in keys])

    def add_article_source(self, article_id: str, source: str, origin: str, *, url: str, canonical_url: str,
                           guid: str, matched_by: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO article_sources (article_id, source, origin, url, canonical_url, guid, matched_by, seen_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, origin) DO UPDATE SET article_id = excluded.article_id,"
            " url = excluded.url, canonical_url = excluded.canonical_url, guid = excluded.guid,"
            " matched_by = excluded.matched_by, seen_at = excluded.seen_at",
            (article_id, source, origin, url, canonical_url, guid, matched_by, at.isoformat()),
        )

    def article_sources(self, article_id: str) -> list[tuple[str, str, str, str]]:
        """(source, origin, url, matched_by) of every arrival of the article, first first."""
        rows = self.db.execute(
            "SELECT source, origin, url, matched_by FROM article_sources WHERE article_id = ?"
            " ORDER BY seen_at, rowid", (article_id,),
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def replace_article(self, article: Article, *, text_hash: str) -> None:
        """Store a new version of ``article`` under its id (its file changed)."""
        self.db.execute(
            "UPDATE articles SET title = ?, text = ?, url = ?, sections = ?, published = ?,"
            " text_hash = ?, version = version + 1 WHERE id = ?",
            (article.title, article.text, article.url, json.dumps(asdict(article.sections)),
             _iso(article.published), text_hash, article.id),
        )

    def article_version(self, article_id: str) -> int:
        row = self.db.execute("SELECT version FROM articles WHERE id = ?", (article_id,)).fetchone()
        return int(row[0]) if row else 0

    def configure_feed(self, name: str, url: str) -> SourceState:
        """The feed's state; a URL changed in the settings starts it afresh (enabled, no validators).

        The stored ``url`` differs from the configured one after a 301; only a
        change of the configured URL itself resets it.
        """
        self.ensure_source(name, "feed", url)
        self.db.execute(
            "UPDATE sources SET url = ?, configured_url = ?, etag = '', last_modified = '', failures = 0,"
            " disabled = 0, last_error = '' WHERE name = ? AND configured_url != ?", (url, url, name, url),
        )
        state = self.source(name)
        assert state is not None
        return state

    # --- quarantine -------------------------------------------------------

    def quarantine(self, origin: str, source: str, reason: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO quarantine (origin, source, reason, at) VALUES (?,?,?,?)"
            " ON CONFLICT (origin) DO UPDATE SET reason = excluded.reason, at = excluded.at",
            (origin, source, reason, at.isoformat()),
        )

    def release(self, origin: str) -> None:
        """Forget a quarantined item (it was fixed and read successfully)."""
        self.db.execute("DELETE FROM quarantine WHERE origin = ?", (origin,))

    def quarantined(self) -> list[QuarantineEntry]:
        rows = self.db.execute("SELECT origin, source, reason, at FROM quarantine ORDER BY at, origin")
        return [QuarantineEntry(*row) for row in rows]

    # --- sources ----------------------------------------------------------

    def ensure_source(self, name: str, kind: str, url: str = "") -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO sources (name, kind, url) VALUES (?,?,?)", (name, kind, url)
        )

    def source(self, name: str) -> SourceState | None:
        row = self.db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE name = ?", (name,)).fetchone()
        return _source(row) if row else None

    def sources(self) -> list[SourceState]:
        rows = self.db.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY kind, name")
        return [_source(row) for row in rows]

    def source_ok(self, name: str, at: datetime, *, etag: str = "", last_modified: str = "", url: str = "") -> None:
        self.db.execute(
            "UPDATE sources SET last_ok_at = ?, failures = 0, last_error = '',"
            " etag = ?, last_modified = ?, url = CASE WHEN ? = '' THEN url ELSE ? END WHERE name = ?",
            (at.isoformat(), etag, last_modified, url, url, name),
        )

    def source_failed(self, name: str, error: str, at: datetime, *, disable: bool = False) -> None:
        self.db.execute(
            "UPDATE sources SET last_error = ?, last_error_at = ?, failures = failures + 1,"
            " disabled = MAX(disabled, ?) WHERE name = ?",
            (error, at.isoformat(), int(disable), name),
        )

    # --- editions and deliveries -----------------------------------------

    def edition(self, key: str) -> EditionRow | None:
        row = self.db.execute(
            "SELECT key, status, created_at, sent_at, content FROM editions WHERE key = ?", (key,)
        ).fetchone()
        return EditionRow(*row) if row else None

    def editions(self) -> list[EditionRow]:
        rows = self.db.execute(
            "SELECT key, status, created_at, sent_at, content FROM editions ORDER BY key DESC"
        )
        return [EditionRow(*row) for row in rows]

    def edition_article_ids(self, key: str) -> list[str]:
        rows = self.db.execute(
            "SELECT e.article_id FROM edition_articles e JOIN articles a ON a.id = e.article_id"
            " WHERE e.edition = ? ORDER BY a.ingested, a.id", (key,)
        )
        return [row[0] for row in rows]

    def claim_edition(self, key: str, article_ids: Sequence[str], content: str, at: datetime, status: str = "sending") -> bool:
        """Record the edition and its articles in one transaction; False if it exists."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO editions (key, status, created_at, content) VALUES (?,?,?,?)",
                (key, status, at.isoformat(), content),
            )
            if cursor.rowcount == 0:
                return False
            self.db.executemany(
                "INSERT OR IGNORE INTO edition_articles (edition, article_id) VALUES (?,?)",
                [(key, article_id) for article_id in article_ids],
            )
        return True

    def finish_edition(self, key: str, status: str, at: datetime) -> None:
        self.db.execute("UPDATE editions SET status = ?, sent_at = ? WHERE key = ?", (status, at.isoformat(), key))

    def delivery_status(self, edition: str) -> dict[str, str]:
        rows = self.db.execute("SELECT recipient, status FROM deliveries WHERE edition = ?", (edition,))
        return {row[0]: row[1] for row in rows}

    def record_delivery(self, edition: str, recipient: str, message_id: str, status: str, error: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO deliveries (edition, recipient, message_id, status, attempts, last_error, updated_at)"
            " VALUES (?,?,?,?,1,?,?) ON CONFLICT (edition, recipient) DO UPDATE SET"
            " status = excluded.status, attempts = attempts + 1, last_error = excluded.last_error,"
            " updated_at = excluded.updated_at",
            (edition, recipient, message_id, status, error, at.isoformat()),
        )

    def delivery_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM deliveries").fetchone()[0])

    # --- subscribers (briefing.subscribers holds the rules) -----------------

    def subscriber(self, address: str) -> Subscriber | None:
        """The row of ``address``, compared case-insensitively."""
        row = self.db.execute(f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE key = ?",
                              (address.lower(),)).fetchone()
        return Subscriber(*row) if row else None

    def subscribers(self, status: str = "") -> list[Subscriber]:
        """Every subscriber, or those with ``status``, oldest first."""
        where, args = (" WHERE status = ?", (status,)) if status else ("", ())
        rows = self.db.execute(f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers{where} ORDER BY created_at, key", args)
        return [Subscriber(*row) for row in rows]

    def put_subscriber(self, subscriber: Subscriber) -> None:
        """Insert the row, or replace the one with the same address (case-insensitively)."""
        values = (subscriber.address.lower(), *astuple(subscriber))
        updates = ", ".join(f"{name} = excluded.{name}" for name in _SUBSCRIBER_COLUMNS.split(", "))
        self.db.execute(
            f"INSERT INTO subscribers (key, {_SUBSCRIBER_COLUMNS}) VALUES ({','.join('?' * len(values))})"
            f" ON CONFLICT (key) DO UPDATE SET {updates}", values,
        )


_ARTICLE_COLUMNS = "id, source, title, text, url, published, ingested, sections"
_SOURCE_COLUMNS = "name, kind, url, etag, last_modified, last_error, last_error_at, failures, disabled"
_SUBSCRIBER_COLUMNS = ", ".join(f.name for f in fields(Subscriber))


def _article(row: tuple[object, ...]) -> Article:
    id_, source, title, text, url, published, ingested, sections = row
    parts = json.loads(str(sections))
    return Article(
        id=str(id_), source=str(source), title=str(title), text=str(text), url=str(url),
        published=datetime.fromisoformat(str(published)) if published else None,
        ingested=datetime.fromisoformat(str(ingested)),
        sections=Sections(title=parts["title"], **{k: tuple(v) for k, v in parts.items() if k != "title"}),
    )


def _source(row: tuple[object, ...]) -> SourceState:
    name, kind, url, etag, modified, error, error_at, failures, disabled = row
    return SourceState(
        str(name), str(kind), str(url), str(etag), str(modified), str(error), str(error_at),
        int(str(failures)), bool(disabled),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _statements(script: str) -> list[str]:
    """Split a migration into statements (no semicolons inside our DDL strings)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
