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
"""

from __future__ import annotations

import logging
from collections import Counter
from urllib.parse import urlsplit

from briefing.clock import Clock
from briefing.errors import QuarantineError, SourceError
from briefing.ingest.feeds import Fetcher, FetchResult, parse_feed
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


def ingest_feeds(settings: Settings, store: Store, clock: Clock, fetcher: Fetcher,
                 *, progress: Progress | None = None) -> IngestReport:
    """Fetch and record every enabled feed."""
    tally = Tally()
    feeds = feed_names(settings.sources.feeds)
    for done, (name, url) in enumerate(feeds, start=1):
        with store.transaction():
            state = store.configure_feed(name, url)
        if state.disabled:
            log.info("feed %s (%s) is disabled: %s", name, state.url, state.last_error)
        else:
            _poll_feed(store, clock, fetcher, state, tally)
        if progress is not None:
            progress("feeds", done, len(feeds))
    return tally.report()


def _poll_feed(store: Store, clock: Clock, fetcher: Fetcher, state: SourceState, tally: Tally) -> None:
    try:
        answer = fetcher.fetch(state.url, etag=state.etag, last_modified=state.last_modified)
        _take_answer(store, clock, state, answer, tally)
    except QuarantineError as exc:
        with store.transaction():
            store.quarantine(exc.origin, state.name, exc.reason, clock.now())
            _failed(store, clock, state, exc.reason, tally)
        tally.quarantined.append(Quarantined(exc.origin, exc.reason))
    except SourceError as exc:
        _failed(store, clock, state, exc.reason, tally)


def _take_answer(store: Store, clock: Clock, state: SourceState, answer: FetchResult, tally: Tally) -> None:
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
    documents = parse_feed(answer.body, answer.headers, state.name, answer.url)
    with store.transaction():
        for recorded in record_all(store, documents, clock.now):
            tally.count(recorded)
        store.release(state.url)
        store.source_ok(state.name, clock.now(), etag=answer.headers.get("etag", ""),
                        last_modified=answer.headers.get("last-modified", ""), url=answer.moved_to)
    tally.feeds_fetched += 1
    log.info("feed %s (%s): %d entries", state.name, answer.url, len(documents))


def _failed(store: Store, clock: Clock, state: SourceState, reason: str, tally: Tally, *, disable: bool = False) -> None:
    log.warning("feed %s (%s): %s", state.name, state.url, reason)
    store.source_failed(state.name, reason, clock.now(), disable=disable)
    tally.feed_errors.append(Quarantined(f"{state.name} ({state.url})", reason))
