"""JSON Feed 1.0 and 1.1 (jsonfeed.org): read as a feed, with the same limits as RSS and Atom.

feedparser does not read JSON Feed, so this does: the body arrives through the
same fetcher (byte cap, deadline, conditional GET) and becomes the same
``Document``s. ``content_html`` is sanitised with nh3 before it becomes text,
as feed HTML always is; the entry's text is the longest of ``content_html``,
``content_text`` and ``summary``; its link ``url`` (else ``external_url``),
resolved against the feed's address; its time ``date_published``, else
``date_modified``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from briefing.errors import QuarantineError
from briefing.ingest.articles import article_id
from briefing.ingest.files import parse_time
from briefing.ingest.text import inline_text, normalise_text, sanitised_text
from briefing.models import Document
from briefing.safety import http_url

log = logging.getLogger(__name__)
VERSION_PREFIX = "https://jsonfeed.org/version/1"
_MAX_ID_CHARS = 2_000


def looks_like_json(body: bytes, content_type: str = "") -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("application/feed+json", "application/json") or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes, source: str, url: str) -> list[Document]:
    """The documents of a JSON Feed; ``QuarantineError`` when the body is not one."""
    try:
        feed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuarantineError(url, f"not an RSS or Atom feed or JSON Feed (invalid JSON: {exc})") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(VERSION_PREFIX):
        raise QuarantineError(url, "not an RSS or Atom feed or JSON Feed (JSON without a jsonfeed.org version)")
    items = feed.get("items")
    if not isinstance(items, list):
        raise QuarantineError(url, "a JSON Feed without an items list")
    documents = []
    for item in items:
        document = item_document(item, source, url) if isinstance(item, Mapping) else None
        if document is None:
            log.info("JSON Feed %s (%s): skipped an item with no title, link or text", source, url)
        else:
            documents.append(document)
    return documents


def item_document(item: Mapping[str, Any], source: str, feed_url: str) -> Document | None:
    title = inline_text(_string(item.get("title")), is_html=False)
    link = _link(item.get("url"), feed_url) or _link(item.get("external_url"), feed_url)
    guid = _string(item.get("id")).strip()[:_MAX_ID_CHARS]
    texts = [sanitised_text(_string(item.get("content_html"))),
             normalise_text(_string(item.get("content_text"))), normalise_text(_string(item.get("summary")))]
    text = max(texts, key=len) or title or link
    if not text:
        return None
    return Document(
        source=source, origin=guid or link or f"{feed_url}#{article_id(title + text)}", title=title, text=text,
        url=link, published=_utc(parse_time(item.get("date_published")) or parse_time(item.get("date_modified"))),
        guid=guid,
    )


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None  # as feedparser gives RSS and Atom times


def _string(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int | float) else ""


def _link(value: object, base: str) -> str:
    link = urljoin(base, _string(value).strip()) if _string(value).strip() else ""
    return http_url(link)[:_MAX_ID_CHARS]


