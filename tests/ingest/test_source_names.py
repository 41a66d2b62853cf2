"""What readers see as a source's name: a feed's channel title, a folder that stays itself."""

from __future__ import annotations

from pathlib import Path

from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.settings import load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.ingest.conftest import FeedServer, feeds_dir
from tests.ingest.test_feeds import SettingsFor


def sources_of(store: Store) -> set[str]:
    return {a.source for a in store.articles(store.unpublished_article_ids())}


def test_an_unnamed_feed_is_named_by_its_channel_title(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    guardian = feed_server.file("/world/rss", (feeds_dir() / "guardian.rss").read_bytes())
    heise = feed_server.file("/heise", (feeds_dir() / "heise.atom").read_bytes())
    # Both on 127.0.0.1: without a channel title they would be "127.0.0.1:PORT /world/rss" and "... /heise".
    settings = feed_settings([guardian, heise])
    with Store.open(settings.store.path) as store:
        collect(settings, store, clock)
        assert sources_of(store) == {"The Guardian", "heise developer neueste Meldungen"}


def test_a_configured_feed_name_wins_over_the_channel_title(
        feed_server: FeedServer, feed_settings: SettingsFor, clock: FixedClock) -> None:
    guardian = feed_server.file("/world/rss", (feeds_dir() / "guardian.rss").read_bytes())
    settings = feed_settings([{"url": guardian, "name": "Guardian world"}])
    with Store.open(settings.store.path) as store:
        collect(settings, store, clock)
        assert sources_of(store) == {"Guardian world"}


def test_two_folders_with_the_same_name_stay_two_sources(
        make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    for parent, text in (("a", "Lynas signed a memorandum with Noveon in Texas on Wednesday, the firms said."),
                         ("b", "Japan lifted rare-earth mud from 6,000 metres off Minamitorishima on Monday.")):
        (tmp_path / parent / "news").mkdir(parents=True)
        (tmp_path / parent / "news" / "story.txt").write_text(text, encoding="utf-8")
    settings = load_settings(make_config(sources={"folders": ["a/news", "b/news"]}), env={})
    with Store.open(settings.store.path) as store:
        assert collect(settings, store, clock).added == 2
        assert sources_of(store) == {"a/news", "b/news"}
