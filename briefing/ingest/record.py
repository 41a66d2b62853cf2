"""Recording documents in the store: new articles, new versions and duplicates.

``record`` decides, for one ``Document``, in this order:

1. the same source sent the same origin (file path, feed entry id) before:
   unchanged text is nothing new; changed text is a new version of that
   article (same id, ``version`` + 1) when that origin brought it first;
2. else an article already stored is the same story when one of its sources
   has the same canonical URL (``urls.canonical_url``), the same global GUID
   (a URL, ``urn:`` or ``tag:`` id: short ids like "42" are only unique within
   their feed), the same normalised text, or near-identical text
   (``neardup``): the document becomes one more source of that article;
3. else it is a new article, keyed by the hash of its normalised text.

Every arrival is a row of ``article_sources``, so an article remembers all the
sources that brought it. The caller holds the transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import repeat
from typing import Any

from briefing.ingest.articles import article_id, to_article, words_id
from briefing.ingest.mojibake import repaired
from briefing.ingest.neardup import (
    NEAR_DUPLICATE_JACCARD,
    Fingerprint,
    fingerprint,
    fingerprints,
    jaccard,
    shingles,
    words,
)
from briefing.ingest.urls import canonical_url
from briefing.models import Article, Document, IngestReport, Quarantined
from briefing.store import Store, article_row

# A pass reports progress as (stage, items done, items in this stage).
Progress = Callable[[str, int, int], None]


class Outcome(enum.Enum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Recorded:
    outcome: Outcome
    article_id: str
    matched_by: str = ""  # for a duplicate: url | guid | text | near


def record(store: Store, document: Document, now: datetime) -> Recorded:
    """Store ``document`` as a new article, a new version or one more source of an article."""
    document = repaired(document)  # mojibake as published, undone (and logged) before the id is taken
    text_hash = article_id(document.text)
    previous = store.origin_article(document.source, document.origin)
    if previous is not None:
        previous_id, previous_hash, matched_by = previous
        if previous_hash == text_hash:
            return Recorded(Outcome.UNCHANGED, previous_id)
        if matched_by == "new":
            return _new_version(store, document, previous_id, text_hash, now)
    canonical = canonical_url(document.url)
    prints = fingerprint(document.text)
    match = _same_story(store, document, canonical, text_hash, prints)
    if match is not None:
        _remember(store, match[0], document, canonical, match[1], now)
        return Recorded(Outcome.DUPLICATE, match[0], match[1])
    new_id = text_hash if not store.article_exists(text_hash) else article_id(
        f"{document.text}\n{document.source}\n{document.origin}"
    )
    if not store.add_article(to_article(document, now, id=new_id), origin=document.origin,
                             canonical_url=canonical, guid=document.guid, text_hash=text_hash):
        # Another process stored this story (same content id or canonical URL) after we looked.
        found = _same_story(store, document, canonical, text_hash, prints) or (new_id, "text")
        _remember(store, found[0], document, canonical, found[1], now)
        return Recorded(Outcome.DUPLICATE, found[0], found[1])
    store.set_bands(new_id, prints.band_keys)
    _remember(store, new_id, document, canonical, "new", now)
    return Recorded(Outcome.ADDED, new_id)


def _new_version(store: Store, document: Document, id_: str, text_hash: str, now: datetime) -> Recorded:
    store.replace_article(to_article(document, now, id=id_), text_hash=text_hash)
    store.set_bands(id_, fingerprint(document.text).band_keys)
    _remember(store, id_, document, canonical_url(document.url), "new", now)
    return Recorded(Outcome.UPDATED, id_)


def _same_story(store: Store, document: Document, canonical: str, text_hash: str,
                prints: Fingerprint) -> tuple[str, str] | None:
    """(article id, how it matched) of a stored article telling the same story, or None."""
    if canonical and (found := store.article_with_canonical_url(canonical)):
        return found, "url"
    if is_global_guid(document.guid) and (found := store.article_with_guid(document.guid)):
        return found, "guid"
    if not prints.matchable:
        return None
    if found := store.article_with_text_hash(text_hash):
        return found, "text"
    candidates = store.band_candidates(prints.band_keys)
    scored = [(jaccard(prints.shingles, shingles(text)), id_) for id_, text in candidates]
    best = max(scored, default=(0.0, ""))
    return (best[1], "near") if best[0] >= NEAR_DUPLICATE_JACCARD else None


def is_global_guid(guid: str) -> bool:
    """A GUID that names one item anywhere (a URL, a URN or a tag URI), not just within its feed."""
    return "://" in guid or guid.lower().startswith(("urn:", "tag:"))


def _remember(store: Store, id_: str, document: Document, canonical: str, matched_by: str, now: datetime) -> None:
    store.add_article_source(
        id_, document.source, document.origin, url=document.url, canonical_url=canonical,
        guid=document.guid if is_global_guid(document.guid) else "", matched_by=matched_by, at=now,
    )


@dataclass
class Tally:
    """Counts of one pass, turned into an ``IngestReport`` at the end."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    feeds_fetched: int = 0
    feeds_not_modified: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    feed_errors: list[Quarantined] = field(default_factory=list)

    def count(self, recorded: Recorded) -> None:
        if recorded.outcome is Outcome.ADDED:
            self.added += 1
        elif recorded.outcome is Outcome.UPDATED:
            self.updated += 1
        elif recorded.outcome is Outcome.UNCHANGED:
            self.unchanged += 1
        else:
            self.duplicates += 1

    def report(self) -> IngestReport:
        return IngestReport(
            added=self.added, updated=self.updated, unchanged=self.unchanged, duplicates=self.duplicates,
            feeds_fetched=self.feeds_fetched, feeds_not_modified=self.feeds_not_modified,
            pages_fetched=self.pages_fetched, pages_failed=self.pages_failed,
            quarantined=tuple(self.quarantined), feed_errors=tuple(self.feed_errors),
        )


def combine(*reports: IngestReport) -> IngestReport:
    """One report for several passes (folders, then feeds): counts added, lists joined."""
    values: dict[str, Any] = {}
    for item in fields(IngestReport):
        parts = [getattr(report, item.name) for report in reports]
        values[item.name] = sum(parts, ()) if isinstance(parts[0], tuple) else sum(parts)
    return IngestReport(**values)


# --- a batch at a time ----------------------------------------------------------
#
# ``record_all`` makes exactly the decisions ``record`` makes, document by
# document in order, but from one lookup per batch (origins, canonical URLs,
# GUIDs, text hashes and ids, band keys, candidate texts) plus what the earlier
# documents of the batch did, and writes with one multi-row statement per table.
# Nothing is written that cannot change anything: no DELETE of bands for a new
# id, no repeated text-hash check. Anything unusual goes through ``record``: the
# same origin twice in one batch, or a row a concurrent writer stored between
# the lookups and the insert (the batch's savepoint is rolled back first).


class _Raced(Exception):
    """A concurrent writer stored one of the batch's articles first."""


@dataclass
class _Prepared:
    document: Document
    at: datetime
    text_hash: str
    canonical: str
    prints: Fingerprint


def record_all(store: Store, documents: list[Document], now: Callable[[], datetime]) -> list[Recorded]:
    """``record`` for each document, in order, in a few statements; the caller holds the transaction.

    ``now`` is asked once per document, as ``record`` would be called.
    """
    keys = [(d.source, d.origin) for d in documents]
    if len(documents) < 2 or len(set(keys)) != len(keys):
        return [record(store, d, now()) for d in documents]
    items = _prepare_all(documents, now)
    try:
        with store.transaction():  # a savepoint inside the caller's transaction
            return _Batch(store, items).run()
    except _Raced:
        return [record(store, item.document, item.at) for item in items]


def _prepare_all(documents: list[Document], now: Callable[[], datetime]) -> list[_Prepared]:
    """What ``_Batch`` needs of each document; the fingerprints of all of them in one pass (``fingerprints``)."""
    ready = []
    for document in documents:
        at = now()
        document = repaired(document)  # as in ``record``: mojibake undone (and logged) before the id is taken
        ready.append((document, at, words(document.text)))  # the one tokenisation: content id and fingerprint
    prints = fingerprints([found for _, _, found in ready])
    return [_Prepared(document, at, words_id(found), canonical_url(document.url), fingerprint)
            for (document, at, found), fingerprint in zip(ready, prints)]


class _Batch:
    """The store as ``record`` would see it document by document: the lookups, then this batch's own rows."""

    def __init__(self, store: Store, items: list[_Prepared]) -> None:
        self.store, self.items = store, items
        self.previous = store.origin_articles([(i.document.source, i.document.origin) for i in items])
        matching = [item for item in self.items if self._needs_matching(item)]
        self.by_url = store.articles_with_canonical_urls([i.canonical for i in matching if i.canonical])
        self.by_guid = store.articles_with_guids([i.document.guid for i in matching
                                                 if is_global_guid(i.document.guid)])
        self.by_hash, self.ids = store.hashes_and_ids([i.text_hash for i in matching])
        self.bands = store.band_members([k for i in matching if i.prints.matchable for k in i.prints.band_keys])
        self.texts = store.article_texts(sorted({id_ for ids in self.bands.values() for id_ in ids}))
        self.shingles: dict[str, frozenset[int]] = {}
        self.hash_of: dict[str, str] = {}  # text hashes changed by this batch's new versions
        self.new_rows: list[dict[str, Any]] = []
        self.versions: list[tuple[Article, str]] = []
        self.band_rows: list[tuple[int, str]] = []
        self.source_rows: list[dict[str, str]] = []

    def _needs_matching(self, item: _Prepared) -> bool:
        found = self.previous.get((item.document.source, item.document.origin))
        return found is None or (found[1] != item.text_hash and found[2] != "new")

    def run(self) -> list[Recorded]:
        recorded = [self._decide(item) for item in self.items]
        self._write()
        return recorded

    def _decide(self, item: _Prepared) -> Recorded:
        document = item.document
        previous = self.previous.get((document.source, document.origin))
        if previous is not None:
            previous_id, previous_hash, matched_by = previous
            if self.hash_of.get(previous_id, previous_hash) == item.text_hash:
                return Recorded(Outcome.UNCHANGED, previous_id)
            if matched_by == "new":
                return self._new_version(item, previous_id)
        match = self._same_story(item)
        if match is not None:
            self._remember(match[0], item, match[1])
            return Recorded(Outcome.DUPLICATE, match[0], match[1])
        new_id = item.text_hash if item.text_hash not in self.ids else article_id(
            f"{document.text}\n{document.source}\n{document.origin}")
        if new_id in self.ids:
            raise _Raced(new_id)  # ``record`` would meet a refused insert here: let it
        self.ids.add(new_id)
        self.new_rows.append(article_row(to_article(document, item.at, id=new_id), origin=document.origin,
                                         canonical_url=item.canonical, guid=document.guid, text_hash=item.text_hash))
        self._index(new_id, item)
        self._remember(new_id, item, "new")
        return Recorded(Outcome.ADDED, new_id)

    def _new_version(self, item: _Prepared, id_: str) -> Recorded:
        self.versions.append((to_article(item.document, item.at, id=id_), item.text_hash))
        self.hash_of[id_] = item.text_hash
        for members in self.bands.values():  # its old bands are replaced
            members.discard(id_)
        self.band_rows = [(key, owner) for key, owner in self.band_rows if owner != id_]
        self.by_hash = {h: owner for h, owner in self.by_hash.items() if owner != id_}
        self._index(id_, item)
        self._remember(id_, item, "new")
        return Recorded(Outcome.UPDATED, id_)

    def _index(self, id_: str, item: _Prepared) -> None:
        """What the rows of a new article (or version) add to the lookups of the documents after it."""
        self.by_hash.setdefault(item.text_hash, id_)
        self.shingles[id_] = item.prints.shingles
        bands, keys = self.bands, item.prints.band_keys
        for key in keys:
            members = bands.get(key)  # not setdefault(key, set()): a set thrown away per key already there
            if members is None:
                bands[key] = {id_}
            else:
                members.add(id_)
        self.band_rows.extend(zip(keys, repeat(id_)))

    def _same_story(self, item: _Prepared) -> tuple[str, str] | None:
        """``_same_story`` against the lookups."""
        document, prints = item.document, item.prints
        if item.canonical and (found := self.by_url.get(item.canonical)):
            return found, "url"
        if is_global_guid(document.guid) and (found := self.by_guid.get(document.guid)):
            return found, "guid"
        if not prints.matchable:
            return None
        if found := self.by_hash.get(item.text_hash):
            return found, "text"
        candidates = {id_ for key in prints.band_keys for id_ in self.bands.get(key, ())}
        scored = [(jaccard(prints.shingles, self._shingles_of(id_)), id_) for id_ in candidates]
        best = max(scored, default=(0.0, ""))
        return (best[1], "near") if best[0] >= NEAR_DUPLICATE_JACCARD else None

    def _shingles_of(self, id_: str) -> frozenset[int]:
        if id_ not in self.shingles:
            self.shingles[id_] = shingles(self.texts[id_])
        return self.shingles[id_]

    def _remember(self, id_: str, item: _Prepared, matched_by: str) -> None:
        document = item.document
        guid = document.guid if is_global_guid(document.guid) else ""
        self.source_rows.append({
            "article_id": id_, "source": document.source, "origin": document.origin, "url": document.url,
            "canonical_url": item.canonical, "guid": guid, "matched_by": matched_by, "seen_at": item.at.isoformat(),
        })
        if item.canonical:
            self.by_url.setdefault(item.canonical, id_)
        if guid:
            self.by_guid.setdefault(guid, id_)

    def _write(self) -> None:
        if self.store.add_articles(self.new_rows) != len(self.new_rows):
            raise _Raced("articles")  # a content id or canonical URL stored meanwhile by another process
        for article, text_hash in self.versions:
            self.store.replace_article(article, text_hash=text_hash)
        if self.versions:
            self.store.drop_bands([article.id for article, _ in self.versions])
        self.store.add_bands(self.band_rows)
        self.store.add_article_sources(self.source_rows)
