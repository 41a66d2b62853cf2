"""Deduplication: canonical URLs, GUIDs, identical and near-identical text, versions."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.ingest.neardup import NEAR_DUPLICATE_JACCARD, jaccard, shingles
from briefing.ingest.urls import canonical_url
from briefing.models import IngestReport
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker, bbc_rows
from tests.ingest.conftest import FeedServer

SettingsFor = Callable[..., Settings]


def by_id() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in bbc_rows()}


def original() -> dict[str, str]:
    """The article the reworded copies are made from."""
    return by_id()["business-001"]


@pytest.mark.parametrize("a,b", [
    ("HTTP://WWW.Example.COM:80/news/story/?utm_source=rss&utm_medium=feed#comments", "https://example.com/news/story"),
    ("https://example.com/a?b=2&a=1&fbclid=XYZ", "http://example.com/a?a=1&b=2"),
    ("https://heise.de/x.html?wt_mc=rss.developer.beitrag.atom", "https://www.heise.de/x.html"),
])
def test_canonical_urls_match(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b) != ""


@pytest.mark.parametrize("a,b", [
    ("https://example.com/news/Story", "https://example.com/news/story"),  # paths are case-sensitive
    ("https://example.com/item?id=1", "https://example.com/item?id=2"),
    ("https://example.com:8443/a", "https://example.com/a"),
])
def test_canonical_urls_differ(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize("url", ["https://example.com/", "https://example.com/?utm_source=x", "ftp://example.com/a",
                                 "mailto:a@example.com", "", "http://[bad/"])
def test_front_pages_and_non_http_links_have_no_canonical_form(url: str) -> None:
    assert canonical_url(url) == ""


def inbox_settings(make_config: ConfigMaker, tmp_path: Path, folders: tuple[str, ...] = ("inbox",),
                   feeds: list[dict[str, str]] | None = None) -> Settings:
    for name in folders:
        (tmp_path / name).mkdir(exist_ok=True)
    return load_settings(make_config(sources={"folders": list(folders), "feeds": feeds or []}), env={})


def normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_bbc_dev_exact_duplicates_are_found(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox_settings(make_config, tmp_path)
    path = settings.sources.folders[0] / "bbc.json"
    path.write_text(json.dumps([{"title": r["title"], "text": r["text"]} for r in bbc_rows()]), encoding="utf-8")
    groups: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(bbc_rows()):
        groups[normalised(row["text"])].append(index)
    duplicated = [members for members in groups.values() if len(members) > 1]
    assert sum(len(m) - 1 for m in duplicated) == 75  # what the data README promises
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert report.added + report.duplicates == len(bbc_rows()) == 911
    owner = dict(store.database.run("SELECT origin, article_id FROM article_sources").all())
    for members in duplicated:
        ids = {owner[f"{path}#{index}"] for index in members}
        assert len(ids) == 1, [bbc_rows()[i]["id"] for i in members]
        origins = {origin for _, origin, _, _ in store.article_sources(ids.pop())}
        assert {f"{path}#{index}" for index in members} <= origins  # every source remembered
    matched = dict(store.database.run("SELECT matched_by, count(*) FROM article_sources GROUP BY matched_by").all())
    assert matched["text"] + matched.get("near", 0) == report.duplicates
    assert matched["text"] >= 70  # exact copies of a near-merged article count as "near"
    store.close()


def test_revised_copies_merge_and_follow_up_stories_do_not(make_config: ConfigMaker, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    settings = inbox_settings(make_config, tmp_path)
    inbox = settings.sources.folders[0]
    for key in ("tech-049", "tech-340", "tech-018", "tech-190"):
        row = by_id()[key]
        (inbox / f"{key}.json").write_text(json.dumps({"title": row["title"], "text": row["text"]}), encoding="utf-8")
    pairs = {pair: jaccard(shingles(by_id()[pair[0]]["text"]), shingles(by_id()[pair[1]]["text"]))
             for pair in (("tech-049", "tech-340"), ("tech-018", "tech-190"))}
    assert pairs[("tech-049", "tech-340")] > 0.9 and pairs[("tech-018", "tech-190")] < NEAR_DUPLICATE_JACCARD
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert (report.added, report.duplicates) == (3, 1)
    store.close()


SYNONYMS = {"said": "stated", "company": "firm", "firm": "company", "rose": "climbed", "profits": "earnings",
            "the": "this", "a": "one", "its": "their", "would": "will", "also": "too"}


def reworded(text: str, every: int = 10) -> str:
    """A copy an editor touched: about one word in ``every`` swapped, a credit line added."""
    out = []
    for index, word in enumerate(text.split(" ")):
        if index % every == every - 1:
            word = SYNONYMS.get(word.lower(), word + "s")
        out.append(word)
    return " ".join(out) + "\n\nSource: Wire services"


def feed_with(items: list[dict[str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{i['title']}</title><link>{i.get('link', '')}</link><guid isPermaLink=\"false\">"
        f"{i.get('guid', i.get('link', ''))}</guid><description><![CDATA[{i['text']}]]></description></item>"
        for i in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>https://wire.example/</link><description>d</description>{body}</channel></rss>").encode()


def test_reworded_copy_with_a_tracking_url_is_one_article_with_both_sources(
        make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer, clock: FixedClock) -> None:
    copy = reworded(original()["text"])
    assert NEAR_DUPLICATE_JACCARD <= jaccard(shingles(original()["text"]), shingles(copy)) < 0.7
    url = feed_server.file("/wire.rss", feed_with([
        {"title": "Time Warner profits jump", "text": copy,
         "link": "https://WWW.news.example/business/time-warner/?utm_source=wire&utm_campaign=feed#top"},
        {"title": "Another copy, no shared link", "text": reworded(original()["text"], every=11),
         "link": "https://elsewhere.example/tw-profits"},
    ]))
    settings = inbox_settings(make_config, tmp_path, feeds=[{"url": url, "name": "wire"}])
    (settings.sources.folders[0] / "original.json").write_text(json.dumps({
        "title": original()["title"], "text": original()["text"], "url": "https://news.example/business/time-warner",
    }), encoding="utf-8")
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert (report.added, report.duplicates) == (1, 2)
    (article,) = store.articles(store.unpublished_article_ids())
    assert article.title == original()["title"] and article.text == original()["text"]
    sources = store.article_sources(article.id)
    assert [(source, how) for source, _, _, how in sources] == [("inbox", "new"), ("wire", "url"), ("wire", "near")]
    store.close()


def test_reworded_copy_without_any_link_is_found_by_its_text(
        make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox_settings(make_config, tmp_path, folders=("first", "second"))
    (settings.sources.folders[0] / "story.txt").write_text(original()["text"], encoding="utf-8")
    (settings.sources.folders[1] / "copy.md").write_text(reworded(original()["text"]), encoding="utf-8")
    (settings.sources.folders[1] / "same.txt").write_text(original()["text"].upper() + "\n", encoding="utf-8")
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert (report.added, report.duplicates) == (1, 2)
    hows = sorted(how for _, _, _, how in store.article_sources(store.unpublished_article_ids()[0]))
    assert hows == ["near", "new", "text"]
    store.close()


def collect_two_feeds(make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer, clock: FixedClock,
                      one: list[dict[str, str]], two: list[dict[str, str]]) -> IngestReport:
    feeds = [{"url": feed_server.file(f"/{name}.rss", feed_with(items)), "name": name}
             for name, items in (("one", one), ("two", two))]
    settings = inbox_settings(make_config, tmp_path, feeds=feeds)
    store = Store.open(settings.store.path)
    try:
        return collect(settings, store, clock)
    finally:
        store.close()


def test_the_same_global_guid_in_two_feeds_is_one_article(
        make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer, clock: FixedClock) -> None:
    guid = "tag:news.example,2026:story-42"
    report = collect_two_feeds(
        make_config, tmp_path, feed_server, clock,
        [{"title": "A", "text": by_id()["tech-001"]["text"], "link": "https://one.example/a", "guid": guid}],
        [{"title": "B", "text": by_id()["tech-002"]["text"], "link": "https://two.example/b", "guid": guid}])
    assert (report.added, report.duplicates) == (1, 1)


def test_short_entries_and_feed_local_guids_are_not_merged(
        make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer, clock: FixedClock) -> None:
    short = "submitted by someone to funny [link] [12 comments]"
    report = collect_two_feeds(
        make_config, tmp_path, feed_server, clock,
        [{"title": "A cat", "text": short, "link": "https://one.example/cat", "guid": "1"},
         {"title": "A dog", "text": short, "link": "https://one.example/dog", "guid": "2"}],
        [{"title": "Other", "text": by_id()["tech-003"]["text"], "link": "https://two.example/x", "guid": "1"}])
    assert (report.added, report.duplicates) == (3, 0)


def test_a_changed_file_is_a_new_version_of_the_same_article(
        make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox_settings(make_config, tmp_path)
    path = settings.sources.folders[0] / "story.txt"
    path.write_text(original()["text"], encoding="utf-8")
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 1
    (first,) = store.unpublished_article_ids()
    path.write_text(original()["text"] + "\n\nUpdate: the figures were confirmed on Monday.", encoding="utf-8")
    report = collect(settings, store, clock)
    assert (report.added, report.updated, report.duplicates) == (0, 1, 0)
    (article,) = store.articles(store.unpublished_article_ids())
    assert article.id == first and article.text.endswith("confirmed on Monday.")
    assert store.database.run("SELECT version FROM articles WHERE id = ?", (first,)).fetchone()[0] == 2
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # touched, same text
    touched = collect(settings, store, clock)
    assert (touched.added, touched.updated, touched.unchanged) == (0, 0, 1)
    store.close()
