"""The seeds are one story whose bullets say each point once, each linked to its sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from briefing.clock import edition_for
from briefing.ingest import article_id, to_article
from briefing.ingest.text import normalise_text
from briefing.models import Article, ArticleRef, Briefing, Document, Point, Story
from briefing.summarise.sections import sections_of
from briefing.summarise.stories import group_articles
from briefing.summarise.story import summarise
from briefing.summarise.updates import mark_updates
from tests.conftest import SEEDS, bbc_rows

NOW = datetime(2026, 11, 18, tzinfo=UTC)


def seed_articles() -> list[Article]:
    return [
        to_article(Document(source="seeds", origin=str(p), title="", text=normalise_text(p.read_text("utf-8"))), NOW)
        for p in sorted(SEEDS.glob("*.txt"))
    ]


def ref(article: Article) -> ArticleRef:
    return ArticleRef(article.id, article.title, f"https://example.org/{article.id}", article.source, None)


@pytest.fixture(scope="module")
def story() -> Story:
    (only,) = summarise(seed_articles(), ref, max_stories=40)
    return only


def test_the_five_seeds_group_into_one_story() -> None:
    assert group_articles(seed_articles()) == [[0, 1, 2, 3, 4]]


def test_unrelated_articles_stay_apart() -> None:
    other = to_article(Document("x", "x", "Ad sales boost Time Warner profit",
                                "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn for the three "
                                "months to December, from $639m year-earlier. Its Time Warner Cable unit and AOL "
                                "advertising revenue grew as the firm sold shares."), NOW)
    groups = group_articles([*seed_articles(), other])
    assert sorted(map(len, groups)) == [1, 5]


def test_the_shared_point_is_said_once_with_its_three_sources(story: Story) -> None:
    articles = seed_articles()
    # An analysis the authors wrote under "Highlights" is told under Implications, once.
    bullets = [*story.highlights, *story.implications]
    integration = [p for p in bullets if "deep integration" in p.text]
    assert len(integration) == 1 and integration[0] in story.implications
    assert set(integration[0].sources) == {articles[1].id, articles[3].id, articles[4].id}
    texts = [p.text for p in bullets]
    assert len(texts) == len(set(texts))


def test_every_bullet_links_to_a_story_article(story: Story) -> None:
    ids = {a.id for a in story.articles}
    for point in (*story.highlights, *story.implications, *story.questions):
        assert point.sources and set(point.sources) <= ids
        assert story.article(point.sources[0]).url.startswith("https://")


def test_implications_come_from_implication_sections_or_the_authors_analysis(story: Story) -> None:
    articles = {a.id: a for a in seed_articles()}
    assert 2 <= len(story.implications) <= 4
    for point in story.implications:
        for source_id, quote in zip(point.sources, point.quotes, strict=True):
            source = sections_of(articles[source_id])
            assert any(quote in paragraph for paragraph in (*source.implications, *source.closing, *source.highlights))
    assert len({p.sources[0] for p in story.implications}) >= 3


def test_questions_are_question_list_items_within_the_budget(story: Story) -> None:
    assert len(story.questions) == 4
    assert all(q.text.endswith("?") for q in story.questions)
    assert len({q.sources[0] for q in story.questions}) == 2


def test_tags_name_the_company_people_and_materials(story: Story) -> None:
    for tag in ("China Northern Rare Earth", "Liu Peixun", "Chinese Communist Party", "Nd", "Pr", "Dy"):
        assert tag in story.tags


def test_same_input_same_story(story: Story) -> None:
    assert summarise(list(reversed(seed_articles())), ref, max_stories=40) == (story,)


def test_article_id_ignores_case_spacing_and_punctuation() -> None:
    assert article_id("Hello,  World!\n") == article_id("hello world")
    assert article_id("hello world") != article_id("hello there world")


def test_seeds_mixed_into_the_bbc_set_are_exactly_one_story() -> None:
    rows = bbc_rows()
    bbc = [to_article(Document("bbc", r["id"], r["title"], normalise_text(r["text"])), NOW) for r in rows]
    seeds = seed_articles()
    mixed = bbc[:300] + seeds[:2] + bbc[300:600] + seeds[2:] + bbc[600:]
    seed_ids = {a.id for a in seeds}
    groups = [{mixed[i].id for i in group} for group in group_articles(mixed)]
    assert [g for g in groups if g & seed_ids] == [seed_ids]
    assert len(groups) > 500  # BBC business and tech stories stay mostly apart


def test_a_continuing_story_is_marked_as_an_update(story: Story) -> None:
    earlier = Briefing(title="T", edition=edition_for(NOW - timedelta(days=7), UTC), generated=NOW,
                       site_url="https://example.org/", stories=(story,))
    unrelated = replace(story, id="other", title="Ad sales boost Time Warner profit", dek="", tags=(),
                        highlights=(Point("Quarterly profits at US media giant TimeWarner jumped 76%.", ("x",)),),
                        implications=(), questions=())
    again, other = mark_updates([story, unrelated], [earlier])
    assert again.update_of == "2026-W46"
    assert other.update_of == ""
