"""The store: articles, sources, quarantine, editions, deliveries and subscribers.

SQLite (one file, WAL mode: the embedded default) or PostgreSQL (several
watchers and senders on several machines), through one implementation over
SQLAlchemy Core (``briefing.db``). The schema is migrated with Alembic on open
when due (and by ``briefing migrate``; a store at head is opened without a write
transaction); a store written by a newer briefing refuses to
open. Articles are keyed by a hash of their normalised content, and the
database enforces every uniqueness, so re-ingesting the same text adds nothing
(``INSERT ... ON CONFLICT DO NOTHING``) even from concurrent processes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

from briefing.db import migrate, schema
from briefing.db.database import Database
from briefing.db.engine import sqlite_file, store_url
from briefing.errors import StoreError
from briefing.models import FINAL_DELIVERY, Article, DeliveryStatus, EditionStatus, SubscriberStatus

if TYPE_CHECKING:
    from briefing.settings import StoreSettings

# The schema lives in Alembic migrations (briefing/db/migrations/versions): a new
# table or column is a new revision there. SQLite stores keep PRAGMA user_version
# equal to the number of revisions applied (what it counted before Alembic).
SCHEMA_VERSION = len(migrate.revisions())
T = TypeVar("T")


class OriginMatch(NamedTuple):
    """What one origin (file or feed entry) of a source brought before."""

    article_id: str
    text_hash: str
    matched_by: str  # new | url | guid | text | near


class PageRow(NamedTuple):
    """What the page queue holds for one URL (``briefing.ingest.fulltext``)."""

    status: str  # pending | done | failed
    text: str  # the extracted article, once done
    teaser_hash: str  # article_id of the teaser it was queued for
    source: str


class Arrival(NamedTuple):
    """One arrival of an article: the source and origin it came from, and how it was matched."""

    source: str
    origin: str
    url: str
    matched_by: str


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
    status: EditionStatus
    created_at: str
    sent_at: str
    content: str


@dataclass(frozen=True)
class Subscriber:
    """One row of ``subscribers``; times are ISO 8601 strings, "" for never."""

    address: str
    status: SubscriberStatus
    source: str
    created_at: str
    updated_at: str
    confirmed_at: str = ""
    unsubscribed_at: str = ""
    nonce: str = ""  # of the one confirmation link still usable
    confirm_sent_at: str = ""


class Store:
    """A connection to one store. Use ``Store.open`` and close it when done.

    The SQL is written once for both engines (``briefing.db.database``): ``?``
    placeholders, ``ON CONFLICT``, nothing engine-specific.
    """

    def __init__(self, database: Database, path: Path | None) -> None:
        self.database = database
        self.path = path

    @classmethod
    def open(cls, path: Path, *, url: str = "", migrate: bool = True) -> Store:
        """Open (creating if needed) and migrate the store: the SQLite file ``path``, or ``url``.

        ``migrate=False`` only checks the schema (``briefing migrate`` applies it).
        """
        target = store_url(url, path)
        file = sqlite_file(target)
        if file is not None:
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{file}: cannot open the store: {exc}") from None
        return cls(Database.open(target, migrate_to_head=migrate), file)

    @classmethod
    def open_settings(cls, settings: StoreSettings) -> Store:
        """The store named by ``store.url`` (or the SQLite file ``store.path``)."""
        return cls.open(settings.path, url=settings.url)

    @property
    def postgresql(self) -> bool:
        return self.database.postgresql

    def sibling(self) -> Store:
        """Another connection to this store's database, at its revision (a send's extra SMTP connections)."""
        return Store(Database.open(self.database.engine.url, migrate_to_head=False), self.path)

    def rehearse(self) -> Store:
        """A copy for a dry run: whatever it writes never reaches this store (``Database.rehearse``)."""
        return Store(self.database.rehearse(), None)

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN (IMMEDIATE on SQLite) ... COMMIT, rolled back on any exception; nested: a savepoint."""
        with self.database.transaction():
            yield

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.database.run(sql, params)

    # --- articles -------------------------------------------------------

    def add_article(self, article: Article, *, origin: str, canonical_url: str = "", guid: str = "", text_hash: str = "") -> bool:
        """Insert ``article``; False when an article with its id is already stored."""
        row = article_row(article, origin=origin, canonical_url=canonical_url, guid=guid, text_hash=text_hash)
        return self.database.insert_ignoring(schema.articles, [row]) == 1  # a content id or URL stored: False

    def article_count(self) -> int:
        return int(self._run("SELECT count(*) FROM articles").fetchone()[0])

    def articles(self, ids: Sequence[str]) -> list[Article]:
        """The articles with these ids, in the order given."""
        found: dict[str, Article] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for row in self._run(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                found[row[0]] = _article(row)
        return [found[i] for i in ids if i in found]

    def unpublished_article_ids(self) -> list[str]:
        """Articles not yet part of any edition, oldest first."""
        rows = self._run(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM edition_articles)"
            " ORDER BY ingested, id"
        )
        return [row[0] for row in rows]

    # --- files (incremental folder scans) ------------------------------

    def remember_file(self, path: str, size: int, mtime_ns: int, article_id: str) -> None:
        self._run(
            "INSERT INTO files (path, size, mtime_ns, article_id) VALUES (?,?,?,?)"
            " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
            " mtime_ns = excluded.mtime_ns, article_id = excluded.article_id",
            (path, size, mtime_ns, article_id),
        )

    def file_states(self) -> dict[str, tuple[int, int]]:
        """Every remembered file's (size, mtime_ns): one query for a whole folder scan."""
        return {row[0]: (row[1], row[2]) for row in self._run("SELECT path, size, mtime_ns FROM files")}

    # --- article sources, versions and duplicates (ingest) ----------------

    def origin_article(self, source: str, origin: str) -> OriginMatch | None:
        """The article ``origin`` of ``source`` brought before, its text hash and how it matched."""
        row = self._run(
            "SELECT a.id, a.text_hash, s.matched_by FROM article_sources s JOIN articles a ON a.id = s.article_id"
            " WHERE s.source = ? AND s.origin = ?", (source, origin),
        ).fetchone()
        return OriginMatch(str(row[0]), str(row[1]), str(row[2])) if row else None

    def article_with_canonical_url(self, url: str) -> str | None:
        """Id of an article one of whose sources has this canonical URL."""
        return self._first("SELECT article_id FROM article_sources WHERE canonical_url = ? LIMIT 1", url)

    def article_with_guid(self, guid: str) -> str | None:
        """Id of an article one of whose sources has this GUID."""
        return self._first("SELECT article_id FROM article_sources WHERE guid = ? LIMIT 1", guid)

    def article_with_text_hash(self, text_hash: str) -> str | None:
        """Id of an article whose normalised text has this hash."""
        return self._first("SELECT id FROM articles WHERE text_hash = ? LIMIT 1", text_hash)

    def _first(self, query: str, value: str) -> str | None:
        row = self._run(query, (value,)).fetchone()
        return str(row[0]) if row else None

    def article_exists(self, article_id: str) -> bool:
        return self._run("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def band_candidates(self, keys: Sequence[int]) -> list[tuple[str, str]]:
        """(id, text) of the articles sharing at least one LSH band key."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self._run(
            f"SELECT id, text FROM articles WHERE id IN"
            f" (SELECT DISTINCT article_id FROM article_bands WHERE key IN ({marks}))", list(keys),
        )
        return [(str(row[0]), str(row[1])) for row in rows]

    def set_bands(self, article_id: str, keys: Sequence[int]) -> None:
        self._run("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
        self.database.run_many("INSERT INTO article_bands (key, article_id) VALUES (?,?)", [(k, article_id) for k in keys])

    def add_article_source(self, article_id: str, source: str, origin: str, *, url: str, canonical_url: str,
                           guid: str, matched_by: str, at: datetime) -> None:
        self._run(
            "INSERT INTO article_sources (article_id, source, origin, url, canonical_url, guid, matched_by, seen_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, origin) DO UPDATE SET article_id = excluded.article_id,"
            " url = excluded.url, canonical_url = excluded.canonical_url, guid = excluded.guid,"
            " matched_by = excluded.matched_by, seen_at = excluded.seen_at",
            (article_id, source, origin, url, canonical_url, guid, matched_by, at.isoformat()),
        )

    def article_sources(self, article_id: str) -> list[Arrival]:
        """Every arrival of the article, first first."""
        arrival = "seq" if self.postgresql else "rowid"  # PostgreSQL has no rowid: revision 0004
        rows = self._run(
            "SELECT source, origin, url, matched_by FROM article_sources WHERE article_id = ?"
            f" ORDER BY seen_at, {arrival}", (article_id,),
        )
        return [Arrival(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def replace_article(self, article: Article, *, text_hash: str) -> None:
        """Store a new version of ``article`` under its id (its file changed)."""
        self._run(
            "UPDATE articles SET title = ?, text = ?, url = ?, published = ?,"
            " text_hash = ?, version = version + 1 WHERE id = ?",
            (article.title, article.text, article.url, _iso(article.published), text_hash, article.id),
        )

    # --- the same, a batch at a time (briefing.ingest.record.record_all) ----
    # One query per batch for each kind of lookup and one multi-row statement per
    # kind of write, instead of about ten round trips per article.

    def _where_in(self, column: str, values: Sequence[Any], cast: str = "text") -> Iterator[tuple[str, list[Any]]]:
        """(condition, parameters) per chunk of ``values``: ``column IN (?,?,...)`` on SQLite,
        ``column = ANY(?::cast[])`` on PostgreSQL (one array: psycopg re-parses a statement of
        many placeholders every time, and the server plans each length anew)."""
        distinct = sorted(set(values))
        if self.postgresql:
            for chunk in _chunks(distinct, 10 * _CHUNK):
                yield f"{column} = ANY(?::{cast}[])", [chunk]
            return
        for chunk in _chunks(distinct, _CHUNK):
            yield f"{column} IN ({_marks(chunk)})", chunk

    def origin_articles(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], OriginMatch]:
        """``origin_article`` for many (source, origin) pairs at once."""
        wanted, found = set(pairs), {}
        for condition, params in self._where_in("s.origin", [origin for _, origin in wanted]):
            rows = self._run(
                "SELECT s.source, s.origin, a.id, a.text_hash, s.matched_by FROM article_sources s"
                f" JOIN articles a ON a.id = s.article_id WHERE {condition}", params,
            )
            for source, origin, id_, text_hash, matched_by in rows:
                if (source, origin) in wanted:
                    found[(str(source), str(origin))] = OriginMatch(str(id_), str(text_hash), str(matched_by))
        return found

    def page_rows(self, urls: Sequence[str]) -> dict[str, PageRow]:
        """The queued pages (table ``pages``) among ``urls``, by URL, in one query per chunk."""
        found = {}
        for condition, params in self._where_in("url", [url for url in urls if url]):
            for url, status, text, teaser_hash, source in self._run(
                    f"SELECT url, status, text, teaser_hash, source FROM pages WHERE {condition}", params):
                found[str(url)] = PageRow(str(status), str(text or ""), str(teaser_hash), str(source))
        return found

    def articles_with_canonical_urls(self, urls: Sequence[str]) -> dict[str, str]:
        """``article_with_canonical_url`` for many: URL -> an article id (the first stored)."""
        return self._sources_with("canonical_url", urls)

    def articles_with_guids(self, guids: Sequence[str]) -> dict[str, str]:
        """``article_with_guid`` for many: GUID -> an article id (the first stored)."""
        return self._sources_with("guid", guids)

    def _sources_with(self, column: Literal["canonical_url", "guid"], values: Sequence[str]) -> dict[str, str]:
        arrival = "seq" if self.postgresql else "rowid"
        found: dict[str, str] = {}
        for condition, params in self._where_in(column, values):
            rows = self._run(f"SELECT {column}, article_id FROM article_sources WHERE {condition} ORDER BY {arrival}",
                             params)
            for value, id_ in rows:
                found.setdefault(str(value), str(id_))
        return found

    def hashes_and_ids(self, values: Sequence[str]) -> tuple[dict[str, str], set[str]]:
        """For text hashes (which are also the ids new articles would get): hash -> an article
        with that text hash (the least id), and which of them are already article ids."""
        by_hash: dict[str, str] = {}
        ids: set[str] = set()
        wanted = set(values)
        for condition, params in self._where_in("text_hash", values):
            as_ids = "id" + condition.removeprefix("text_hash")  # the same values, as ids
            rows = self._run(f"SELECT id, text_hash FROM articles WHERE {condition} OR {as_ids} ORDER BY id",
                             [*params, *params])
            for id_, text_hash in rows:
                if text_hash in wanted:
                    by_hash.setdefault(str(text_hash), str(id_))
                if id_ in wanted:
                    ids.add(str(id_))
        return by_hash, ids

    def band_members(self, keys: Sequence[int]) -> dict[int, set[str]]:
        """Band key -> the ids of the articles that have it."""
        members: dict[int, set[str]] = {}
        for condition, params in self._where_in("key", keys, cast="bigint"):
            for key, id_ in self._run(f"SELECT key, article_id FROM article_bands WHERE {condition}", params):
                members.setdefault(int(key), set()).add(str(id_))
        return members

    def article_texts(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for condition, params in self._where_in("id", ids):
            for id_, text in self._run(f"SELECT id, text FROM articles WHERE {condition}", params):
                found[str(id_)] = str(text)
        return found

    def add_articles(self, rows: Sequence[dict[str, Any]]) -> int:
        """``add_article`` for many rows (``article_row``): how many were new."""
        if not rows:
            return 0
        return self.database.insert_rows(schema.articles, list(rows[0]), [tuple(r.values()) for r in rows], ignore=True)

    def drop_bands(self, article_ids: Sequence[str]) -> None:
        for condition, params in self._where_in("article_id", article_ids):
            self._run(f"DELETE FROM article_bands WHERE {condition}", params)

    def add_bands(self, pairs: Sequence[tuple[int, str]]) -> None:
        """(band key, article id) rows, in multi-row inserts (the ids' old bands dropped first)."""
        self.database.insert_rows(schema.article_bands, ("key", "article_id"), pairs)

    def add_article_sources(self, rows: Sequence[dict[str, str]]) -> None:
        """``add_article_source`` for many rows, (source, origin) unique among them."""
        if rows:
            self.database.insert_rows(schema.article_sources, list(rows[0]), [tuple(r.values()) for r in rows],
                                      update=("source", "origin"))

    def remember_files(self, rows: Sequence[tuple[str, int, int, str]]) -> None:
        """``remember_file`` for many (path, size, mtime_ns, article id), paths unique among them."""
        self.database.insert_rows(schema.files, ("path", "size", "mtime_ns", "article_id"), rows, update=("path",))

    def quarantined_origins(self) -> set[str]:
        return {str(row[0]) for row in self._run("SELECT origin FROM quarantine")}

    def release_all(self, origins: Sequence[str]) -> None:
        for condition, params in self._where_in("origin", origins):
            self._run(f"DELETE FROM quarantine WHERE {condition}", params)

    def configure_feed(self, name: str, url: str) -> SourceState:
        """The feed's state; a URL changed in the settings starts it afresh (enabled, no validators).

        The stored ``url`` differs from the configured one after a 301; only a
        change of the configured URL itself resets it.
        """
        self.ensure_source(name, "feed", url)
        self._run(
            "UPDATE sources SET url = ?, configured_url = ?, etag = '', last_modified = '', failures = 0,"
            " disabled = 0, last_error = '' WHERE name = ? AND configured_url != ?", (url, url, name, url),
        )
        state = self.source(name)
        assert state is not None
        return state

    # --- quarantine -------------------------------------------------------

    def quarantine(self, origin: str, source: str, reason: str, at: datetime) -> None:
        self._run(
            "INSERT INTO quarantine (origin, source, reason, at) VALUES (?,?,?,?)"
            " ON CONFLICT (origin) DO UPDATE SET reason = excluded.reason, at = excluded.at",
            (origin, source, reason, at.isoformat()),
        )

    def release(self, origin: str) -> None:
        """Forget a quarantined item (it was fixed and read successfully)."""
        self._run("DELETE FROM quarantine WHERE origin = ?", (origin,))

    def quarantined(self) -> list[QuarantineEntry]:
        rows = self._run("SELECT origin, source, reason, at FROM quarantine ORDER BY at, origin")
        return [QuarantineEntry(*row) for row in rows]

    # --- sources ----------------------------------------------------------

    def ensure_source(self, name: str, kind: str, url: str = "") -> None:
        self.database.insert_ignoring(schema.sources, [{"name": name, "kind": kind, "url": url}])

    def source(self, name: str) -> SourceState | None:
        row = self._run(f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE name = ?", (name,)).fetchone()
        return _source(row) if row else None

    def sources(self) -> list[SourceState]:
        rows = self._run(f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY kind, name")
        return [_source(row) for row in rows]

    def source_ok(self, name: str, at: datetime, *, etag: str = "", last_modified: str = "", url: str = "") -> None:
        self._run(
            "UPDATE sources SET last_ok_at = ?, failures = 0, last_error = '',"
            " etag = ?, last_modified = ?, url = CASE WHEN ? = '' THEN url ELSE ? END WHERE name = ?",
            (at.isoformat(), etag, last_modified, url, url, name),
        )

    def source_failed(self, name: str, error: str, at: datetime, *, disable: bool = False) -> None:
        self._run(
            "UPDATE sources SET last_error = ?, last_error_at = ?, failures = failures + 1,"
            " disabled = CASE WHEN ? = 1 THEN 1 ELSE disabled END WHERE name = ?",
            (error, at.isoformat(), int(disable), name),
        )

    # --- editions and deliveries -----------------------------------------

    def edition(self, key: str) -> EditionRow | None:
        row = self._run(
            "SELECT key, status, created_at, sent_at, content FROM editions WHERE key = ?", (key,)
        ).fetchone()
        return EditionRow(*row) if row else None

    def editions(self) -> list[EditionRow]:
        rows = self._run(
            "SELECT key, status, created_at, sent_at, content FROM editions ORDER BY key DESC"
        )
        return [EditionRow(*row) for row in rows]

    def edition_article_ids(self, key: str) -> list[str]:
        rows = self._run(
            "SELECT e.article_id FROM edition_articles e JOIN articles a ON a.id = e.article_id"
            " WHERE e.edition = ? ORDER BY a.ingested, a.id", (key,)
        )
        return [row[0] for row in rows]

    def claim_edition(self, key: str, article_ids: Sequence[str], content: str, at: datetime,
                      status: EditionStatus = "sending") -> bool:
        """Record the edition and its articles in one transaction; False if it exists."""
        with self.transaction():
            row = {"key": key, "status": status, "created_at": at.isoformat(), "content": content}
            if self.database.insert_ignoring(schema.editions, [row]) == 0:
                return False
            self.database.insert_ignoring(
                schema.edition_articles, [{"edition": key, "article_id": article_id} for article_id in article_ids],
            )
        return True

    def finish_edition(self, key: str, status: EditionStatus, at: datetime) -> None:
        self._run("UPDATE editions SET status = ?, sent_at = ? WHERE key = ?", (status, at.isoformat(), key))

    def delivery_status(self, edition: str) -> dict[str, str]:
        rows = self._run("SELECT recipient, status FROM deliveries WHERE edition = ?", (edition,))
        return {row[0]: row[1] for row in rows}

    def record_delivery(self, edition: str, recipient: str, message_id: str, status: DeliveryStatus, error: str,
                        at: datetime) -> None:
        self._run(
            "INSERT INTO deliveries (edition, recipient, message_id, status, attempts, last_error, updated_at)"
            " VALUES (?,?,?,?,1,?,?) ON CONFLICT (edition, recipient) DO UPDATE SET"
            " status = excluded.status, attempts = deliveries.attempts + 1, last_error = excluded.last_error,"
            " updated_at = excluded.updated_at",
            (edition, recipient, message_id, status, error, at.isoformat()),
        )

    @contextmanager
    def claim_recipient(self, edition: str, recipient: str) -> Iterator[bool]:
        """Whether this process may mail ``recipient`` now; its delivery is recorded inside.

        PostgreSQL, where several senders share an edition: the recipient's
        ``send_claims`` row is locked ``FOR UPDATE SKIP LOCKED`` in a
        transaction held while it is mailed and recorded, so another sender
        skips it; a sender that dies releases it (the transaction ends with
        its connection). A recipient another sender finished meanwhile is not
        claimed. SQLite has one sender at a time (a file lock): every
        recipient is this one's and each record commits on its own, as before.
        """
        if not self.postgresql or self.database.rehearsal:
            yield True
            return
        self.database.insert_ignoring(schema.send_claims, [{"edition": edition, "recipient": recipient}])
        with self.transaction():
            locked = self._run(
                "SELECT 1 FROM send_claims WHERE edition = ? AND recipient = ? FOR UPDATE SKIP LOCKED",
                (edition, recipient),
            ).fetchone()
            status = self._run(
                "SELECT status FROM deliveries WHERE edition = ? AND recipient = ?", (edition, recipient)
            ).fetchone()
            yield locked is not None and (status is None or status[0] not in FINAL_DELIVERY)

    # --- subscribers (briefing.subscribers holds the rules) -----------------

    def subscriber(self, address: str) -> Subscriber | None:
        """The row of ``address``, compared case-insensitively."""
        row = self._run(f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE key = ?",
                              (address.lower(),)).fetchone()
        return Subscriber(*row) if row else None

    def subscribers(self, status: SubscriberStatus | None = None) -> list[Subscriber]:
        """Every subscriber, or those with ``status``, oldest first."""
        where, args = (" WHERE status = ?", (status,)) if status else ("", ())
        rows = self._run(f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers{where} ORDER BY created_at, key", args)
        return [Subscriber(*row) for row in rows]

    def put_subscriber(self, subscriber: Subscriber) -> None:
        """Insert the row, or replace the one with the same address (case-insensitively)."""
        values = (subscriber.address.lower(), *astuple(subscriber))
        updates = ", ".join(f"{name} = excluded.{name}" for name in _SUBSCRIBER_COLUMNS.split(", "))
        self._run(
            f"INSERT INTO subscribers (key, {_SUBSCRIBER_COLUMNS}) VALUES ({','.join('?' * len(values))})"
            f" ON CONFLICT (key) DO UPDATE SET {updates}", values,
        )

    # --- the model writer's cache (briefing.llm) ---------------------------

    def cached_answer(self, content_hash: str, model: str, prompt_version: str) -> CachedAnswer | None:
        """The answer stored for this story content, model and prompt version, if any."""
        row = self._run(
            "SELECT answer, prompt_tokens, completion_tokens FROM llm_cache"
            " WHERE content_hash = ? AND model = ? AND prompt_version = ?", (content_hash, model, prompt_version),
        ).fetchone()
        return CachedAnswer(str(row[0]), int(row[1]), int(row[2])) if row else None

    def cache_answer(self, content_hash: str, model: str, prompt_version: str, answer: CachedAnswer,
                     at: datetime) -> None:
        """Keep ``answer``; the first one stored for a key stays (a concurrent build's is the same question's)."""
        self.database.insert_ignoring(schema.llm_cache, [{
            "content_hash": content_hash, "model": model, "prompt_version": prompt_version,
            "answer": answer.text, "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens, "created_at": at.isoformat(),
        }])

    def cached_answer_count(self) -> int:
        return int(self._run("SELECT count(*) FROM llm_cache").fetchone()[0])


@dataclass(frozen=True)
class CachedAnswer:
    """A model's answer as it came, with the tokens it cost when it was asked for."""

    text: str
    prompt_tokens: int
    completion_tokens: int


def article_row(article: Article, *, origin: str, canonical_url: str = "", guid: str = "",
                text_hash: str = "") -> dict[str, Any]:
    """The ``articles`` row of ``article``."""
    return {
        "id": article.id, "source": article.source, "origin": origin, "url": article.url,
        "canonical_url": canonical_url, "guid": guid, "title": article.title, "text": article.text,
        "published": _iso(article.published),
        "ingested": article.ingested.isoformat(), "text_hash": text_hash or article.id,
    }


_CHUNK = 500  # values per IN (...) list
_ARTICLE_COLUMNS = "id, source, title, text, url, published, ingested"
_SOURCE_COLUMNS = "name, kind, url, etag, last_modified, last_error, last_error_at, failures, disabled"
_SUBSCRIBER_COLUMNS = ", ".join(f.name for f in fields(Subscriber))


def _article(row: tuple[object, ...]) -> Article:
    id_, source, title, text, url, published, ingested = row
    return Article(
        id=str(id_), source=str(source), title=str(title), text=str(text), url=str(url),
        published=datetime.fromisoformat(str(published)) if published else None,
        ingested=datetime.fromisoformat(str(ingested)),
    )


def _source(row: tuple[object, ...]) -> SourceState:
    name, kind, url, etag, modified, error, error_at, failures, disabled = row
    return SourceState(
        str(name), str(kind), str(url), str(etag), str(modified), str(error), str(error_at),
        int(str(failures)), bool(disabled),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

