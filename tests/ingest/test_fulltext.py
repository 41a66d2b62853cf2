"""Full text behind teaser feeds, against real loopback servers: pages, robots.txt, failures, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.ingest.fulltext import PageFetcher, page_problems, pending_pages, queue_pages
from briefing.models import Document
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.ingest.conftest import FeedServer, bbc_file, serving

SettingsFor = Callable[..., Settings]
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def bodies() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in bbc_file().read_text(encoding="utf-8").splitlines()[:40]]
    return [row for row in rows if len(row["text"].split()) > 250][:6]


def page_html(title: str, text: str, extra: str = "") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    return (f"<!DOCTYPE html><html><head><title>{title} | Site</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/login'>Log in</a></nav>"
            f"<article><h1>{title}</h1>{extra}{paragraphs}</article>"
            f"<footer>Copyright. Cookies. Terms.</footer></body></html>").encode()


def teaser_feed(entries: list[tuple[str, str, str]]) -> bytes:
    """RSS of (title, link, teaser) entries, all dated PUBLISHED."""
    items = "".join(
        f"<item><title>Feed: {title}</title><link>{link}</link><guid>{link}#guid</guid>"
        f"<pubDate>{format_datetime(PUBLISHED)}</pubDate><description>{teaser}</description></item>"
        for title, link, teaser in entries)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>'
            f"<link>https://news.example/</link><description>d</description>{items}</channel></rss>").encode()


def first_sentence(text: str) -> str:
    return text.split(". ")[0].strip() + "."


@pytest.fixture
def site(feed_server: FeedServer, bodies: list[dict[str, str]]) -> Iterator[tuple[FeedServer, str]]:
    """Pages /a/0.. with full articles, a teaser feed linking to them, and a robots.txt."""
    entries = []
    for index, row in enumerate(bodies[:3]):
        link = feed_server.file(f"/a/{index}", page_html(row["title"], row["text"]), content_type="text/html",
                                etag=None)
        entries.append((row["title"], link, first_sentence(row["text"])))
    feed_server.file("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain", etag=None)
    yield feed_server, feed_server.file("/teasers.rss", teaser_feed(entries), etag=None)


def teaser_settings(feed_settings: SettingsFor, url: str, **sources: Any) -> Settings:
    return feed_settings([{"url": url, "name": "teasers"}], **{"allow_private_hosts": True, "host_delay": 0,
                                                               "fetch_timeout": 2, **sources})


def stored(store: Store) -> list[Any]:
    return store.articles(store.unpublished_article_ids())


def test_teaser_entries_get_the_pages_full_text_with_the_feeds_title_and_date(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, bodies: list[dict[str, str]],
        clock: FixedClock) -> None:
    server, url = site
    settings = teaser_settings(feed_settings, url)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
        articles = sorted(stored(store), key=lambda a: a.url)
    assert report.pages_fetched == 3 and report.pages_failed == 0 and report.feed_errors == ()
    assert len(articles) == 3
    for index, article in enumerate(articles):
        row = bodies[index]
        assert article.title == f"Feed: {row['title']}"  # the feed's title, not the page's "<title> | Site"
        assert article.published == PUBLISHED
        assert article.url == server.url(f"/a/{index}")
        assert len(article.text.split()) > 200
        last_paragraph = [p for p in row["text"].split("\n") if p.strip()][-1]
        assert last_paragraph[:60] in article.text
        assert "Log in" not in article.text and "Cookies" not in article.text
    assert all(seen.headers.get("User-Agent", "").startswith("briefing/") for seen in server.requests)
    assert len(server.hits("/robots.txt")) == 1  # once per host


def test_a_second_poll_fetches_no_page_again(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, clock: FixedClock) -> None:
    server, url = site
    settings = teaser_settings(feed_settings, url)
    with Store.open(settings.store.path) as store:
        collect(settings, store, clock)
        texts = {a.id: a.text for a in stored(store)}
        again = collect(settings, store, clock)  # the feed has no ETag: it is parsed again
        assert {a.id: a.text for a in stored(store)} == texts
    assert again.pages_fetched == 0 and again.added == 0 and again.updated == 0 and again.unchanged == 3
    for index in range(3):
        assert len(server.hits(f"/a/{index}")) == 1


def test_failures_keep_the_teaser_with_a_recorded_reason(
        feed_server: FeedServer, feed_settings: SettingsFor, bodies: list[dict[str, str]], clock: FixedClock) -> None:
    row = bodies[0]
    feed_server.file("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain", etag=None)
    links = {
        "500": feed_server.status("/broken", 500),
        "stall": feed_server.stall("/slow", after_headers=False),
        "pdf": feed_server.file("/doc.pdf", b"%PDF-1.4 " + row["text"].encode(), content_type="application/pdf"),
        "robots": feed_server.file("/private/page", page_html(row["title"], row["text"]), content_type="text/html"),
        "empty": feed_server.file("/empty", b"<html><body><nav>Home</nav></body></html>", content_type="text/html"),
    }
    entries = [(name, link, f"Teaser for {name}: {first_sentence(bodies[i]['text'])}")
               for i, (name, link) in enumerate(links.items())]
    url = feed_server.file("/teasers.rss", teaser_feed(entries))
    settings = teaser_settings(feed_settings, url, fetch_timeout=1)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
        articles = {a.url: a for a in stored(store)}
        problems = {p.url: p for p in page_problems(store)}
    assert report.pages_fetched == 0 and report.pages_failed == 5
    assert set(articles) == set(links.values())  # every entry kept, as its teaser
    assert all(a.text.startswith("Teaser for ") for a in articles.values())
    assert "HTTP 500" in problems[links["500"]].reason and problems[links["500"]].status == "pending"  # retried
    assert "timed out after 1 s" in problems[links["stall"]].reason
    assert "not an HTML page (Content-Type application/pdf)" in problems[links["pdf"]].reason
    assert problems[links["pdf"]].status == "failed"
    assert "robots.txt" in problems[links["robots"]].reason and "disallows" in problems[links["robots"]].reason
    assert "no longer than the teaser" in problems[links["empty"]].reason
    assert feed_server.hits("/private/page") == []

    result = CliRunner().invoke(cli, ["--config", str(settings.file), "status"])
    assert result.exit_code == 0, result.output
    assert f"page {links['pdf']} [teasers]: not an HTML page" in result.output
    data = json.loads(CliRunner().invoke(cli, ["--config", str(settings.file), "status", "--json"]).output)
    assert {p["url"] for p in data["pages"]["problems"]} == set(links.values())


def test_a_link_to_loopback_is_refused_without_allow_private_hosts(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, clock: FixedClock) -> None:
    server, url = site
    settings = teaser_settings(feed_settings, url, allow_private_hosts=False)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)  # the feed itself is the configured URL: allowed
        problems = page_problems(store)
        assert store.article_count() == 3
    assert report.feed_errors == () and report.pages_failed == 3
    assert all("non-public address 127.0.0.1" in p.reason and p.status == "failed" for p in problems)
    assert server.hits("/robots.txt") == [] and server.hits("/a/0") == []


def test_a_redirect_hop_to_loopback_is_refused(
        feed_server: FeedServer, feed_settings: SettingsFor, bodies: list[dict[str, str]], clock: FixedClock) -> None:
    """127.0.0.2 stands in for the internet (the ``public`` seam); its page redirects to 127.0.0.1."""
    row = bodies[0]
    internal = feed_server.file("/admin", page_html(row["title"], row["text"]), content_type="text/html")
    with serving("127.0.0.2") as outside:
        outside.file("/robots.txt", b"", content_type="text/plain")
        link = outside.redirect("/story", internal)
        url = feed_server.file("/teasers.rss", teaser_feed([("Story", link, "A teaser.")]))
        settings = teaser_settings(feed_settings, url, allow_private_hosts=False)
        pages = PageFetcher(timeout=2, max_bytes=1_000_000, host_delay=0, public=lambda address: address != "127.0.0.1")
        with Store.open(settings.store.path) as store:
            report = collect(settings, store, clock, pages=pages)
            (problem,) = page_problems(store)
        pages.close()
        assert len(outside.hits("/story")) == 1
    assert report.pages_failed == 1 and "non-public address 127.0.0.1" in problem.reason
    assert feed_server.hits("/admin") == []


def test_one_pass_is_bounded_and_the_next_takes_the_rest(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, clock: FixedClock) -> None:
    server, url = site
    settings = teaser_settings(feed_settings, url, full_text_pages=2)
    with Store.open(settings.store.path) as store:
        first = collect(settings, store, clock)
        second = collect(settings, store, clock)
    assert (first.pages_fetched, second.pages_fetched) == (2, 1)


def test_only_pages_of_teasers_the_topic_keeps_are_requested(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, bodies: list[dict[str, str]],
        clock: FixedClock) -> None:
    server, url = site
    wanted = bodies[1]["title"]

    def keep(document: Document) -> bool:
        return wanted in document.title

    settings = teaser_settings(feed_settings, url)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock, keep=keep)
        assert store.article_count() == 3  # off-topic teasers are still stored; only their pages are not fetched
    assert report.pages_fetched == 1
    assert server.hits("/a/0") == [] and len(server.hits("/a/1")) == 1 and server.hits("/a/2") == []


def test_full_text_can_be_turned_off_per_feed_or_forced(
        site: tuple[FeedServer, str], feed_settings: SettingsFor, clock: FixedClock) -> None:
    server, url = site
    off = feed_settings([{"url": url, "name": "teasers", "full_text": False}], allow_private_hosts=True, host_delay=0)
    with Store.open(off.store.path) as store:
        assert collect(off, store, clock).pages_fetched == 0
    assert server.hits("/a/0") == []
    forced = feed_settings([{"url": url, "name": "teasers", "full_text": True}], allow_private_hosts=True,
                           host_delay=0, teaser_words=0)  # no entry counts as a teaser, yet every page is fetched
    with Store.open(forced.store.path) as store:
        assert collect(forced, store, clock).pages_fetched == 3


def test_extracted_html_is_sanitised_before_it_becomes_text(
        feed_server: FeedServer, feed_settings: SettingsFor, bodies: list[dict[str, str]], clock: FixedClock) -> None:
    row = bodies[2]
    hostile = "<p>Read <img src=x onerror=alert(1)> this <script>alert('x')</script><a href='javascript:alert(2)'>now</a>.</p>"
    link = feed_server.file("/a/x", page_html(row["title"], row["text"], hostile), content_type="text/html")
    feed_server.file("/robots.txt", b"", content_type="text/plain")
    url = feed_server.file("/teasers.rss", teaser_feed([("X", link, "A teaser.")]))
    settings = teaser_settings(feed_settings, url)
    with Store.open(settings.store.path) as store:
        assert collect(settings, store, clock).pages_fetched == 1
        (article,) = stored(store)
    assert "alert" not in article.text and "onerror" not in article.text and "<" not in article.text


def test_two_feeds_linking_the_same_page_fetch_it_once(
        site: tuple[FeedServer, str], feed_server: FeedServer, feed_settings: SettingsFor,
        bodies: list[dict[str, str]], clock: FixedClock) -> None:
    server, url = site
    other = feed_server.file("/other.rss", teaser_feed(
        [(f"Other {i}", feed_server.url(f"/a/{i}"), f"Another teaser {i}.") for i in range(3)]), etag=None)
    settings = feed_settings([{"url": url, "name": "teasers"}, {"url": other, "name": "other"}],
                             allow_private_hosts=True, host_delay=0)
    with Store.open(settings.store.path) as store:
        first = collect(settings, store, clock)
        second = collect(settings, store, clock)
    assert first.pages_fetched == 3 and second.pages_fetched == 0
    assert all(len(server.hits(f"/a/{i}")) == 1 for i in range(3))


def test_pages_of_several_hosts_are_taken_in_turn(make_config: ConfigMaker, clock: FixedClock) -> None:
    """With a per-host delay, host B's pages are fetched between host A's, not after them."""
    settings = load_settings(make_config(), env={})
    links = [f"https://a.example/{i}" for i in range(3)] + [f"https://b.example/{i}" for i in range(2)]
    with Store.open(settings.store.path) as store:
        queue_pages(store, [Document(source="s", origin=link, title=link, text="A teaser.", url=link) for link in links],
                    clock.now())
        order = [page.url for page in pending_pages(store, 10)]
    assert order == ["https://a.example/0", "https://b.example/0", "https://a.example/1", "https://b.example/1",
                     "https://a.example/2"]


def test_briefing_ingest_fetches_only_the_pages_of_teasers_on_the_topic(
        feed_server: FeedServer, bodies: list[dict[str, str]], make_config: ConfigMaker, tmp_path: Any) -> None:
    """The real topic decides: `briefing ingest` with the sample topic requests the page of the
    dysprosium teaser and not those of the BBC business teasers beside it in the same feed."""
    from tests.test_topic_edition import sample_topic

    on = ("Dysprosium oxide prices jump", "Dysprosium oxide rose 12% this week as magnet makers in Ningbo "
          "restocked ahead of new NdFeB export quotas.")
    entries = [(on[0], feed_server.file("/a/on", page_html(on[0], on[1] + " " + bodies[0]["text"]),
                                        content_type="text/html", etag=None), on[1])]
    for index, row in enumerate(bodies[1:3]):
        link = feed_server.file(f"/a/off{index}", page_html(row["title"], row["text"]), content_type="text/html",
                                etag=None)
        entries.append((row["title"], link, first_sentence(row["text"])))
    url = feed_server.file("/mixed.rss", teaser_feed(entries), etag=None)
    (tmp_path / "articles").mkdir(exist_ok=True)
    path = make_config(sources={"folders": ["articles"], "feeds": [{"url": url, "name": "mixed"}],
                                "allow_private_hosts": True, "host_delay": 0}, topic=sample_topic())
    run = CliRunner().invoke(cli, ["--config", str(path), "ingest"])
    assert run.exit_code == 0, run.output
    assert len(feed_server.hits("/a/on")) == 1
    assert feed_server.hits("/a/off0") == [] and feed_server.hits("/a/off1") == []


def test_a_batch_queues_each_page_once_and_again_only_for_a_new_teaser(make_config: ConfigMaker,
                                                                       clock: FixedClock) -> None:
    """``queue_pages`` of one feed's entries: a page two entries link is queued once; a changed teaser queues
    it again (attempts and reason reset); the same teaser leaves a failed page alone."""
    settings = load_settings(make_config(), env={})
    link = "https://a.example/story"

    def teaser(text: str, origin: str = link) -> Document:
        return Document(source="s", origin=origin, title="Story", text=text, url=link)

    with Store.open(settings.store.path) as store:
        queue_pages(store, [teaser("A teaser."), teaser("A teaser.", origin=f"{link}#again")], clock.now())
        assert [page.url for page in pending_pages(store, 10)] == [link]
        store.database.run("UPDATE pages SET status = 'failed', reason = 'HTTP 404', attempts = 3")
        queue_pages(store, [teaser("A teaser.")], clock.now())
        assert pending_pages(store, 10) == [] and [p.reason for p in page_problems(store)] == ["HTTP 404"]
        queue_pages(store, [teaser("The teaser, rewritten.")], clock.now())
        [page] = pending_pages(store, 10)
    assert (page.document.text, page.attempts, page.reason) == ("The teaser, rewritten.", 0, "")
