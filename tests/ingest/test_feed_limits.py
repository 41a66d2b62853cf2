"""Hostile feeds: stalls, endless bodies, XML bombs, external entities, pages that are not feeds."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from briefing.clock import FixedClock
from briefing.errors import SourceError
from briefing.ingest import collect
from briefing.ingest.feeds import HttpFetcher
from briefing.settings import Settings
from briefing.store import Store
from tests.ingest.conftest import FeedServer, feeds_dir

SettingsFor = Callable[..., Settings]
TIMEOUT = 1.0

LOL = "".join(
    f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
)
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol0 "lol">{LOL}]>
<rss version="2.0"><channel><title>Bomb</title><link>https://bomb.example/</link><description>d</description>
<item><title>Boom &lol9;</title><link>https://bomb.example/1</link><description>&lol9;</description></item>
</channel></rss>""".encode()
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>XXE</title><link>https://xxe.example/</link><description>d</description>
<item><title>Leak &xxe;</title><link>https://xxe.example/1</link><description>before &xxe; after</description></item>
</channel></rss>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
             b'<rss version="2.0"><channel><title>Q</title><item><title>q</title><description>'
             + b"&a;" * 50_000 + b"</description></item></channel></rss>")
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<rss version="2.0"><channel><title>P</title><item><title>p</title></item></channel></rss>"""


def one_feed(feed_settings: SettingsFor, url: str, **sources: object) -> tuple[Settings, Store]:
    settings = feed_settings([{"url": url, "name": "hostile"}], fetch_timeout=TIMEOUT, **sources)
    return settings, Store.open(settings.store.path)


@pytest.mark.parametrize("after_headers", [False, True], ids=["no-answer", "no-body"])
def test_a_stalled_server_is_abandoned_within_the_timeout(
        after_headers: bool, feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings, store = one_feed(feed_settings, feed_server.stall("/stall.rss", after_headers=after_headers))
    started = time.monotonic()
    report = collect(settings, store, clock)
    elapsed = time.monotonic() - started
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1
    assert "timed out after 1 s" in report.feed_errors[0].reason
    store.close()


def test_a_trickling_server_is_abandoned_too(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings, store = one_feed(feed_settings, feed_server.trickle("/slow.rss"))
    started = time.monotonic()
    report = collect(settings, store, clock)
    assert time.monotonic() - started < TIMEOUT + 1
    reason = report.feed_errors[0].reason
    assert "took longer than 1 s" in reason or "timed out after 1 s" in reason  # whichever read the deadline cut
    store.close()


def test_an_endless_body_is_cut_off_at_the_cap(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    cap = 1_000_000
    settings, store = one_feed(feed_settings, feed_server.endless("/huge.rss"), max_feed_bytes=cap)
    started = time.monotonic()
    report = collect(settings, store, clock)
    assert time.monotonic() - started < TIMEOUT + 1
    assert "passed sources.max_feed_bytes (1000000 bytes)" in report.feed_errors[0].reason
    assert report.added == 0
    # The client stopped reading near the cap: what the server got out is the cap
    # plus what the kernel's socket buffers took, nowhere near the 200 MB on offer.
    time.sleep(0.2)
    assert feed_server.sent["/huge.rss"] < cap + 16_000_000
    store.close()


def test_a_declared_oversized_body_is_not_read(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings, store = one_feed(feed_settings, feed_server.endless("/big.rss", declare_length=50_000_000),
                               max_feed_bytes=1_000_000)
    report = collect(settings, store, clock)
    assert report.feed_errors[0].reason == ("the feed is 50000000 bytes, over sources.max_feed_bytes (1000000); "
                                           "not read")
    store.close()


def test_the_cap_counts_decoded_bytes_so_a_gzip_bomb_stops_there(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    import gzip

    bomb = gzip.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * 20_000_000, 9)
    assert len(bomb) < 100_000

    def route(handler: object) -> None:
        handler.reply(200, bomb, "application/rss+xml", {"Content-Encoding": "gzip"})  # type: ignore[attr-defined]

    feed_server.routes["/bomb.rss.gz"] = route
    settings, store = one_feed(feed_settings, feed_server.url("/bomb.rss.gz"), max_feed_bytes=1_000_000)
    report = collect(settings, store, clock)
    assert "passed sources.max_feed_bytes" in report.feed_errors[0].reason
    store.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, QUADRATIC, PARAMETER_ENTITY, BILLION_LAUGHS.decode().encode("utf-16")],
                         ids=["billion-laughs", "external-entity", "quadratic-blowup", "parameter-entity", "utf16-bomb"])
def test_xml_bombs_and_external_entities_finish_fast_and_leak_nothing(
        body: bytes, feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings, store = one_feed(feed_settings, feed_server.file("/evil.rss", body))
    started = time.monotonic()
    report = collect(settings, store, clock)
    assert time.monotonic() - started < 1.0
    assert "refused" in report.feed_errors[0].reason
    state = store.source("hostile")
    assert state is not None and state.failures == 1 and "XML bomb" in state.last_error
    dump = "\n".join(store.database.raw.iterdump())
    assert "root:" not in dump and "lollollol" not in dump
    assert store.article_count() == 0
    assert feed_server.hits("/evil.dtd") == []
    store.close()


def test_feedparser_alone_also_defuses_them() -> None:
    """Belt and braces: even past our DTD check, feedparser neither expands nor reads."""
    import io

    import feedparser

    for body in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        started = time.monotonic()
        parsed = feedparser.parse(io.BytesIO(body))
        assert time.monotonic() - started < 1.0
        text = str(parsed.entries)
        assert "root:" not in text and "lollollol" not in text


def test_harmless_character_entities_are_allowed(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY copy "&#169;">]>
    <rss version="2.0"><channel><title>T</title><item><title>Caf&#233; &copy; 2024</title>
    <link>https://ok.example/1</link></item></channel></rss>"""
    settings, store = one_feed(feed_settings, feed_server.file("/ok.rss", body))
    report = collect(settings, store, clock)
    assert report.feed_errors == () and report.added == 1
    store.close()


@pytest.mark.parametrize("body,content_type", [
    (b"<!doctype html><html><head><title>Moved</title></head><body><p>Our feed moved.</p></body></html>", "text/html"),
    (b'{"items": []}', "application/json"),
    (b"", "application/rss+xml"),
], ids=["html-page", "json", "empty"])
def test_a_feed_that_is_not_a_feed_is_quarantined(
        body: bytes, content_type: str, feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/notafeed", body, content_type=content_type)
    settings, store = one_feed(feed_settings, url)
    report = collect(settings, store, clock)
    (item,) = report.quarantined
    assert item.origin == url and item.reason.startswith("not an RSS or Atom feed")
    assert [(q.origin, q.source) for q in store.quarantined()] == [(url, "hostile")]
    state = store.source("hostile")
    assert state is not None and state.last_error.startswith("not an RSS or Atom feed")
    store.close()


def test_a_fixed_feed_leaves_quarantine(feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/feed", b"<html><body>nothing</body></html>", content_type="text/html", etag='"a"')
    settings, store = one_feed(feed_settings, url)
    collect(settings, store, clock)
    assert len(store.quarantined()) == 1
    feed_server.file("/feed", (feeds_dir() / "reddit.rss").read_bytes(), etag='"b"')
    assert collect(settings, store, clock).added == 24
    assert store.quarantined() == []
    store.close()


def test_fetcher_refuses_non_http_urls() -> None:
    with HttpFetcher(timeout=1, max_bytes=1000) as fetcher:
        for url in ("file:///etc/passwd", "ftp://example.org/feed", "not a url"):
            with pytest.raises(SourceError):
                fetcher.fetch(url)
