"""Editions from real material mixed with off-topic material: the seeds, the shared feeds
served on loopback and a few hundred bbc-dev articles; per-feed filters; "Also this week"."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from briefing import pipeline
from briefing.cli import cli
from briefing.clock import FixedClock
from briefing.render.email import preheader
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ROOT, ConfigMaker, bbc_rows
from tests.ingest.conftest import FeedServer, bbc_file, feed_server, feeds_dir  # noqa: F401 - the fixture

ON_TOPIC = ROOT / "tests" / "fixtures" / "topic" / "on"


def sample_topic() -> dict[str, Any]:
    """The embedded default's [topic], its exemplars pointed at the test project's seeds copy."""
    with (ROOT / "config" / "briefing.toml").open("rb") as handle:
        topic = dict(tomllib.load(handle)["topic"])
    topic["exemplars"] = ["seeds"]
    return topic


def bbc_folder(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    rows = [json.loads(line) for line in bbc_file().read_text("utf-8").splitlines()[:count]]
    items = [{"title": r["title"], "text": r["text"]} for r in rows]
    (folder / "bbc.json").write_text(json.dumps(items), encoding="utf-8")


def serve_feeds(server: FeedServer, **filters: Any) -> list[dict[str, Any]]:
    feeds = []
    for path in sorted(feeds_dir().iterdir()):
        url = server.file(f"/{path.name}", path.read_bytes(), etag=f'"{path.stem}"')
        feeds.append({"url": url, "name": path.stem, **filters.get(path.stem, {})})
    return feeds


def build(settings: Settings, clock: FixedClock) -> pipeline.Build:
    with Store.open_settings(settings.store) as store:
        return pipeline.build(settings, store, clock)


def test_mixed_sources_give_an_edition_about_the_topic(make_config: ConfigMaker, tmp_path: Path,
                                                        feed_server: FeedServer, clock: FixedClock) -> None:  # noqa: F811
    bbc_folder(tmp_path / "bbc", 300)
    path = make_config(sources={"folders": ["seeds", "bbc"], "feeds": serve_feeds(feed_server)}, topic=sample_topic())
    result = build(load_settings(path, env={}), clock)
    briefing = result.briefing
    assert briefing.stories, "the seeds make a story"
    lead = briefing.stories[0]
    assert {ref.source for ref in lead.articles} == {"seeds"} and len(lead.articles) == 5
    refs = [ref for story in briefing.stories for ref in story.articles]
    assert all(ref.relevance >= 0.5 for ref in refs)
    assert not any(ref.source == "bbc" for ref in refs)
    assert briefing.off_topic >= 300  # every BBC article, and the feeds' flats, forums and news
    assert preheader(result.briefing) in (lead.dek, lead.title)
    with Store.open_settings(load_settings(path, env={}).store) as store:
        stored = store.article_count()
    assert stored >= 300 + 5 + briefing.off_topic - 300  # off-topic articles are stored all the same

    runner = CliRunner()
    shown = runner.invoke(cli, ["--config", str(path), "build", "--json"])
    data = json.loads(shown.output)
    assert data["off_topic"] == briefing.off_topic and data["also"] == []
    assert all("relevance" in a for s in data["stories"] for a in s["articles"])
    off = json.loads(runner.invoke(cli, ["--config", str(path), "articles", "--off-topic", "--json"]).output)
    assert len(off) == briefing.off_topic and all(not a["on_topic"] and a["reason"] for a in off)
    status = runner.invoke(cli, ["--config", str(path), "status"]).output
    assert f"{briefing.off_topic} off topic" in status


def test_without_topic_everything_goes_in_as_before(make_config: ConfigMaker, tmp_path: Path,
                                                     clock: FixedClock) -> None:
    bbc_folder(tmp_path / "bbc", 40)
    path = make_config(sources={"folders": ["seeds", "bbc"]}, briefing={"max_stories": 500, "max_words": 100_000})
    briefing = build(load_settings(path, env={}), clock).briefing
    assert briefing.off_topic == 0 and briefing.article_count == 45 and not briefing.also
    assert {ref.relevance for story in briefing.stories for ref in story.articles} == {1.0}


def test_feed_include_and_exclude(make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer,  # noqa: F811
                                  clock: FixedClock) -> None:
    (tmp_path / "none").mkdir()
    feeds = serve_feeds(feed_server, guardian={"include": ["/./"], "exclude": ["/[aeiou]/"]},
                        heise={"include": ["/^(?!)/"]}, reddit={"exclude": ["/./"]})
    settings = load_settings(make_config(sources={"folders": ["none"], "feeds": feeds}), env={})
    unfiltered = load_settings(make_config(sources={"folders": ["none"], "feeds": serve_feeds(feed_server)}), env={})
    with Store.open_settings(settings.store) as store:
        from briefing.ingest import collect
        collect(settings, store, clock)
        sources = {a.source for a in store.articles(store.unpublished_article_ids())}
    assert sources and not sources & {"guardian", "heise", "reddit"}
    assert {"craigslist", "content-encoded"} <= sources
    assert unfiltered.sources.feeds[0].include == ()


def test_stories_past_the_budget_are_listed_under_also(make_config: ConfigMaker, tmp_path: Path,
                                                        clock: FixedClock) -> None:
    shutil.copytree(ON_TOPIC, tmp_path / "more")
    bbc_folder(tmp_path / "bbc", 50)
    path = make_config(sources={"folders": ["seeds", "more", "bbc"]}, topic=sample_topic(),
                       briefing={"max_stories": 2})
    settings = load_settings(path, env={})
    result = build(settings, clock)
    briefing = result.briefing
    assert len(briefing.stories) == 2 and {r.source for r in briefing.stories[0].articles} == {"seeds"}
    told = {ref.title for story in briefing.stories for ref in story.articles}
    also = [item.title for item in briefing.also]
    assert len(also) >= 2 and not set(also) & told and all(i.relevance >= 0.5 for i in briefing.also)
    out = settings.output.dir
    for name in ("email.txt", "email.html", "index.html"):
        page = (out / briefing.edition.key / name).read_text("utf-8")
        assert "Also this week" in page or "ALSO THIS WEEK" in page, name
        assert all(title in page for title in also), name
    assert also[0] in (out / "feed.xml").read_text("utf-8")
    report = CliRunner().invoke(cli, ["--config", str(path), "build"]).output
    assert f"also this week: {len(also)} more" in report and "words in the plain-text email, about" in report


def test_the_reading_budget_keeps_the_email_short(make_config: ConfigMaker, tmp_path: Path,
                                                   clock: FixedClock) -> None:
    """A tight max_words tells fewer stories in full; the rest move to "Also this week"."""
    from briefing.summarise.budget import count_words

    shutil.copytree(ON_TOPIC, tmp_path / "more")
    tight = load_settings(make_config(sources={"folders": ["seeds", "more"]}, topic=sample_topic(),
                                      briefing={"max_words": 500}), env={})
    result = build(tight, clock)
    loose = load_settings(make_config(sources={"folders": ["seeds", "more"]}, topic=sample_topic(),
                                      briefing={"max_words": 100_000}), env={})
    wide = pipeline.make_briefing(loose, result.briefing.edition, _stored(loose), clock.now())
    assert len(result.briefing.stories) < len(wide.stories)
    assert len(result.briefing.stories) + len(result.briefing.also) == len(wide.stories) + len(wide.also)
    assert len(result.briefing.stories) == 1 or count_words(result.email.text) <= 500 + 100


def _stored(settings: Settings) -> list[Any]:
    with Store.open_settings(settings.store) as store:
        return store.articles(store.unpublished_article_ids())


def test_off_topic_counts_only_what_arrived_since_the_last_edition(make_config: ConfigMaker, tmp_path: Path,
                                                                   clock: FixedClock) -> None:
    """Week 1: seeds + 30 BBC articles; the edition is recorded. Week 2: 12 more BBC articles.
    Week 2's edition reports 12 off topic, not 42; the 30 stay stored, listed as earlier, and
    come in once the topic is changed to take them."""
    from datetime import timedelta

    from briefing.deliver import ledger

    rows = bbc_rows()
    (tmp_path / "bbc").mkdir()
    (tmp_path / "bbc" / "week1.json").write_text(
        json.dumps([{"title": r["title"], "text": r["text"]} for r in rows[:30]]), encoding="utf-8")
    path = make_config(sources={"folders": ["seeds", "bbc"]}, topic=sample_topic())
    settings = load_settings(path, env={})
    with Store.open_settings(settings.store) as store:
        first = pipeline.build(settings, store, clock).briefing
        assert first.off_topic == 30 and {r.source for s in first.stories for r in s.articles} == {"seeds"}
        assert ledger.claim(store, first, clock.now())
    (tmp_path / "bbc" / "week2.json").write_text(
        json.dumps([{"title": r["title"], "text": r["text"]} for r in rows[30:42]]), encoding="utf-8")
    week2 = FixedClock(clock.now() + timedelta(days=7))
    with Store.open_settings(settings.store) as store:
        second = pipeline.build(settings, store, week2).briefing
        waiting = pipeline.candidates(settings, store, week2)
    assert second.edition.key != first.edition.key
    assert second.off_topic == 12 and not second.stories
    assert len(waiting) == 42 and sum(c.earlier for c in waiting) == 30  # stored all the same
    assert all(not c.relevance.on_topic for c in waiting)

    # The topic changes: an old article it now takes enters the edition; the count is unchanged.
    title = rows[0]["title"]
    changed = load_settings(make_config(sources={"folders": ["seeds", "bbc"]},
                                        topic={**sample_topic(), "keywords": [title]}), env={})
    assert changed.store == settings.store
    with Store.open_settings(changed.store) as store:
        third = pipeline.build(changed, store, week2).briefing
    assert third.off_topic == 12
    assert [ref.title for story in third.stories for ref in story.articles] == [title]
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["--config", str(path), "articles", "--off-topic", "--json"]).output)
    assert len(listed) == 41 and all(isinstance(a["earlier"], bool) for a in listed)  # the changed topic took one
    current = json.loads(runner.invoke(cli, ["--config", str(path), "status", "--json"]).output)["current"]
    assert current["off_topic"] + current["off_topic_earlier"] == 41
