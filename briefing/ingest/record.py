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
from typing import Any

from briefing.ingest.articles import article_id, to_article
from briefing.ingest.mojibake import repaired
from briefing.ingest.neardup import (
    NEAR_DUPLICATE_JACCARD,
    Fingerprint,
    fingerprint,
    jaccard,
    shingles,
)
from briefing.ingest.urls import canonical_url
from briefing.models import Document, IngestReport, Quarantined
from briefing.store import Store

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
    if canonical and (found := store.article_with("canonical_url", canonical)):
        return found, "url"
    if is_global_guid(document.guid) and (found := store.article_with("guid", document.guid)):
        return found, "guid"
    if not prints.matchable:
        return None
    if found := store.article_with("text_hash", text_hash):
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
