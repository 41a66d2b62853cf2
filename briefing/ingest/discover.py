"""Feed discovery (``briefing feeds discover URL``): find a website's feeds the way readers do.

1. The address itself may be a feed: then that is the answer.
2. Else its HTML names feeds with ``<link rel="alternate">`` of type RSS,
   Atom, RDF or JSON Feed (``href`` resolved against the page and its
   ``<base>``).
3. When it names none, the usual paths are tried: ``/feed``, ``/rss.xml``,
   ``/atom.xml``, ``/index.xml`` and a few more, on the site's root.

Every candidate is fetched and parsed with the same limits as a feed pass; only
those that parse as a feed are reported, with their own title as the name.
The given site's own host may be private (it is what the user typed); a
candidate on any other host gets the usual private-address check.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser

from briefing.errors import QuarantineError, SourceError
from briefing.ingest.feeds import HttpFetcher, parse_feed
from briefing.ingest.jsonfeed import looks_like_json
from briefing.ingest.text import inline_text
from briefing.safety import http_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
              "application/json", "application/xml", "text/xml")
COMMON_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml", "/rss", "/feed.json", "/atom",
                "/feed/", "/rss/")


@dataclass(frozen=True)
class Found:
    url: str
    name: str
    entries: int


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and not self.base:
            self.base = values.get("href", "")
        elif tag == "link" and "alternate" in values.get("rel", "").lower().split():
            kind = values.get("type", "").split(";", 1)[0].strip().lower()
            if kind in FEED_TYPES and values.get("href", "").strip():
                self.links.append(values["href"].strip())


def feed_links(html: str, page_url: str) -> list[str]:
    """The feeds a page names in ``<link rel="alternate">``, as absolute http(s) URLs, in order."""
    parser = _Links()
    parser.feed(html)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    urls = [urljoin(base, href) for href in parser.links]
    return list(dict.fromkeys(u for u in urls if http_url(u)))


def discover(url: str, site: HttpFetcher, others: HttpFetcher) -> list[Found]:
    """The feeds of the site at ``url``; ``SourceError`` when the site itself cannot be fetched.

    ``site`` fetches the given address (its own host may be private);
    ``others`` fetches candidates elsewhere (no private addresses).
    """
    answer = site.fetch(url)
    if answer.status != 200:
        raise SourceError(url, f"HTTP {answer.status} {answer.reason}".strip())
    itself = _as_feed(answer.body, answer.headers, answer.url)
    if itself is not None:
        return [itself]
    page = answer.body.decode("utf-8", errors="replace")
    candidates = feed_links(page, answer.url) or [urljoin(answer.url, path) for path in COMMON_PATHS]
    origin = urlsplit(url).netloc
    found: dict[str, Found] = {}
    for candidate in candidates:
        fetcher = site if urlsplit(candidate).netloc == origin else others
        feed = _check(candidate, fetcher)
        if feed is not None and feed.url not in found:
            found[feed.url] = feed
    return list(found.values())


def _check(url: str, fetcher: HttpFetcher) -> Found | None:
    try:
        answer = fetcher.fetch(url)
    except SourceError:
        return None
    return _as_feed(answer.body, answer.headers, answer.url) if answer.status == 200 else None


def _as_feed(body: bytes, headers: Mapping[str, str], url: str) -> Found | None:
    head = dict(headers)
    try:
        documents = parse_feed(body, head, "discover", url)
    except (QuarantineError, SourceError):
        return None
    return Found(url=url, name=_title(body, head) or urlsplit(url).netloc, entries=len(documents))


def _title(body: bytes, headers: dict[str, str]) -> str:
    if looks_like_json(body, headers.get("content-type", "")):
        try:
            return inline_text(str(json.loads(body.decode("utf-8-sig")).get("title") or ""), is_html=False)
        except (ValueError, AttributeError):
            return ""
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": headers.get("content-type", "")})
    detail = parsed.get("feed", {}).get("title_detail") or {}
    return inline_text(str(parsed.get("feed", {}).get("title") or ""),
                       is_html=str(detail.get("type", "")).endswith("html"))


def as_toml(found: list[Found]) -> str:
    """The feeds as a ``sources.feeds`` value ready to paste into the settings file."""
    lines = ["feeds = ["]
    for feed in found:
        lines.append(f"    {{url = {json.dumps(feed.url)}, name = {json.dumps(feed.name, ensure_ascii=False)}}},")
    lines.append("]")
    return "\n".join(lines)
