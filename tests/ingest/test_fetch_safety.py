"""The safe client under every fetch: a total deadline, no private addresses, entity refusal in any encoding."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from briefing.clock import FixedClock
from briefing.errors import SourceError
from briefing.ingest import collect
from briefing.ingest.feeds import HttpFetcher
from briefing.ingest.fetch import is_public
from briefing.settings import Settings
from briefing.store import Store
from tests.ingest.conftest import FeedServer
from tests.ingest.test_feed_limits import BILLION_LAUGHS, EXTERNAL_ENTITY

SettingsFor = Callable[..., Settings]
REDDIT_LIKE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Internal</title>
<item><title>Internal admin page</title><link>https://intra.example/1</link><description>secret</description></item>
</channel></rss>"""


def fake_dns(names: dict[str, str]) -> Callable[[str, int], list[str]]:
    """A resolver where some "public-looking" names point at loopback (as DNS rebinding would)."""
    def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return [names[host]]
        if host[0].isdigit():
            return [host]
        raise OSError(-2, "Name or service not known")

    return resolve


# --- 13.2: the whole request, headers included, within fetch_timeout -------------------

def test_a_server_trickling_its_headers_is_abandoned_at_the_timeout(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.trickle_headers("/slow-headers.rss", every=0.1)
    settings = feed_settings([{"url": url, "name": "slow"}], fetch_timeout=1.0)
    with Store.open(settings.store.path) as store:
        started = time.monotonic()
        report = collect(settings, store, clock)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    (error,) = report.feed_errors
    assert "1 s" in error.reason and ("took longer" in error.reason or "timed out" in error.reason)


# --- 13.8: entity refusal whatever the encoding -------------------------------------------

def _without_bom(body: bytes, encoding: str) -> bytes:
    return body.decode().encode(encoding)


@pytest.mark.parametrize("body", [
    _without_bom(BILLION_LAUGHS, "utf-16-be"), _without_bom(BILLION_LAUGHS, "utf-16-le"),
    BILLION_LAUGHS.decode().encode("utf-32"), _without_bom(BILLION_LAUGHS, "utf-32-be"),
    _without_bom(EXTERNAL_ENTITY, "utf-32-le"), EXTERNAL_ENTITY.decode().encode("utf-16"),
    b"\xfe\xff" + _without_bom(EXTERNAL_ENTITY, "utf-16-be"),
    EXTERNAL_ENTITY.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-7"?>').replace(
        b"<!ENTITY", b"+ADw-!ENTITY"),
], ids=["utf16be", "utf16le", "utf32-bom", "utf32be", "utf32le-xxe", "utf16-bom-xxe", "utf16be-bom-xxe", "utf7-xxe"])
def test_bombs_and_external_entities_are_refused_in_every_encoding(
        body: bytes, feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.file("/evil.rss", body)
    settings = feed_settings([{"url": url, "name": "hostile"}])
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
        state = store.source("hostile")
        assert store.article_count() == 0
    assert "refused" in report.feed_errors[0].reason
    assert state is not None and "XML bomb" in state.last_error


# --- 13.9: redirects to internal addresses --------------------------------------------------

def test_a_redirect_to_another_port_on_loopback_is_refused(
        feed_server: FeedServer, other_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    internal = other_server.file("/admin.rss", REDDIT_LIKE)
    url = feed_server.redirect("/feed.rss", internal)
    settings = feed_settings([{"url": url, "name": "hop"}])
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
        assert store.article_count() == 0
    assert "non-public address 127.0.0.1" in report.feed_errors[0].reason
    assert other_server.hits("/admin.rss") == []


def test_a_redirect_on_the_configured_host_and_port_is_followed(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    feed_server.file("/new.rss", REDDIT_LIKE)
    url = feed_server.redirect("/old.rss", feed_server.url("/new.rss"))
    settings = feed_settings([{"url": url, "name": "moved"}])
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.feed_errors == () and report.added == 1


def test_allow_private_hosts_follows_the_redirect(
        feed_server: FeedServer, other_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    url = feed_server.redirect("/feed.rss", other_server.file("/admin.rss", REDDIT_LIKE))
    settings = feed_settings([{"url": url, "name": "hop"}], allow_private_hosts=True)
    with Store.open(settings.store.path) as store:
        report = collect(settings, store, clock)
    assert report.feed_errors == () and report.added == 1


def test_a_public_name_resolving_to_loopback_is_refused_on_a_hop(
        feed_server: FeedServer, other_server: FeedServer) -> None:
    """The check is on the address actually used, not the name: a "public" name rebinding to 127.0.0.1."""
    dns = fake_dns({"news.example": "127.0.0.1", "cdn.example": "127.0.0.1"})
    other_server.file("/admin.rss", REDDIT_LIKE)
    feed_server.redirect("/feed.rss", f"http://cdn.example:{other_server.port}/admin.rss")
    feed_server.file("/direct.rss", REDDIT_LIKE)
    with HttpFetcher(timeout=2, max_bytes=100_000, resolver=dns) as fetcher:
        # the configured name itself may be private (an intranet feed) ...
        assert fetcher.fetch(f"http://news.example:{feed_server.port}/direct.rss").status == 200
        # ... but its redirect to another name on a private address is refused
        with pytest.raises(SourceError, match="cdn.example resolves to the non-public address 127.0.0.1"):
            fetcher.fetch(f"http://news.example:{feed_server.port}/feed.rss")
    with HttpFetcher(timeout=2, max_bytes=100_000, resolver=dns, trust_origin=False) as fetcher:
        with pytest.raises(SourceError, match="news.example resolves to the non-public address"):
            fetcher.fetch(f"http://news.example:{feed_server.port}/direct.rss")
    assert other_server.hits("/admin.rss") == []


def test_each_request_asks_the_resolver_once_and_connects_to_what_it_checked(feed_server: FeedServer) -> None:
    """The hop check and the connection share one answer: a name that rebinds between two
    lookups (first an allowed address, then a refused one) is connected to at the checked one."""
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        if host == "gone.example":
            raise OSError(-2, "Name or service not known")
        return ["127.0.0.1" if len(asked) % 2 else "127.0.0.2"]  # the second lookup of a pair: refused

    feed_server.file("/feed.rss", REDDIT_LIKE)
    with HttpFetcher(timeout=2, max_bytes=100_000, resolver=rebinding, trust_origin=False,
                     public=lambda address: address == "127.0.0.1") as fetcher:
        assert fetcher.fetch(f"http://news.example:{feed_server.port}/feed.rss").status == 200
        assert asked == ["news.example"]
        with pytest.raises(SourceError, match="cannot resolve gone.example"):
            fetcher.fetch(f"http://gone.example:{feed_server.port}/feed.rss")
        assert asked == ["news.example", "gone.example"]  # a failed lookup is not asked again for the connection
        fetcher.fetch(f"http://news.example:{feed_server.port}/feed.rss")  # a new request asks afresh
        assert asked == ["news.example", "gone.example", "news.example"]


@pytest.mark.parametrize("address,public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("172.16.5.4", False),
    ("169.254.169.254", False), ("::1", False), ("fe80::1", False), ("fd00::1", False), ("0.0.0.0", False),
    ("::ffff:127.0.0.1", False), ("100.64.0.1", False), ("224.0.0.1", False),
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
])
def test_which_addresses_count_as_public(address: str, public: bool) -> None:
    assert is_public(address) is public


# --- proxies from the environment ----------------------------------------------------------------

def test_environment_proxies_are_honoured_and_hops_still_checked(
        feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY is used as httpx does; a hop to a private address is refused even through it."""
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, feed_server.url(""))
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    dns = fake_dns({"public.example": "93.184.216.34", "internal.example": "10.0.0.5"})
    feed_server.routes["http://public.example/feed.rss"] = lambda h: h.reply(200, REDDIT_LIKE, "application/rss+xml", {})
    feed_server.routes["http://public.example/hop"] = lambda h: h.reply(
        302, b"", "text/plain", {"Location": "http://internal.example/admin"})
    feed_server.routes["http://public.example/slow"] = lambda h: feed_server.routes["/slow"](h)
    feed_server.trickle_headers("/slow", every=0.1)
    with HttpFetcher(timeout=1, max_bytes=100_000, resolver=dns, trust_origin=False) as fetcher:
        answer = fetcher.fetch("http://public.example/feed.rss")
        assert answer.status == 200 and b"Internal admin page" in answer.body
        with pytest.raises(SourceError, match="internal.example resolves to the non-public address 10.0.0.5"):
            fetcher.fetch("http://public.example/hop")
        started = time.monotonic()
        with pytest.raises(SourceError, match="1 s"):
            fetcher.fetch("http://public.example/slow")
        assert time.monotonic() - started < 2.0
    assert feed_server.hits("http://internal.example/admin") == []
