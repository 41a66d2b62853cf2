"""feedparser runs without its sanitiser and link rewriting: the documents are the same as with them."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest

from briefing.ingest import feeds
from tests.ingest.conftest import feeds_dir

HOSTILE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link>
<item><title>A &lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;title</title><link>/relative/item</link>
<guid>item-1</guid><description>&lt;p&gt;Text &lt;a href="/rel"&gt;link&lt;/a&gt; and
&lt;img src="x" onerror="alert(1)"&gt;&lt;script&gt;document.cookie&lt;/script&gt; more
&lt;iframe src="https://evil.example/"&gt;inside&lt;/iframe&gt;&lt;style&gt;p{}&lt;/style&gt;end.&lt;/p&gt;</description></item>
</channel></rss>"""


def documents(body: bytes, name: str, monkeypatch: pytest.MonkeyPatch, **defaults: Any) -> list[Any]:
    real = feedparser.parse

    def parse(*args: Any, **kwargs: Any) -> Any:
        return real(*args, **{**kwargs, **defaults})

    with monkeypatch.context() as patched:
        patched.setattr(feeds.feedparser, "parse", parse)
        return feeds.parse_feed(body, {"content-type": "application/xml"}, name, f"https://example.org/{name}")


def test_documents_equal_those_of_feedparsers_own_sanitising(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shared feed (read at run time: collection never depends on ../shared)."""
    differ = []
    paths = sorted(feeds_dir().iterdir())
    assert paths, "no feeds in the shared data"
    for path in paths:
        body = path.read_bytes()
        ours = feeds.parse_feed(body, {"content-type": "application/xml"}, path.name, f"https://example.org/{path.name}")
        theirs = documents(body, path.name, monkeypatch, sanitize_html=True, resolve_relative_uris=True)
        if not ours or ours != theirs:
            differ.append(path.name)
    assert not differ, f"documents differ from feedparser's own sanitising for {differ}"


def test_hostile_markup_is_still_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    (entry,) = feeds.parse_feed(HOSTILE, {}, "hostile", "https://example.org/hostile")
    assert entry.text == "Text link and more end."  # no script, no style, not even what an iframe held
    assert entry.url == "https://example.org/relative/item"  # the entry's own link is still resolved
    (theirs,) = documents(HOSTILE, "hostile", monkeypatch, sanitize_html=True, resolve_relative_uris=True)
    assert theirs.text == "Text link and more insideend."  # feedparser's sanitiser kept the iframe's text


def test_the_parse_runs_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = feedparser.parse
    monkeypatch.setattr(feeds.feedparser, "parse", lambda *a, **k: seen.append(k) or real(*a, **k))
    feeds.parse_feed(HOSTILE, {}, "hostile", "https://example.org/hostile")
    assert seen[0]["sanitize_html"] is False and seen[0]["resolve_relative_uris"] is False
