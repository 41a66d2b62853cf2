"""Collect: read the configured folders and feeds into the store.

A pass walks every folder (``folders``), reading only new or changed files,
then polls every feed (``poll``, fetching through ``feeds``). Each file or
feed entry becomes a ``Document``; ``record`` stores it as a new article, a
new version of an article, or one more source of an article already stored
(deduplication by canonical URL, GUID, normalised text and near-identical
text). An unusable item is quarantined with its reason and the pass goes on.
``watch`` keeps doing this until stopped.

The feed side (httpx, feedparser, trafilatura: about a tenth of a second to
import) is imported when a pass first polls a feed, so a configuration of
folders alone, and every command that only reads the store, never pays for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from briefing.clock import Clock
from briefing.db.database import retry_conflicts
from briefing.ingest.articles import TITLE_MAX_CHARS, article_id, derive_title, to_article
from briefing.ingest.folders import ingest_folders
from briefing.ingest.record import Progress, combine
from briefing.models import IngestReport
from briefing.settings import Settings
from briefing.store import Store

if TYPE_CHECKING:
    from briefing.ingest.feeds import Fetcher, HttpFetcher
    from briefing.ingest.fulltext import Keep, PageFetcher

__all__ = [
    "TITLE_MAX_CHARS", "Progress", "article_id", "collect", "collect_feeds", "collect_folders", "derive_title",
    "ingest_folders", "make_fetcher", "to_article",
]
log = logging.getLogger(__name__)


def collect(settings: Settings, store: Store, clock: Clock, *, fetch_feeds: bool = True,
            fetcher: Fetcher | None = None, progress: Progress | None = None,
            pages: PageFetcher | None = None, keep: Keep | None = None) -> IngestReport:
    """Folders, then feeds (unless ``fetch_feeds`` is false: the dry run opens no connection).

    ``keep`` decides which teaser entries earn a full-text page fetch (every one when None).
    """
    report = collect_folders(settings, store, clock, progress)
    if not settings.sources.feeds:
        return report
    if not fetch_feeds:
        log.info("feeds not fetched (no network in a dry run); stored feed articles are used")
        return report
    active = fetcher or make_fetcher(settings)
    try:
        return combine(report, collect_feeds(settings, store, clock, active, progress, pages=pages, keep=keep))
    finally:
        if fetcher is None:
            active.close()


def collect_folders(settings: Settings, store: Store, clock: Clock, progress: Progress | None = None) -> IngestReport:
    """One pass over the folders, retried when another writer's transaction conflicts
    (``briefing ingest``, ``build``, ``schedule`` and ``watch`` alike)."""
    return retry_conflicts(lambda: ingest_folders(settings, store, clock, progress=progress), "folders")


def collect_feeds(settings: Settings, store: Store, clock: Clock, fetcher: Fetcher, progress: Progress | None = None,
                  *, pages: PageFetcher | None = None, keep: Keep | None = None) -> IngestReport:
    """One pass over the feeds, retried the same way."""
    from briefing.ingest.fulltext import keep_everything
    from briefing.ingest.poll import ingest_feeds

    return retry_conflicts(lambda: ingest_feeds(settings, store, clock, fetcher, progress=progress,
                                                pages=pages, keep=keep or keep_everything), "feeds")


def make_fetcher(settings: Settings) -> HttpFetcher:
    """The production fetcher with the settings' timeout and byte cap."""
    from briefing.ingest.feeds import HttpFetcher

    return HttpFetcher(timeout=settings.sources.fetch_timeout, max_bytes=settings.sources.max_feed_bytes,
                       allow_private=settings.sources.allow_private_hosts)

