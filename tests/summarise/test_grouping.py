"""One event, one story: clusters-dev's events, their teasers, the near misses, inside the BBC set."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from briefing.ingest import to_article
from briefing.ingest.text import normalise_text
from briefing.models import Article, Document
from briefing.summarise.linking import containment, linked, names, rare_names
from briefing.summarise.stories import group_articles
from tests.conftest import bbc_rows, shared_path

NOW = datetime(2026, 11, 18, tzinfo=UTC)


def article(origin: str, title: str, text: str) -> Article:
    return to_article(Document(source=origin, origin=origin, title=title, text=normalise_text(text)), NOW)


def clusters() -> list[tuple[str, str, str]]:
    """(cluster, headline, body) of each clusters-dev file."""
    folder = shared_path("data", "clusters-dev")
    truth = json.loads((folder / "truth.json").read_text("utf-8"))
    out = []
    for record in truth["articles"]:
        headline, _, body = (folder / record["file"]).read_text("utf-8").partition("\n")
        out.append((record["cluster"], headline.strip(), body.strip()))
    return out


def teaser(headline: str, body: str) -> Article:
    """The headline and the body's first sentence of eight words or more, as a wire teaser."""
    sentences = (s for line in body.splitlines() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line.strip()))
    first = next(s for s in sentences if len(s.split()) >= 8 and s != headline)
    return article(f"teaser:{headline}", headline, first)


def labelled_groups(labels: list[str], groups: list[list[int]]) -> dict[str, set[int]]:
    stories: dict[str, set[int]] = defaultdict(set)
    for number, group in enumerate(groups):
        for index in group:
            if labels[index]:
                stories[labels[index]].add(number)
    return stories


@pytest.fixture(scope="module")
def edition() -> tuple[list[str], list[Article]]:
    """The clusters-dev events (first three reports full, the last three as teasers) and the
    near misses, inside the BBC set (BBC articles labelled "")."""
    labels, articles, seen = [], [], defaultdict(int)
    for cluster, headline, body in clusters():
        seen[cluster] += 1
        short = not cluster.startswith("Z-") and seen[cluster] > 3
        articles.append(teaser(headline, body) if short else article(f"{cluster}{seen[cluster]}", headline, body))
        labels.append(cluster)
    bbc = [article(r["id"], r["title"], r["text"]) for r in bbc_rows()]
    return ["" for _ in bbc[:450]] + labels + ["" for _ in bbc[450:]], bbc[:450] + articles + bbc[450:]


def test_each_event_is_one_story_with_its_teasers_inside_the_bbc_set(edition: tuple[list[str], list[Article]]) -> None:
    labels, articles = edition
    stories = labelled_groups(labels, group_articles(articles))
    for cluster, numbers in stories.items():
        assert len(numbers) == 1, cluster
    # Distinct events never share a story: five events and ten near misses, fifteen stories.
    assert len({n for numbers in stories.values() for n in numbers}) == 15


def test_events_and_near_misses_stay_apart_from_bbc_stories(edition: tuple[list[str], list[Article]]) -> None:
    labels, articles = edition
    groups = group_articles(articles)
    mixed = [g for g in groups if {bool(labels[i]) for i in g} == {True, False}]
    assert len(mixed) <= 1  # today's rule put 3 events into one story; one stray BBC pair is tolerated
    assert len(groups) > 500


def test_a_two_sentence_teaser_about_the_tanbreez_deal_joins_the_full_reports() -> None:
    reports = [(c, h, b) for c, h, b in clusters() if c == "P-tanbreez"]
    others = [article(f"{c}{n}", h, b) for n, (c, h, b) in enumerate(clusters()) if c != "P-tanbreez"]
    full = [article(f"P{n}", h, b) for n, (_, h, b) in enumerate(reports[1:])]
    short = article("teaser", "Critical Metals moves on Tanbreez",
                    "Critical Metals Corp signed a binding heads of agreement to acquire a controlling interest in "
                    "the Tanbreez Greenland Rare Earth Mine from Rimbal. The deal is valued at up to $211 million.")
    groups = group_articles([*others, *full, short])
    (holding,) = [g for g in groups if len(others) + len(full) in g]
    assert set(holding) == set(range(len(others), len(others) + len(full) + 1))


def test_containment_links_a_short_text_that_cosine_alone_would_not() -> None:
    short = {"tanbreez": 0.6, "rimbal": 0.6, "greenland": 0.529}
    long = {"tanbreez": 0.2, "rimbal": 0.2, "greenland": 0.2, **{f"w{k}": 0.3 for k in range(10)}}
    assert containment(short, long) == pytest.approx(1.0)
    assert linked(short, long, frozenset(), frozenset())
    long_short = {**short, **{f"x{k}": 0.2 for k in range(40)}}  # 43 terms: not short, containment not used
    assert not linked(long_short, long, frozenset(), frozenset())


def test_rare_names_keep_names_few_articles_carry() -> None:
    assert names("Critical Metals paid $211 million, or 6,000 shares, in Greenland’s 2024 deal.") == {
        "Critical Metals", "211", "6000", "Greenland"}
    texts = ["China and Tanbreez"] * 2 + ["China"] * 12
    found = rare_names(texts)
    assert found[0] == {"Tanbreez"} and found[-1] == frozenset()
