"""Full text behind teaser feeds: fetch the entry's page, extract the article, keep the feed's facts.

A feed entry whose text is a teaser (fewer than ``sources.teaser_words``
words), or any entry of a feed with ``full_text = true``, is stored at once as
the teaser article (an entry is never lost) and its link is queued in the
``pages`` table, if ``keep`` (the topic's judgement of the teaser; everything
by default) says so: an off-topic teaser costs no request. ``fetch_pages``
then works the queue within ``sources.full_text_pages`` pages and
``sources.full_text_seconds`` seconds; what is left waits for the next pass.

Each page is fetched carefully (``PageFetcher``): the safe client
(``briefing.ingest.fetch``: total deadline, byte cap, at most 5 redirects,
briefing's User-Agent, no private addresses on any hop unless
``sources.allow_private_hosts``), only ``text/html`` and XHTML bodies are read,
robots.txt is honoured (``urllib.robotparser``, fetched once per host), one
request at a time with ``sources.host_delay`` seconds (or the host's
Crawl-delay) between two to the same host. trafilatura extracts the article as
HTML, which nh3 sanitises (``text.sanitised_text``) before it becomes text. The article
is recorded again with the page's text and the feed's title, date and
GUID: a new version of the teaser article. A failure, or a page whose text is
no longer than the teaser, leaves the teaser with the reason on the page row
(``briefing status``); a timeout, refused connection or 5xx is tried again on
the next passes, up to ``MAX_ATTEMPTS``. A page done once is never fetched
again: later polls of the same entry reuse its text.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
import urllib.robotparser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from briefing import USER_AGENT
from briefing.clock import Clock
from briefing.errors import SourceError
from briefing.ingest.articles import article_id
from briefing.ingest.feeds import HttpFetcher
from briefing.ingest.fetch import Resolver, is_public, system_resolver
from briefing.ingest.record import Tally, record
from briefing.ingest.text import UndecodableError, decode, sanitised_text
from briefing.models import Document
from briefing.settings import FeedSource, Settings, SourcesSettings
from briefing.store import PageRow, Store

log = logging.getLogger(__name__)
Keep = Callable[[Document], bool]
MAX_ATTEMPTS = 3
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9"
_WORD = re.compile(r"\w+")


def keep_everything(document: Document) -> bool:
    return True


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def full_text_enabled(sources: SourcesSettings) -> bool:
    """Whether any feed may have its pages fetched."""
    return sources.full_text != "never" or any(feed.full_text == "always" for feed in sources.feeds)


def wants_full_text(feed: FeedSource, document: Document, sources: SourcesSettings) -> bool:
    """Whether this entry's page should be fetched: the feed's own setting, else the global one."""
    if not document.url:
        return False
    mode = feed.full_text or sources.full_text
    if mode == "always":
        return True
    return mode == "teasers" and _fewer_words(document.text, sources.teaser_words)


def _fewer_words(text: str, limit: int) -> bool:
    """``word_count(text) < limit``, reading no further than the ``limit``-th word (a whole
    article in ``content:encoded`` is not counted to its end to learn it is no teaser)."""
    return limit > 0 and next(itertools.islice(_WORD.finditer(text), limit - 1, None), None) is None


# --- the page queue (table ``pages``, revision 0005) ---------------------------------------

@dataclass(frozen=True)
class Page:
    url: str
    document: Document
    status: str
    reason: str
    attempts: int


def known_text(document: Document, row: PageRow | None) -> Document:
    """The document with its page's extracted text, when that page (``row``, from ``Store.page_rows``) is done.

    Done for this feed's same teaser, or for another feed's entry linking the
    same page: either way it is not fetched again.
    """
    if document.url and row is not None and row.status == "done" and row.text and (
            row.teaser_hash == article_id(document.text) or row.source != document.source):
        return replace(document, text=row.text)
    return document


def queue_pages(store: Store, documents: Sequence[Document], now: datetime,
                rows: dict[str, PageRow] | None = None) -> None:
    """Queue each entry's page; a page already queued or done for the same teaser stays as it is.

    ``rows``: the queue's rows for these URLs (``Store.page_rows``), when the caller has them
    already; one statement per kind of write for the whole batch.
    """
    rows = dict(store.page_rows([d.url for d in documents]) if rows is None else rows)
    inserts: list[tuple[str, ...]] = []
    updates: list[tuple[str, ...]] = []
    at = now.isoformat()
    for document in documents:
        teaser = article_id(document.text)
        row = rows.get(document.url)
        if row is not None and (row.teaser_hash == teaser or row.source != document.source):
            continue  # queued or done already (another feed's entry for the same page counts too)
        values = (document.source, document.origin, _document_json(document), teaser, at, at, document.url)
        (inserts if row is None else updates).append(values)  # an update: the entry's teaser changed
        rows[document.url] = PageRow("pending", "", teaser, document.source)
    store.database.run_many(
        "INSERT INTO pages (source, origin, document, teaser_hash, queued_at, updated_at, url, status)"
        " VALUES (?,?,?,?,?,?,?,'pending') ON CONFLICT (url) DO NOTHING", inserts)
    store.database.run_many(
        "UPDATE pages SET source = ?, origin = ?, document = ?, teaser_hash = ?, queued_at = ?, updated_at = ?,"
        " status = 'pending', reason = '', attempts = 0, text = '' WHERE url = ?", updates)


def pending_pages(store: Store, limit: int) -> list[Page]:
    """The oldest pending pages, taking hosts in turn so the per-host delay rarely has to wait."""
    rows = store.database.run(
        "SELECT url, document, status, reason, attempts FROM pages WHERE status = 'pending'"
        " ORDER BY queued_at, url LIMIT ?", (limit,)).fetchall()
    by_host: dict[str, list[Page]] = {}
    for r in rows:
        page = Page(str(r[0]), _document(str(r[1])), str(r[2]), str(r[3]), int(r[4]))
        by_host.setdefault(_host_key(page.url), []).append(page)
    return [page for turn in itertools.zip_longest(*by_host.values()) for page in turn if page is not None]


def page_problems(store: Store) -> list[Page]:
    """Pages whose fetch failed (for good, or so far): the teaser article stands in for them."""
    rows = store.database.run(
        "SELECT url, document, status, reason, attempts FROM pages WHERE reason <> '' ORDER BY updated_at, url")
    return [Page(str(r[0]), _document(str(r[1])), str(r[2]), str(r[3]), int(r[4])) for r in rows]


def page_counts(store: Store) -> dict[str, int]:
    rows = store.database.run("SELECT status, count(*) FROM pages GROUP BY status")
    return {str(row[0]): int(row[1]) for row in rows}


def _finish(store: Store, rows: Sequence[tuple[str, str, str, str]], now: datetime) -> None:
    """Each (status, reason, text, URL) page tried once more, at ``now``."""
    store.database.run_many(
        "UPDATE pages SET status = ?, reason = ?, text = ?, attempts = attempts + 1, updated_at = ? WHERE url = ?",
        [(status, reason, text, now.isoformat(), url) for status, reason, text, url in rows])


def _document_json(document: Document) -> str:
    fields = dict(vars(document))  # its fields, shallow: ``asdict`` deep-copied every value
    fields["published"] = document.published.isoformat() if document.published else None
    return json.dumps(fields)


def _document(data: str) -> Document:
    fields = json.loads(data)
    published = fields.pop("published", None)
    fields.pop("author", None)  # written by a briefing whose documents still had an author
    return Document(**fields, published=datetime.fromisoformat(published) if published else None)


# --- fetching pages politely -----------------------------------------------------------------

class PageFetcher:
    """One request at a time, robots.txt per host, a delay between two requests to one host."""

    def __init__(self, *, timeout: float, max_bytes: int, allow_private: bool = False, host_delay: float = 1.0,
                 resolver: Resolver = system_resolver, sleep: Callable[[float], None] = time.sleep,
                 user_agent: str = USER_AGENT, public: Callable[[str], bool] = is_public) -> None:
        self.http = HttpFetcher(timeout=timeout, max_bytes=max_bytes, allow_private=allow_private,
                                resolver=resolver, accept=PAGE_ACCEPT, trust_origin=False,
                                content_types=HTML_TYPES, user_agent=user_agent, public=public)
        self.robots_http = HttpFetcher(timeout=timeout, max_bytes=500_000, allow_private=allow_private,
                                       resolver=resolver, accept="text/plain", trust_origin=False,
                                       user_agent=user_agent, public=public)
        self.host_delay = host_delay
        self.sleep = sleep
        self.user_agent = user_agent
        self.robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}  # parser, or why none
        self.last_request: dict[str, float] = {}

    def close(self) -> None:
        self.http.close()
        self.robots_http.close()

    def fetch(self, url: str) -> tuple[bytes, str]:
        """(body, content type) of the HTML page at ``url``; ``SourceError`` saying why not."""
        host = _host_key(url)
        rules = self._robots(host)
        if isinstance(rules, str):
            raise SourceError(url, rules)
        if not rules.can_fetch(self.user_agent, url):
            raise SourceError(url, f"robots.txt of {host} disallows it for briefing; not fetched")
        self._wait(host, rules.crawl_delay(self.user_agent))
        answer = self.http.fetch(url)
        if answer.status != 200:
            raise SourceError(url, f"HTTP {answer.status} {answer.reason}".strip())
        return answer.body, answer.headers.get("content-type", "")

    def _robots(self, host: str) -> urllib.robotparser.RobotFileParser | str:
        if host not in self.robots:
            self.robots[host] = self._read_robots(host)
        return self.robots[host]

    def _read_robots(self, host: str) -> urllib.robotparser.RobotFileParser | str:
        parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
        self._wait(host, None)
        try:
            answer = self.robots_http.fetch(f"{host}/robots.txt")
        except SourceError as exc:
            if "non-public address" in exc.reason:
                return exc.reason  # the host itself is refused: say so, not "robots.txt"
            return f"robots.txt of {host} could not be read ({exc.reason}); the host's pages are not fetched"
        if answer.status in (401, 403):
            parser.parse(["User-agent: *", "Disallow: /"])
        elif 400 <= answer.status < 500:
            parser.parse([])
        elif answer.status != 200:
            return f"robots.txt of {host} answered HTTP {answer.status}; the host's pages are not fetched"
        else:
            parser.parse(answer.body.decode("utf-8", errors="replace").splitlines())
        return parser

    def _wait(self, host: str, crawl_delay: str | float | None) -> None:
        delay = max(self.host_delay, float(crawl_delay or 0))
        last = self.last_request.get(host)
        if last is not None:
            left = last + delay - time.monotonic()
            if left > 0:
                self.sleep(left)
        self.last_request[host] = time.monotonic()


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def make_page_fetcher(settings: Settings) -> PageFetcher:
    sources = settings.sources
    return PageFetcher(timeout=sources.fetch_timeout, max_bytes=sources.max_feed_bytes,
                       allow_private=sources.allow_private_hosts, host_delay=sources.host_delay)


# --- extraction and the pass --------------------------------------------------------------------

def extract_article(body: bytes, content_type: str, url: str) -> str:
    """The page's article as clean text: trafilatura's HTML, sanitised by nh3, then text."""
    import trafilatura  # imported on the first page fetched: a build without full text never pays its 0.1 s

    html = _decode_page(body, content_type, url)
    try:
        extracted = trafilatura.extract(html, url=url, output_format="html", include_comments=False,
                                        include_tables=False, include_links=False, include_images=False,
                                        deduplicate=False)
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        raise SourceError(url, f"the page could not be read as HTML ({type(exc).__name__})") from None
    return sanitised_text(extracted) if extracted else ""


def _decode_page(body: bytes, content_type: str, url: str) -> str:
    charset = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type)
    if charset:
        try:
            return body.decode(charset.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode(body, url)
    except UndecodableError as exc:
        raise SourceError(url, f"the page is not text ({exc})") from None


def fetch_pages(settings: Settings, store: Store, clock: Clock, pages: PageFetcher, tally: Tally) -> None:
    """Work the page queue within the pass's bounds (pages and seconds).

    A page's failure is written with the others of the pass, in one transaction at its
    end (a host whose robots.txt cannot be read fails all its pages at once): a pass
    killed before then leaves those pages pending, to be tried again, as if never tried.
    """
    sources = settings.sources
    ends = time.monotonic() + sources.full_text_seconds
    failures: list[tuple[str, str, str, str]] = []  # (status, reason, text, URL)
    try:
        for page in pending_pages(store, sources.full_text_pages):
            if time.monotonic() >= ends:
                log.info("full text: the pass's %g s are used up; the other pages wait for the next pass",
                         sources.full_text_seconds)
                break
            failure = _fetch_page(store, clock, pages, page, tally)
            if failure is not None:
                failures.append(failure)
                tally.pages_failed += 1
    finally:
        if failures:
            with store.transaction():
                _finish(store, failures, clock.now())


def _fetch_page(store: Store, clock: Clock, pages: PageFetcher, page: Page,
                tally: Tally) -> tuple[str, str, str, str] | None:
    """Fetch, extract and record one page; its (status, reason, text, URL) to write when it failed."""
    teaser = page.document
    try:
        body, content_type = pages.fetch(page.url)
        text = extract_article(body, content_type, page.url)
    except SourceError as exc:
        retry = _transient(exc.reason) and page.attempts + 1 < MAX_ATTEMPTS
        log.info("full text of %s (%s): %s; the teaser stays", page.url, teaser.source, exc.reason)
        return ("pending" if retry else "failed", exc.reason, "", page.url)
    if len(text) <= len(teaser.text):
        reason = f"the extracted page ({word_count(text)} words) is no longer than the teaser; the teaser stays"
        return ("failed", reason, "", page.url)
    with store.transaction():
        tally.count(record(store, replace(teaser, text=text), clock.now()))
        _finish(store, [("done", "", text, page.url)], clock.now())
    tally.pages_fetched += 1
    return None


def _transient(reason: str) -> bool:
    return any(mark in reason for mark in ("timed out", "took longer", "cannot fetch", "HTTP 5", "HTTP 429",
                                           "could not be read", "answered HTTP 5"))
