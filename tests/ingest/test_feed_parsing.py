"""feedparser runs without its sanitiser, its link rewriting and (where it changes nothing) the
feed's URL as base: the documents are the same as with all three."""

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


def documents(body: bytes, name: str, monkeypatch: pytest.MonkeyPatch, scheme: str = "https",
              **defaults: Any) -> list[Any]:
    """``parse_feed`` with feedparser given ``defaults`` and, always, the feed's URL as base."""
    real = feedparser.parse
    url = f"{scheme}://example.org/{name}"

    def parse(*args: Any, **kwargs: Any) -> Any:
        headers = {**kwargs.get("response_headers", {}), "content-location": url}
        return real(*args, **{**kwargs, **defaults, "response_headers": headers})

    with monkeypatch.context() as patched:
        patched.setattr(feeds.feedparser, "parse", parse)
        return feeds.parse_feed(body, {"content-type": "application/xml"}, name, url)


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


def parses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of each ``feedparser.parse`` call from now on."""
    seen: list[dict[str, Any]] = []
    real = feedparser.parse
    monkeypatch.setattr(feeds.feedparser, "parse", lambda *a, **k: seen.append(k) or real(*a, **k))
    return seen


RELATIVE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>/news/one</link><guid>/news/one</guid><description>First.</description></item>
<item><title>Two</title><link>https://example.org/news/two</link><guid isPermaLink="false">2</guid>
<description>Second.</description></item></channel></rss>"""

XML_BASE = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">
<title>Blog</title><id>https://example.org/blog/</id><updated>2026-11-30T10:00:00Z</updated>
<entry><title>Post</title><link href="post-1"/><id>https://example.org/blog/post-1</id>
<updated>2026-11-30T10:00:00Z</updated><content type="html">&lt;p&gt;Body.&lt;/p&gt;</content></entry></feed>"""


@pytest.mark.parametrize(("name", "body", "urls"), [
    ("relative", RELATIVE, ["https://example.org/news/one", "https://example.org/news/two"]),
    ("xml-base", XML_BASE, ["https://example.org/blog/post-1"]),
    ("utf-16", RELATIVE.replace(b'version="1.0"', b'version="1.0" encoding="utf-16"').decode().encode("utf-16"),
     ["https://example.org/news/one", "https://example.org/news/two"]),
])
def test_relative_links_and_bases_are_read_with_the_feeds_url(name: str, body: bytes, urls: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = documents(body, name, monkeypatch)
    seen = parses(monkeypatch)
    ours = feeds.parse_feed(body, {"content-type": "application/xml"}, name, f"https://example.org/{name}")
    assert [d.url for d in ours] == urls and ours == theirs
    assert [bool(k["response_headers"].get("content-location")) for k in seen] == [True]  # seen in the bytes


def test_a_relative_link_the_bytes_do_not_show_gets_a_second_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    body = RELATIVE.replace(b"<link>/news/one</link><guid>/news/one</guid>", b"<link>http:one</link>").replace(
        b'<guid isPermaLink="false">2</guid>', b"")
    theirs = documents(body, "scheme-relative", monkeypatch, scheme="http")
    seen = parses(monkeypatch)
    ours = feeds.parse_feed(body, {}, "scheme-relative", "http://example.org/scheme-relative")
    assert ours[0].url == "http://example.org/one"  # "http:one" is relative to an http base (RFC 3986 5.2.2)
    assert [bool(k["response_headers"].get("content-location")) for k in seen] == [False, True]
    assert ours == theirs


def test_a_feed_of_absolute_links_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    body = RELATIVE.replace(b"<link>/news/one</link><guid>/news/one</guid>",
                            b"<link>https://example.org/news/one</link><guid>urn:uuid:1</guid>").replace(
                            b'<guid isPermaLink="false">2</guid>', b"<guid>tag:example.org,2026:2</guid>")
    seen = parses(monkeypatch)
    ours = feeds.parse_feed(body, {}, "absolute", "https://example.org/absolute")
    assert [d.url for d in ours] == ["https://example.org/news/one", "https://example.org/news/two"]
    assert len(seen) == 1 and "content-location" not in seen[0]["response_headers"]
