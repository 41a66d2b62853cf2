"""Feeds against a real HTTP server on 127.0.0.1: every shared feed, 304s, failures kept apart."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC

import feedparser

from briefing import USER_AGENT
from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.settings import Settings
from briefing.store import Store
from tests.ingest.conftest import FeedServer, closed_port, feeds_dir, http_date

SettingsFor = Callable[..., Settings]


def serve_shared_feeds(feed_server: FeedServer) -> list[dict[str, str]]:
    feeds = []
    for path in sorted(feeds_dir().iterdir()):
        url = feed_server.file(f"/{path.name}", path.read_bytes(), etag=f'"{path.stem}-1"')
        feeds.append({"url": url, "name": path.stem})
    return feeds


def entries_with_title_or_link(name: str) -> list[dict[str, str]]:
    """What feedparser itself finds in the shared file: the entries that must become articles."""
    path = next(p for p in feeds_dir().iterdir() if p.stem == name)
    parsed = feedparser.parse(io.BytesIO(path.read_bytes()))
    return [entry for entry in parsed.entries if entry.get("title") or entry.get("link")]


def test_every_entry_of_every_shared_feed_becomes_an_article(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings = feed_settings(serve_shared_feeds(feed_server))
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert report.feed_errors == () and report.quarantined == ()
    assert report.feeds_fetched == 7
    expected = {path.stem: entries_with_title_or_link(path.stem) for path in feeds_dir().iterdir()}
    assert report.added == sum(len(entries) for entries in expected.values()) == 181
    assert report.duplicates == 0
    for name, entries in expected.items():
        rows = store.database.run("SELECT a.title, a.url, a.published, a.text FROM article_sources s JOIN articles a"
                                " ON a.id = s.article_id WHERE s.source = ?", (name,)).fetchall()
        assert len(rows) == len(entries), name
        assert {row[1] for row in rows} == {entry.get("link", "") for entry in entries}, name
        assert all(row[3].strip() for row in rows), name
    store.close()


def test_feed_articles_are_clean_text_with_real_characters_and_aware_times(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings = feed_settings(serve_shared_feeds(feed_server))
    store = Store.open(settings.store.path)
    collect(settings, store, clock)
    articles = store.articles(store.unpublished_article_ids())
    titles = {article.title for article in articles}
    # The ISO-8859-1 feed and the feed with a wrong encoding declaration read correctly.
    assert "Mãe de utente é a nova presidente da Raríssimas" in titles
    assert any("simulações de 2º turno" in title for title in titles)
    assert not any("\ufffd" in a.title or "\ufffd" in a.text for a in articles)
    assert not any("<p>" in a.text or "<img" in a.text or "&amp;" in a.text for a in articles)
    dated = [a for a in articles if a.published is not None]
    assert len(dated) >= 160 and all(a.published.tzinfo is not None for a in dated)  # type: ignore[union-attr]
    guardian = next(a for a in articles if a.title.startswith("Trump State of the Union address promised unity"))
    assert guardian.published is not None and guardian.published.utcoffset() == UTC.utcoffset(None)
    assert "\n\n" in guardian.text  # paragraphs kept
    store.close()


def test_content_encoded_is_preferred_over_the_summary(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
    <channel><title>Blog</title><link>https://blog.example.org/</link><description>d</description>
    <item><title>Full post</title><link>https://blog.example.org/full</link>
    <description>Short teaser only.</description>
    <content:encoded><![CDATA[<h2>Background</h2><p>First paragraph of the full post.</p>
    <p>Second paragraph with <b>bold</b> words.</p><ul><li>point one</li><li>point two</li></ul>]]></content:encoded>
    </item></channel></rss>"""
    settings = feed_settings([{"url": feed_server.file("/blog.rss", body), "name": "blog"}])
    store = Store.open(settings.store.path)
    collect(settings, store, clock)
    (article,) = store.articles(store.unpublished_article_ids())
    assert article.text == ("## Background\n\nFirst paragraph of the full post.\n\n"
                            "Second paragraph with bold words.\n\n- point one\n\n- point two")
    store.close()


def test_second_pass_is_answered_304_and_adds_nothing(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    feeds = serve_shared_feeds(feed_server)
    modified = http_date(1_700_000_000)
    body = (feeds_dir() / "heise.atom").read_bytes()
    feeds.append({"url": feed_server.file("/by-date.atom", body, etag=None, last_modified=modified), "name": "by-date"})
    settings = feed_settings(feeds)
    store = Store.open(settings.store.path)
    first = collect(settings, store, clock)
    assert first.feeds_fetched == 8 and first.duplicates == 15  # by-date repeats heise's entries
    articles = store.article_count()
    again = collect(settings, store, clock)
    assert (again.added, again.duplicates, again.unchanged, again.feeds_fetched) == (0, 0, 0, 0)
    assert again.feeds_not_modified == 8
    assert store.article_count() == articles
    assert feed_server.hits("/guardian.rss")[-1].headers["If-None-Match"] == '"guardian-1"'
    assert feed_server.hits("/by-date.atom")[-1].headers["If-Modified-Since"] == modified
    assert {seen.headers["User-Agent"] for seen in feed_server.requests} == {USER_AGENT}
    store.close()


def test_feed_that_ignores_conditional_get_adds_nothing_the_second_time(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/guardian.rss", (feeds_dir() / "guardian.rss").read_bytes(), etag=None)
    settings = feed_settings([{"url": url, "name": "guardian"}])
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 55
    again = collect(settings, store, clock)
    assert (again.added, again.unchanged, again.feeds_fetched) == (0, 55, 1)
    store.close()


def test_a_500_in_one_feed_does_not_stop_the_others(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    feeds = [
        {"url": feed_server.status("/broken.rss", 500), "name": "broken"},
        {"url": f"http://127.0.0.1:{closed_port()}/feed.rss", "name": "refused"},
        {"url": "http://feed.invalid/rss", "name": "no-dns"},
        {"url": feed_server.file("/guardian.rss", (feeds_dir() / "guardian.rss").read_bytes()), "name": "guardian"},
    ]
    settings = feed_settings(feeds)
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert report.added == 55
    errors = {item.origin: item.reason for item in report.feed_errors}
    assert errors[f"broken ({feeds[0]['url']})"] == "HTTP 500 Internal Server Error"
    assert "cannot fetch" in errors[f"refused ({feeds[1]['url']})"]
    assert "cannot fetch" in errors["no-dns (http://feed.invalid/rss)"]
    collect(settings, store, clock)
    broken = store.source("broken")
    assert broken is not None and broken.failures == 2 and broken.last_error == "HTTP 500 Internal Server Error"
    assert broken.last_error_at == clock.now().isoformat()
    guardian = store.source("guardian")
    assert guardian is not None and guardian.failures == 0 and guardian.last_error == ""
    store.close()


def test_410_gone_disables_the_feed(feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings = feed_settings([{"url": feed_server.status("/gone.rss", 410), "name": "gone"}])
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert "410 Gone" in report.feed_errors[0].reason
    state = store.source("gone")
    assert state is not None and state.disabled and "disabled" in state.last_error
    collect(settings, store, clock)
    assert len(feed_server.hits("/gone.rss")) == 1  # not fetched again
    store.close()


def test_301_updates_the_stored_url_and_302_does_not(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    new = feed_server.file("/new.rss", (feeds_dir() / "reddit.rss").read_bytes())
    feed_server.status("/old.rss", 301, {"Location": new})
    temporary = feed_server.file("/elsewhere.rss", (feeds_dir() / "uolNoticias.rss").read_bytes())
    feed_server.status("/moving.rss", 302, {"Location": temporary})
    settings = feed_settings([{"url": feed_server.url("/old.rss"), "name": "moved"},
                              {"url": feed_server.url("/moving.rss"), "name": "moving"}])
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 24 + 15
    moved, moving = store.source("moved"), store.source("moving")
    assert moved is not None and moved.url == new
    assert moving is not None and moving.url == feed_server.url("/moving.rss")
    collect(settings, store, clock)
    assert len(feed_server.hits("/old.rss")) == 1 and len(feed_server.hits("/new.rss")) == 2
    assert len(feed_server.hits("/moving.rss")) == 2
    store.close()


def test_redirect_loop_stops_at_the_limit(feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    feed_server.status("/a.rss", 302, {"Location": feed_server.url("/b.rss")})
    feed_server.status("/b.rss", 302, {"Location": feed_server.url("/a.rss")})
    settings = feed_settings([{"url": feed_server.url("/a.rss"), "name": "loop"}])
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert report.feed_errors[0].reason == "more than 5 redirects"
    assert len(feed_server.requests) == 6
    store.close()


def test_a_changed_configured_url_starts_the_feed_afresh(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings = feed_settings([{"url": feed_server.status("/gone.rss", 410), "name": "news"}])
    store = Store.open(settings.store.path)
    collect(settings, store, clock)
    state = store.source("news")
    assert state is not None and state.disabled
    fixed = feed_settings([{"url": feed_server.file("/news.rss", (feeds_dir() / "reddit.rss").read_bytes()), "name": "news"}])
    assert collect(fixed, store, clock).added == 24
    state = store.source("news")
    assert state is not None and not state.disabled and state.failures == 0
    store.close()


def test_feeds_with_the_same_default_name_are_kept_apart(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    urls = [feed_server.file("/reddit.rss", (feeds_dir() / "reddit.rss").read_bytes(), etag='"r"'),
            feed_server.file("/uol.rss", (feeds_dir() / "uolNoticias.rss").read_bytes(), etag='"u"')]
    settings = feed_settings(urls)  # both default to the name "127.0.0.1:<port>"
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 39
    assert collect(settings, store, clock).feeds_not_modified == 2
    names = {s.name for s in store.sources() if s.kind == "feed"}
    assert names == {f"127.0.0.1:{feed_server.port} /reddit.rss", f"127.0.0.1:{feed_server.port} /uol.rss"}
    store.close()


def test_dry_run_collect_opens_no_connection(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    settings = feed_settings([{"url": feed_server.file("/g.rss", (feeds_dir() / "guardian.rss").read_bytes()), "name": "g"}])
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock, fetch_feeds=False)
    assert report.added == 0 and feed_server.requests == []
    store.close()


def test_malformed_xml_still_yields_its_entries(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    broken = (b"<rss><channel><title>T</title><item><title>One</title><link>https://x.example/1"
              b"</link></item><item><title>Two & more</title></channel>")
    settings = feed_settings([{"url": feed_server.file("/broken.rss", broken), "name": "broken"}])
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert report.added == 2 and report.feed_errors == ()
    assert {a.title for a in store.articles(store.unpublished_article_ids())} == {"One", "Two & more"}
    store.close()


def test_a_changed_entry_is_a_new_version_of_its_article(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    def feed(text: str) -> bytes:
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Story</title>'
                f"<link>https://news.example/story</link><guid>https://news.example/story</guid>"
                f"<description>{text}</description></item></channel></rss>").encode()

    url = feed_server.file("/news.rss", feed("The first report said ten mines were closed."), etag='"1"')
    settings = feed_settings([{"url": url, "name": "news"}])
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 1
    feed_server.file("/news.rss", feed("The corrected report says twelve mines were closed."), etag='"2"')
    report = collect(settings, store, clock)
    assert (report.added, report.updated, report.duplicates) == (0, 1, 0)
    (article,) = store.articles(store.unpublished_article_ids())
    assert article.text == "The corrected report says twelve mines were closed."
    store.close()


def test_send_dry_run_opens_no_connection(feed_server: FeedServer, feed_settings: SettingsFor) -> None:
    import subprocess
    import sys

    settings = feed_settings([{"url": feed_server.file("/g.rss", (feeds_dir() / "guardian.rss").read_bytes()), "name": "g"}])
    run = subprocess.run([sys.executable, "-m", "briefing", "--config", str(settings.file), "send", "--dry-run"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert "DRY RUN" in run.stdout, run.stderr
    assert feed_server.requests == []
