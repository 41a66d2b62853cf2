"""RSS/Atom feeds: fetch with limits, parse the bytes, turn entries into documents.

Fetching sits behind the small ``Fetcher`` protocol: ``HttpFetcher`` (httpx)
in production, anything answering ``fetch`` in tests. It sends a User-Agent
naming briefing, a conditional GET (If-None-Match / If-Modified-Since),
follows at most ``MAX_REDIRECTS`` redirects, and enforces
``sources.fetch_timeout`` as the connect timeout, the timeout of every read,
and the time the whole body may take (a server that stalls is abandoned
after the timeout, one that trickles bytes after about the timeout), and
``sources.max_feed_bytes`` on the decoded body while it streams in (a gzip
bomb stops at the cap too).

feedparser only ever sees the bytes (in a ``BytesIO``) and the response
headers: given a string it would fetch URLs itself with no timeout or open
local files. Before it parses, a document whose DTD declares external
entities or entities built from other entities (billion laughs, quadratic
blow-up) is refused; feedparser and expat also defuse both, this makes the
refusal visible on the feed's status.

Errors: transport problems and refusals raise ``SourceError``; bytes that are
not a feed at all raise ``QuarantineError``. Nothing else escapes.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx

from briefing import USER_AGENT
from briefing.errors import QuarantineError, SourceError
from briefing.ingest.articles import article_id
from briefing.ingest.fetch import (
    DEADLINE_PASSED,
    MAX_REDIRECTS,
    PrivateAddressRefused,
    Resolver,
    SafeClient,
    is_public,
    system_resolver,
)
from briefing.ingest.jsonfeed import looks_like_json, parse_json_feed
from briefing.ingest.text import inline_text, normalise_text, sanitised_text
from briefing.models import Document
from briefing.safety import http_url, strip_control

log = logging.getLogger(__name__)
CHANNEL_TITLE_MAX_CHARS = 80
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
          "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
_PERMANENT = (301, 308)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_ID_CHARS = 2_000  # GUIDs and links longer than this are cut (they are keys, not content)


@dataclass(frozen=True)
class FetchResult:
    """A feed's HTTP answer. ``body`` is read only for a 200."""

    status: int
    url: str  # the URL that answered, after redirects
    moved_to: str = ""  # that URL when every redirect on the way was permanent (301/308)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    reason: str = ""


class Fetcher(Protocol):
    def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
        """GET ``url`` conditionally; raise ``SourceError`` when no HTTP answer came."""
        ...

    def close(self) -> None: ...


class HttpFetcher:
    """The production fetcher: the safe client (``fetch``) with a redirect limit and a byte cap.

    ``trust_origin``: the URL asked for may be on a private address (a feed's
    configured URL); its redirects may not leave that host and port for
    another private one. ``content_types``: when given, a 200 of another type
    is refused before its body is read (article pages: HTML only).
    """

    def __init__(self, *, timeout: float, max_bytes: int, user_agent: str = USER_AGENT,
                 max_redirects: int = MAX_REDIRECTS, transport: httpx.BaseTransport | None = None,
                 allow_private: bool = False, resolver: Resolver = system_resolver, accept: str = ACCEPT,
                 trust_origin: bool = True, content_types: tuple[str, ...] = (),
                 public: Callable[[str], bool] = is_public) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.trust_origin = trust_origin
        self.content_types = content_types
        self.what = "page" if content_types else "feed"
        self.safe = SafeClient(timeout=timeout, allow_private=allow_private, resolver=resolver,
                               user_agent=user_agent, accept=accept, max_redirects=max_redirects, transport=transport,
                               public=public)
        self.client = self.safe.client

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.safe.close()

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "",
              auth: tuple[str, str] | None = None, headers: Mapping[str, str] | None = None) -> FetchResult:
        sent = dict(headers or {})
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        try:
            self.safe.start(url, trust_origin=self.trust_origin, private_headers=tuple(headers or {}))
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise SourceError(url, f"cannot fetch: {exc or type(exc).__name__}") from None
        deadline = self.safe.policy.deadline or time.monotonic() + self.timeout
        try:
            with self.client.stream("GET", url, headers=sent, auth=auth) as response:
                moved = str(response.url) if response.history and all(
                    hop.status_code in _PERMANENT for hop in response.history) else ""
                answer = FetchResult(response.status_code, str(response.url), moved,
                                     {k.lower(): v for k, v in response.headers.items()}, reason=response.reason_phrase)
                if response.status_code != 200:
                    return answer
                self._check_type(answer, url)
                return FetchResult(answer.status, answer.url, answer.moved_to, answer.headers,
                                   self._read_body(response, url, deadline), answer.reason)
        except PrivateAddressRefused as exc:
            raise SourceError(url, str(exc)) from None
        except httpx.TimeoutException as exc:
            if DEADLINE_PASSED in str(exc):
                raise SourceError(url, f"the request took longer than {self.timeout:g} s in all; abandoned") from None
            raise SourceError(url, f"timed out after {self.timeout:g} s ({type(exc).__name__})") from None
        except httpx.TooManyRedirects:
            raise SourceError(url, f"more than {self.max_redirects} redirects") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SourceError(url, f"cannot fetch: {exc or type(exc).__name__}") from None

    def _check_type(self, answer: FetchResult, url: str) -> None:
        if not self.content_types:
            return
        kind = answer.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind not in self.content_types:
            raise SourceError(url, f"not an HTML page (Content-Type {kind or 'missing'}); not read")

    def _read_body(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise SourceError(url, f"the {self.what} is {declared} bytes, over sources.max_feed_bytes ({self.max_bytes}); "
                                   "not read")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise SourceError(url, f"the {self.what} passed sources.max_feed_bytes ({self.max_bytes} bytes); "
                                       "cut off there and not parsed")
            if time.monotonic() > deadline:
                raise SourceError(url, f"the download took longer than {self.timeout:g} s; abandoned")
            chunks.append(chunk)
        return b"".join(chunks)


def parse_feed(body: bytes, headers: Mapping[str, str], source: str, url: str) -> list[Document]:
    """The documents of a fetched feed (RSS, Atom or JSON Feed): one per entry with a title, a link or text."""
    if looks_like_json(body, headers.get("content-type", "")):
        return parse_json_feed(body, source, url)
    refuse_unsafe_entities(body, url, _charset(headers))
    with_base = _base_first(body)
    parsed = _parse(body, headers, url, with_base=with_base)
    if not with_base and _relative_entries(parsed, url):
        parsed = _parse(body, headers, url, with_base=True)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise QuarantineError(url, f"not an RSS or Atom feed{detail}")
    source = reader_name(source, url, parsed.get("feed", {}).get("title", ""))
    if parsed.get("bozo") and entries:
        log.info("feed %s (%s) is not well-formed (%s); using the %d entries read",
                 source, url, parsed.get("bozo_exception"), len(entries))
    documents = []
    for entry in entries:
        document = entry_document(entry, source, url)
        if document is None:
            log.info("feed %s (%s): skipped an entry with no title, link or text", source, url)
        else:
            documents.append(document)
    return documents


def reader_name(source: str, url: str, channel_title: object) -> str:
    """The source name readers see: a configured name, else the feed's own channel
    title ("The Guardian", not "www.theguardian.com /world/rss"), else ``source``."""
    host = urlsplit(url).netloc
    default = source == host or source.startswith(f"{host} /")
    title = " ".join(str(channel_title or "").split())[:CHANNEL_TITLE_MAX_CHARS]
    return title if default and title else source


def _charset(headers: Mapping[str, str]) -> str:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", headers.get("content-type", ""))
    return match.group(1) if match else ""


def _parse(body: bytes, headers: Mapping[str, str], url: str, *, with_base: bool) -> Any:
    """feedparser's reading of ``body``, without two passes whose work we throw away.

    Its sanitiser (nh3 sanitises anyway: ``_content_text``; titles keep no markup:
    ``inline_text``) and its rewriting of relative links inside each entry's HTML (we
    keep its text, never its links) are off. ``with_base``: the URL that answered is
    given as the document's base, for relative entry links (see ``_base_first``).
    """
    kept = {k: v for k, v in headers.items() if k in ("content-type", "content-language")}
    if with_base:
        kept["content-location"] = url
    try:
        return feedparser.parse(io.BytesIO(body), response_headers=kept, sanitize_html=False,
                                resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - feedparser's loose parser meets arbitrary bytes
        raise QuarantineError(url, f"not a readable feed: {type(exc).__name__}: {exc}") from None


# Given a base, feedparser resolves it against every element's ``xml:base`` as it goes (a
# ``urljoin`` for each element of the document: 78 ms of feedparser's time in a pass over
# the shared feeds, against 62 ms without), though of the values ``entry_document`` reads
# only an entry's ``link`` and ``id`` depend on it. So a feed is parsed without its URL as base when the base can change nothing:
# no ``base`` or ``xml:base`` attribute, an ASCII-compatible encoding (a UTF-16, UTF-32 or
# EBCDIC document always gets the base), and no link or id that looks relative
# (``_RELATIVE``, a guess from the bytes); and if the parse without it finds an entry's
# link or id relative after all (``_relative_entries``), the feed is parsed again with
# it. ``tests/ingest/test_feed_parsing.py`` compares the documents with those of a parse
# that always has the base.
_BASE_ATTRIBUTE = re.compile(rb"base\s*=", re.IGNORECASE)
_NO_SCHEME = rb"(?![A-Za-z][A-Za-z0-9+.-]*:)"
_RELATIVE = re.compile(
    rb"<(?:[\w-]+:)?(?:guid|id|link)\b[^>]*+(?<!/)>\s*+(?:<!\[CDATA\[)?+\s*+" + _NO_SCHEME  # <link>/a</link>
    + rb"|<(?:[\w-]+:)?link\b[^>]*?\bhref\s*+=\s*+[\"']?+\s*+" + _NO_SCHEME,  # <link href="/a"/>
    re.IGNORECASE)


def _base_first(body: bytes) -> bool:
    """Whether ``body`` is parsed with its URL as base from the start (see ``_RELATIVE``)."""
    return bool(_BASE_ATTRIBUTE.search(body) or _RELATIVE.search(body)) or any(
        body.startswith(signature) for signature, encoding in _SIGNATURES if encoding != "utf-8")


def _relative_entries(parsed: Any, url: str) -> bool:
    """Whether an entry of a parse without base has a link or id that joining to ``url`` would change."""
    return any(value and not _absolute(str(value), url) for entry in parsed.get("entries") or []
               for value in dict.fromkeys((entry.get("link"), entry.get("id"))))  # a guid that is the link: once


def _absolute(value: str, base: str) -> bool:
    try:
        return urljoin(base, value) == value
    except ValueError:
        return False


_ENTITY_DECLARATION = re.compile(
    r"<!ENTITY\s+(?:%\s*)?[^\s>]+\s+(SYSTEM\b|PUBLIC\b|\"([^\"]*)\"|'([^']*)')", re.IGNORECASE
)
_CHARACTER_REFERENCE = re.compile(r"&#(?:\d{1,7}|x[0-9a-fA-F]{1,6});")
_MAX_ENTITY_CHARS = 64


def refuse_unsafe_entities(body: bytes, url: str, charset: str = "") -> None:
    """Raise ``SourceError`` if the DTD declares external, nested or long entities, in any encoding.

    The prolog is decoded first, in every encoding a parser could read it in
    (a byte-order mark, the UTF-16/UTF-32 null pattern of ``<?``, the XML
    declaration's encoding, the HTTP charset, Latin-1), and each reading is
    inspected: a bomb in UTF-32 or UTF-16BE is refused like one in UTF-8.
    """
    for prolog in _prologs(body, charset):
        if "<!ENTITY" not in prolog.upper():
            continue
        declarations = list(_ENTITY_DECLARATION.finditer(prolog))
        unsafe = len(declarations) != prolog.upper().count("<!ENTITY") or any(
            _unsafe_entity(match) for match in declarations)
        if unsafe:
            raise SourceError(url, "the feed declares external, nested or oversized XML entities (an XML bomb or an "
                                   "attempt to read local files); refused")


def _unsafe_entity(match: re.Match[str]) -> bool:
    if match.group(1).upper().startswith(("SYSTEM", "PUBLIC")):
        return True
    value = match.group(2) if match.group(2) is not None else match.group(3) or ""
    return len(value) > _MAX_ENTITY_CHARS or ("&" in value and not _CHARACTER_REFERENCE.fullmatch(value))


# XML 1.0 appendix F: the encoding a document's first bytes announce.
_SIGNATURES = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8"),
    (b"\x4c\x6f\xa7\x94", "cp500"),
)
_DECLARED = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _prologs(body: bytes, charset: str = "") -> list[str]:
    """The text before the first element (where a DTD lives), decoded every way a parser might."""
    head = body[:1_000_000]
    encodings = [encoding for signature, encoding in _SIGNATURES if head.startswith(signature)][:1]
    for encoding in [*encodings, "latin-1"]:
        declared = _DECLARED.match(_decode(head[:400], encoding))
        if declared:
            encodings.append(declared.group(1))
    encodings += [charset, "latin-1"] if charset else ["latin-1"]
    prologs = []
    for encoding in dict.fromkeys(e.lower() for e in encodings if e):
        text = _decode(head, encoding)
        first = re.search(r"<[A-Za-z_]", text)
        prologs.append(text[: first.start()] if first else text)
    return prologs


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding, errors="ignore").lstrip("\ufeff")
    except LookupError:
        return ""


def entry_document(entry: Mapping[str, Any], source: str, feed_url: str) -> Document | None:
    """One feed entry as a document; None only when it has no title, no link and no text."""
    title = inline_text(str(entry.get("title") or ""), is_html=_is_html(entry.get("title_detail")))
    link = _http_link(entry.get("link"))
    guid = str(entry.get("id") or "").strip()[:_MAX_ID_CHARS]
    text = _fullest_text(entry) or title or link
    if not text:
        return None
    origin = guid or link or f"{feed_url}#{article_id(title + text)}"
    return Document(
        source=source, origin=origin, title=title, text=text, url=link, published=_entry_time(entry), guid=guid,
    )


def _fullest_text(entry: Mapping[str, Any]) -> str:
    """The longest of the entry's contents (content:encoded, atom content) and its summary."""
    offered = [item for item in entry.get("content") or [] if isinstance(item, Mapping)]
    summary = entry.get("summary_detail")
    if isinstance(summary, Mapping):
        offered.append(summary)
    elif entry.get("summary"):
        offered.append({"value": entry.get("summary"), "type": "text/html"})
    texts = [_content_text(item) for item in offered]
    return max(texts, key=len, default="")  # the first (content) wins a tie


def _content_text(item: Mapping[str, Any]) -> str:
    value = str(item.get("value") or "")
    if _is_html(item):
        return html_text(value)
    return normalise_text(value)


def html_text(value: str) -> str:
    """The text of an entry's HTML: sanitised by nh3 first (feed HTML is never used unsanitised).

    HTML without a tag or an entity ("<", "&"; a fifth of the shared feeds' items) has
    nothing to sanitise: its text is its words, control characters dropped, one line,
    which is what nh3 and lxml give for it (``tests/ingest/test_properties.py``), at a
    fraction of the cost. A byte-order mark, which lxml drops at the start, takes the
    long way too.
    """
    if "<" in value or "&" in value or "\ufeff" in value:
        return sanitised_text(value)
    return normalise_text(" ".join(strip_control(value).split()))


def _is_html(detail: object) -> bool:
    return isinstance(detail, Mapping) and str(detail.get("type", "")).lower() in _HTML_TYPES


def _http_link(value: object) -> str:
    return http_url(str(value or "").strip())[:_MAX_ID_CHARS]


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    """Published, else updated, else created time, as an aware UTC datetime."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # Plain dict lookup: FeedParserDict's own maps a missing key to another with a warning.
        moment = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if moment:
            try:
                return datetime.fromtimestamp(calendar.timegm(moment), tz=UTC)
            except (OverflowError, ValueError, TypeError, OSError):
                continue
    return None
