"""Subscriptions: OPML in and out, `briefing feeds list`, discovery, JSON Feed, private feeds."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.clock import FixedClock
from briefing.errors import ConfigError
from briefing.ingest import collect
from briefing.opml import OpmlError, parse_opml
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.ingest.conftest import FeedServer, Handler, feeds_dir
from tests.ingest.test_feeds import entries_with_title_or_link

SettingsFor = Callable[..., Settings]


def opml_of_shared_feeds(feed_server: FeedServer) -> tuple[bytes, list[tuple[str, str, str]]]:
    """An OPML export as Feedly writes it: folders, one nested, outlines with text and title."""
    paths = sorted(feeds_dir().iterdir())
    expected = []
    outlines = {"News": [], "News/World": [], "Tech": []}  # type: dict[str, list[str]]
    for index, path in enumerate(paths):
        url = feed_server.file(f"/{path.name}", path.read_bytes(), etag=f'"{path.stem}"')
        folder = ("News", "News/World", "Tech")[index % 3]
        outlines[folder].append(f'<outline type="rss" text="{path.stem}" title="{path.stem}" xmlUrl="{url}" '
                                f'htmlUrl="https://{path.stem}.example/"/>')
        expected.append((url, path.stem, folder))
    body = (f'<?xml version="1.0" encoding="UTF-8"?><opml version="1.0"><head><title>Feedly</title></head><body>'
            f'<outline text="News" title="News">{"".join(outlines["News"])}'
            f'<outline text="World" title="World">{"".join(outlines["News/World"])}</outline></outline>'
            f'<outline text="Tech" title="Tech">{"".join(outlines["Tech"])}</outline></body></opml>')
    in_document_order = sorted(expected, key=lambda item: ("News", "News/World", "Tech").index(item[2]))
    return body.encode(), in_document_order


def test_an_opml_file_of_the_shared_feeds_is_read_and_ingested(
        feed_server: FeedServer, make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    body, expected = opml_of_shared_feeds(feed_server)
    (tmp_path / "feeds.opml").write_bytes(body)
    (tmp_path / "articles").mkdir()
    config = make_config(sources={"folders": ["articles"], "opml": ["feeds.opml"], "full_text": "never"})
    settings = load_settings(config, env={})
    assert [(f.url, f.name, f.folder) for f in settings.sources.feeds] == expected
    assert {f.origin for f in settings.sources.feeds} == {str(tmp_path / "feeds.opml")}
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.feeds_fetched == 7 and report.feed_errors == ()
    assert report.added == sum(len(entries_with_title_or_link(p.stem)) for p in feeds_dir().iterdir())

    listed = json.loads(CliRunner().invoke(cli, ["--config", str(config), "feeds", "list", "--json"]).output)
    assert [(row["name"], row["origin"], row["state"]) for row in listed] == [
        (name, str(tmp_path / "feeds.opml"), "ok") for _, name, _ in expected]

    exported = CliRunner().invoke(cli, ["--config", str(config), "feeds", "export", "-o", str(tmp_path / "out.opml")])
    assert exported.exit_code == 0, exported.output
    again = parse_opml((tmp_path / "out.opml").read_bytes())
    assert [(s.url, s.name, s.folder) for s in again] == expected
    stdout = CliRunner().invoke(cli, ["--config", str(config), "feeds", "export"]).output
    assert stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')


def test_configured_feeds_and_opml_feeds_are_merged_without_repeats(
        make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "more.opml").write_text(
        '<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/feed"/>'
        '<outline text="B" xmlUrl="https://b.example/feed"/><outline text="no feed"/></body></opml>')
    config = make_config(sources={"feeds": [{"url": "https://a.example/feed", "name": "Mine"}], "opml": ["more.opml"]})
    feeds = load_settings(config, env={}).sources.feeds
    assert [(f.name, f.origin) for f in feeds] == [("Mine", "config"), ("B", str(tmp_path / "more.opml"))]


@pytest.mark.parametrize("body,message", [
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<opml><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>', "refused"),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><opml><body/></opml>',
     "refused"),
    (b"<opml><body><outline", "not well-formed"),
    (b"<rss version='2.0'><channel/></rss>", "not OPML"),
], ids=["external-entity", "entities", "broken", "not-opml"])
def test_a_bad_opml_file_is_a_settings_error_naming_it(
        body: bytes, message: str, make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "bad.opml").write_bytes(body)
    config = make_config(sources={"opml": ["bad.opml"]})
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(config, env={})
    assert "sources.opml" in str(caught.value) and "bad.opml" in str(caught.value)
    with pytest.raises(OpmlError):
        parse_opml(body)


# --- discovery --------------------------------------------------------------------------------

def _discover(config: Path, url: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), "feeds", "discover", url])


def test_discovery_finds_the_feeds_a_page_links(feed_server: FeedServer, make_config: ConfigMaker) -> None:
    rss = feed_server.file("/news/rss.xml", (feeds_dir() / "guardian.rss").read_bytes())
    feed_server.file("/atom", (feeds_dir() / "heise.atom").read_bytes())
    feed_server.file("/feed.json", JSON_FEED, content_type="application/feed+json")
    page = (b'<html><head><base href="/news/"><title>Site</title>'
            b'<link rel="alternate" type="application/rss+xml" title="RSS" href="rss.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="/atom">'
            b'<link rel="alternate" type="application/feed+json" href="/feed.json">'
            b'<link rel="alternate" type="application/rss+xml" href="/missing.xml">'
            b'<link rel="stylesheet" href="/style.css"></head><body>Hello</body></html>')
    site = feed_server.file("/", page, content_type="text/html")
    result = _discover(make_config(), site)
    assert result.exit_code == 0, result.output
    assert f'{{url = "{rss}", name = "' in result.output
    assert feed_server.url("/atom") in result.output and feed_server.url("/feed.json") in result.output
    assert "missing.xml" not in result.output
    assert 'name = "Rare earths weekly"' in result.output  # the JSON Feed's own title
    pasted = result.output.split("\n", 1)[1]  # after the comment line: valid TOML for [sources]
    import tomllib
    assert [f["url"] for f in tomllib.loads(pasted)["feeds"]] == [rss, feed_server.url("/atom"),
                                                                 feed_server.url("/feed.json")]


def test_discovery_tries_the_usual_paths(feed_server: FeedServer, make_config: ConfigMaker) -> None:
    feed_server.file("/feed", (feeds_dir() / "reddit.rss").read_bytes())
    site = feed_server.file("/", b"<html><head><title>No links</title></head><body>x</body></html>",
                            content_type="text/html")
    result = _discover(make_config(), site)
    assert result.exit_code == 0, result.output
    assert f'url = "{feed_server.url("/feed")}"' in result.output
    assert feed_server.hits("/rss.xml") and feed_server.hits("/atom.xml")  # tried, not found


def test_discovery_of_a_feed_address_and_of_a_site_without_feeds(
        feed_server: FeedServer, make_config: ConfigMaker) -> None:
    config = make_config()
    url = feed_server.file("/only.rss", (feeds_dir() / "reddit.rss").read_bytes())
    assert f'url = "{url}"' in _discover(config, url).output
    empty = feed_server.file("/empty/", b"<html><body>nothing</body></html>", content_type="text/html")
    result = _discover(config, empty)
    assert result.exit_code == 1 and "no feed found" in result.output


def test_discovery_does_not_follow_links_to_other_private_hosts(
        feed_server: FeedServer, other_server: FeedServer, make_config: ConfigMaker) -> None:
    internal = other_server.file("/internal.rss", (feeds_dir() / "reddit.rss").read_bytes())
    page = f'<html><head><link rel="alternate" type="application/rss+xml" href="{internal}"></head></html>'
    site = feed_server.file("/", page.encode(), content_type="text/html")
    result = _discover(make_config(), site)
    assert result.exit_code == 1 and other_server.hits("/internal.rss") == []


# --- JSON Feed -----------------------------------------------------------------------------------

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Rare earths weekly",
    "home_page_url": "https://re.example/", "feed_url": "https://re.example/feed.json",
    "items": [
        {"id": "https://re.example/1", "url": "https://re.example/1", "title": "Baotou raises prices",
         "content_html": "<p>China Northern Rare Earth raised its <b>listed prices</b>.</p>"
                         "<script>alert(1)</script><p>Second paragraph.</p>",
         "date_published": "2026-03-02T09:30:00+08:00", "authors": [{"name": "Li Wei"}]},
        {"id": 2, "url": "/2", "title": "Quota cut", "content_text": "Quotas were cut.\n\nBy ten percent.",
         "date_modified": "2026-03-03T10:00:00Z", "author": {"name": "A. Writer"}},
        {"id": "3", "summary": "Only a summary, no title or link."},
        "not an item",
    ],
}).encode()


def test_a_json_feed_is_ingested_with_the_same_conditional_get(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/feed.json", JSON_FEED, content_type="application/feed+json", etag='"j1"')
    settings = feed_settings([{"url": url, "name": "json"}], full_text="never")
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
        articles = {a.title: a for a in store.articles(store.unpublished_article_ids())}
        second = collect(settings, store, clock)
    assert report.feed_errors == () and report.added == 3
    first = articles["Baotou raises prices"]
    assert first.text == "China Northern Rare Earth raised its listed prices.\n\nSecond paragraph."
    assert first.published is not None and first.published.isoformat() == "2026-03-02T01:30:00+00:00"
    assert articles["Quota cut"].url == feed_server.url("/2")
    assert second.feeds_not_modified == 1 and feed_server.hits("/feed.json")[1].headers["If-None-Match"] == '"j1"'
    assert "application/feed+json" in feed_server.hits("/feed.json")[0].headers["Accept"]


def test_json_that_is_not_a_json_feed_is_quarantined(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/x.json", b'{"version": "1", "items": []}', content_type="application/json")
    settings = feed_settings([{"url": url, "name": "json"}])
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.quarantined[0].reason.startswith("not an RSS or Atom feed or JSON Feed")


# --- private feeds ----------------------------------------------------------------------------------

def basic_auth_route(feed_server: FeedServer, path: str, user: str, password: str, body: bytes) -> str:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def route(handler: Handler) -> None:
        if handler.headers.get("Authorization") != expected:
            handler.reply(401, b"", "text/plain", {"WWW-Authenticate": 'Basic realm="feeds"'})
        else:
            handler.reply(200, body, "application/rss+xml", {})

    feed_server.routes[path] = route
    return feed_server.url(path)


def test_basic_auth_and_headers_come_from_the_environment(
        feed_server: FeedServer, make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    body = (feeds_dir() / "reddit.rss").read_bytes()
    url = basic_auth_route(feed_server, "/private.rss", "analyst", "s3cret", body)
    (tmp_path / "articles").mkdir()
    table = {"url": url, "name": "private", "username": "analyst", "password_env": "FEED_PASSWORD",
             "headers_env": {"X-Api-Key": "FEED_KEY"}}
    config = make_config(sources={"folders": ["articles"], "feeds": [table], "full_text": "never"})
    settings = load_settings(config, env={"FEED_PASSWORD": "s3cret", "FEED_KEY": "k-123"})
    assert "s3cret" not in repr(settings) and "k-123" not in repr(settings)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.feed_errors == () and report.added == 24
    assert feed_server.hits("/private.rss")[0].headers["X-Api-Key"] == "k-123"
    wrong = load_settings(config, env={"FEED_PASSWORD": "nope", "FEED_KEY": "k"})
    with Store.open(wrong.store.path) as store:
        failed = collect(wrong, store, clock)
    assert "HTTP 401" in failed.feed_errors[0].reason


def test_a_missing_secret_variable_is_a_settings_error_exit_2(
        feed_server: FeedServer, make_config: ConfigMaker, tmp_path: Path) -> None:
    import subprocess
    import sys

    table = {"url": "https://intranet.example/feed", "name": "private", "username": "analyst",
             "password_env": "FEED_PASSWORD_UNSET_FOR_TEST"}
    config = make_config(sources={"feeds": [table]})
    with pytest.raises(ConfigError, match="FEED_PASSWORD_UNSET_FOR_TEST"):
        load_settings(config, env={})
    result = subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), "status"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "sources.feeds" in result.stderr and "FEED_PASSWORD_UNSET_FOR_TEST" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("table,message", [
    ({"url": "https://a.example/f", "password_env": "X"}, "needs a username"),
    ({"url": "https://a.example/f", "full_text": "yes"}, "full_text is true or false"),
    ({"url": "https://a.example/f", "headers_env": {"X-Key": 3}}, "headers_env"),
    ({"url": "https://a.example/f", "password": "literal"}, "takes keys"),
], ids=["no-user", "full-text", "headers", "literal-password"])
def test_bad_feed_tables_are_settings_errors(table: dict[str, Any], message: str, make_config: ConfigMaker) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(make_config(sources={"feeds": [table]}), env={})


def test_a_feeds_secret_headers_do_not_follow_a_redirect_to_another_origin(
        feed_server: FeedServer, other_server: FeedServer, make_config: ConfigMaker, tmp_path: Path,
        clock: FixedClock) -> None:
    body = (feeds_dir() / "reddit.rss").read_bytes()
    elsewhere = other_server.file("/moved.rss", body)
    url = feed_server.redirect("/private.rss", elsewhere)
    same = feed_server.redirect("/same.rss", feed_server.file("/same-target.rss", body))
    (tmp_path / "articles").mkdir()
    tables = [{"url": url, "name": "private", "headers_env": {"X-Api-Key": "FEED_KEY"}},
              {"url": same, "name": "same host", "headers_env": {"X-Api-Key": "FEED_KEY"}}]
    config = make_config(sources={"folders": ["articles"], "feeds": tables, "full_text": "never",
                                  "allow_private_hosts": True})
    settings = load_settings(config, env={"FEED_KEY": "k-123"})
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.feed_errors == ()
    assert feed_server.hits("/private.rss")[0].headers["X-Api-Key"] == "k-123"
    assert "X-Api-Key" not in other_server.hits("/moved.rss")[0].headers  # another port is another origin
    assert feed_server.hits("/same-target.rss")[0].headers["X-Api-Key"] == "k-123"  # its own origin keeps it
