"""One pass over the configured feeds, each isolated from the others.

Per feed: a conditional GET with the stored ETag / Last-Modified; a 304 parses
nothing and adds nothing; a 200 is parsed and its entries recorded in one
transaction together with the new validators, so a crash never stores
validators for entries it did not keep. A 301/308 chain updates the stored URL
(the configured one stays in the settings; changing that starts the feed
afresh). 410 Gone disables the feed. Any other failure (timeout, DNS,
refused connection, 4xx/5xx, oversized body, refused DTD, not a feed) is
logged with the feed's name and URL and recorded on the source (last error,
its time, consecutive failures), and the pass goes on with the next feed.

Teaser entries the topic keeps are queued for their full text and the queue
is worked after the last feed (``briefing.ingest.fulltext``), when a
``PageFetcher`` is given.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from briefing.clock import Clock
from briefing.errors import QuarantineError, SourceError
from briefing.feedfilter import keep_entries
from briefing.ingest.feeds import Fetcher, FetchResult, parse_feed
from briefing.ingest.fulltext import (
    Keep,
    PageFetcher,
    fetch_pages,
    full_text_enabled,
    keep_everything,
    known_text,
    make_page_fetcher,
    queue_pages,
    wants_full_text,
)
from briefing.ingest.record import Progress, Tally, record_all
from briefing.models import IngestReport, Quarantined
from briefing.settings import FeedSource, Settings
from briefing.store import SourceState, Store

log = logging.getLogger(__name__)
GONE_MESSAGE = ("410 Gone: the server says this feed was removed for good, so it is disabled and no longer "
                "fetched; remove it from sources.feeds, or change its URL there to try again")


def feed_names(feeds: tuple[FeedSource, ...]) -> list[tuple[str, str]]:
    """(source name, URL) per feed; a name two feeds share gets the URL's path appended."""
    counts = Counter(feed.name for feed in feeds)
    named = []
    for feed in feeds:
        name = feed.name
        if counts[name] > 1:
            parts = urlsplit(feed.url)
            name = f"{name} {parts.path or '/'}{'?' + parts.query if parts.query else ''}"
        named.append((name, feed.url))
    return named


@dataclass(frozen=True)
class _Poll:
    """What every feed of one pass shares."""

    settings: Settings
    store: Store
    clock: Clock
    fetcher: Fetcher
    keep: Keep
    pages: PageFetcher | None  # None: full text is off, no page is queued


def ingest_feeds(settings: Settings, store: Store, clock: Clock, fetcher: Fetcher,
                 *, progress: Progress | None = None, pages: PageFetcher | None = None,
                 keep: Keep = keep_everything) -> IngestReport:
    """Fetch and record every enabled feed, then the full text of the kept teasers.

    ``pages`` fetches the article pages (default: one made from the settings,
    unless full text is off everywhere); ``keep`` says which teasers deserve
    a request (default: all; the topic scorer's seam).
    """
    own = pages is None and full_text_enabled(settings.sources)
    active = make_page_fetcher(settings) if own else pages
    try:
        return _ingest_feeds(_Poll(settings, store, clock, fetcher, keep, active), progress)
    finally:
        if own and active is not None:
            active.close()


def _ingest_feeds(poll: _Poll, progress: Progress | None) -> IngestReport:
    tally = Tally()
    settings, store = poll.settings, poll.store
    feeds = feed_names(settings.sources.feeds)
    for done, ((name, url), feed) in enumerate(zip(feeds, settings.sources.feeds, strict=True), start=1):
        with store.transaction():
            state = store.configure_feed(name, url)
        if state.disabled:
            log.info("feed %s (%s) is disabled: %s", name, state.url, state.last_error)
        else:
            _poll_feed(poll, feed, state, tally)
        if progress is not None:
            progress("feeds", done, len(feeds))
    if poll.pages is not None:
        fetch_pages(settings, store, poll.clock, poll.pages, tally)
    return tally.report()


def _poll_feed(poll: _Poll, feed: FeedSource, state: SourceState, tally: Tally) -> None:
    store, clock = poll.store, poll.clock
    private = {"auth": feed.auth, "headers": dict(feed.headers)} if feed.auth or feed.headers else {}
    try:
        answer = poll.fetcher.fetch(state.url, etag=state.etag, last_modified=state.last_modified, **private)
        _take_answer(poll, feed, state, answer, tally)
    except QuarantineError as exc:
        with store.transaction():
            store.quarantine(exc.origin, state.name, exc.reason, clock.now())
            _failed(store, clock, state, exc.reason, tally)
        tally.quarantined.append(Quarantined(exc.origin, exc.reason))
    except SourceError as exc:
        _failed(store, clock, state, exc.reason, tally)


def _take_answer(poll: _Poll, feed: FeedSource, state: SourceState, answer: FetchResult, tally: Tally) -> None:
    store, clock = poll.store, poll.clock
    if answer.moved_to and answer.status in (200, 304):
        log.info("feed %s moved permanently from %s to %s; stored URL updated", state.name, state.url, answer.moved_to)
    if answer.status == 304:
        store.source_ok(state.name, clock.now(), etag=state.etag, last_modified=state.last_modified, url=answer.moved_to)
        tally.feeds_not_modified += 1
        return
    if answer.status == 410:
        _failed(store, clock, state, GONE_MESSAGE, tally, disable=True)
        return
    if answer.status != 200:
        raise SourceError(state.url, f"HTTP {answer.status} {answer.reason}".strip())
    documents = keep_entries(parse_feed(answer.body, answer.headers, state.name, answer.url), feed)
    with store.transaction():
        pages = store.page_rows([entry.url for entry in documents])
        known = [known_text(entry, pages.get(entry.url)) for entry in documents]  # an extracted page is not fetched again
        for recorded in record_all(store, known, clock.now):
            tally.count(recorded)
        if poll.pages is not None:
            queue_pages(store, [entry for entry, document in zip(documents, known, strict=True)
                                if document is entry and wants_full_text(feed, entry, poll.settings.sources)
                                and poll.keep(entry)], clock.now(), pages)
        store.release(state.url)
        store.source_ok(state.name, clock.now(), etag=answer.headers.get("etag", ""),
                        last_modified=answer.headers.get("last-modified", ""), url=answer.moved_to)
    tally.feeds_fetched += 1
    log.info("feed %s (%s): %d entries", state.name, answer.url, len(documents))


def _failed(store: Store, clock: Clock, state: SourceState, reason: str, tally: Tally, *, disable: bool = False) -> None:
    log.warning("feed %s (%s): %s", state.name, state.url, reason)
    store.source_failed(state.name, reason, clock.now(), disable=disable)
    tally.feed_errors.append(Quarantined(f"{state.name} ({state.url})", reason))
