"""The editor's rules, on the seeds and on a briefing-style article with other headings."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from briefing.ingest import to_article
from briefing.ingest.text import normalise_text
from briefing.models import Article, Document, Story
from briefing.summarise.editing import is_dangling, is_junk, is_lead_in, stands_alone, tidy
from briefing.summarise.points import Candidate, compare, merge_points, same_point
from briefing.summarise.sections import sections_of, split_sections
from briefing.summarise.story import StoryBudget, summarise, tell_story
from tests.summarise.test_story import ref, seed_articles

NOW = datetime(2026, 11, 18, tzinfo=UTC)
BRIEFING_STYLE = """China tightens export controls on rare-earth magnet technology
October 9, 2025

Highlights
- China's Ministry of Commerce on October 9 added rare-earth processing technology to its export control list, effective December 1.
- Western policymakers must speed up allied processing capacity.
- Continue reading...

China's Ministry of Commerce said on Thursday that exports of equipment and know-how for separating rare earths now need a licence: http://english.mofcom.gov.cn/
The rules cover magnet recycling lines as well, the ministry said, and apply to shipments worth more than $50,000.
It is a signal of policy continuity.

Why It Matters
- Magnet makers in Japan and Europe depend on Chinese separation equipment for new plants.
- Licences give Beijing a lever over every new processing project abroad.
- Carmakers face longer lead times for motors built with heavy rare earths.
- Prices of dysprosium outside China rose 8% on the news, traders said.

Action Points
- Track which licences MOFCOM grants before December 1.
- Watch whether Japan's JOGMEC widens its stockpile purchases.
"""


def briefing_article() -> Article:
    return to_article(Document("briefs", "brief.txt", "", normalise_text(BRIEFING_STYLE), url=""), NOW)


@pytest.fixture(scope="module")
def seeds() -> Story:
    (only,) = summarise(seed_articles(), ref, max_stories=40)
    return only


def bullets(story: Story) -> list[str]:
    return [p.text for p in (*story.highlights, *story.implications, *story.questions)]


def test_the_seeds_story_keeps_its_budget_and_a_real_headline(seeds: Story) -> None:
    assert len(seeds.highlights) <= 5 and len(seeds.implications) <= 4 and len(seeds.questions) <= 4
    assert len(seeds.title.split()) <= 12
    assert seeds.title != seeds.highlights[0].text.rstrip(".")
    words = sum(len(t.split()) for t in [seeds.title, seeds.dek, *bullets(seeds)])
    assert words <= 330  # today (issue 12): 830


def test_the_seeds_highlights_say_what_happened(seeds: Story) -> None:
    text = " ".join(p.text for p in seeds.highlights)
    for event in ("April 1", "July 2", "New Year", "13th", "7th"):
        assert event in text
    assert not any(re.search(r"\bmust\b|\bshould\b|vulnerable", p.text) for p in seeds.highlights)


def test_the_seeds_give_advice_once_and_no_bullet_leans_on_another(seeds: Story) -> None:
    assert sum(bool(re.search(r"\b(must|should)\b", t)) for t in bullets(seeds)) <= 1
    for text in bullets(seeds):
        assert not is_dangling(text) and not is_lead_in(text) and not is_junk(text), text


def test_no_sentence_in_two_sections_and_the_dek_repeats_nothing(seeds: Story) -> None:
    texts = bullets(seeds)
    assert len(texts) == len(set(texts))
    features = compare([*texts, seeds.title, seeds.dek])
    dek = features[-1]
    assert not any(same_point(dek, other) for other in features[:-1])


def test_a_briefing_style_article_keeps_its_headline_why_it_matters_and_action_points() -> None:
    article = briefing_article()
    assert sections_of(article).title == "China tightens export controls on rare-earth magnet technology"
    story = tell_story([article], ref, StoryBudget())
    assert story.title == sections_of(article).title
    why = [line[2:] for line in BRIEFING_STYLE.split("Why It Matters")[1].split("Action Points")[0].splitlines() if line]
    told = [p.text for p in story.implications]
    assert len(told) == 4 and sum(w in told for w in why) >= 3  # the budget, filled with the authors' own
    assert [q.text for q in story.questions] == [
        "Track which licences MOFCOM grants before December 1.",
        "Watch whether Japan's JOGMEC widens its stockpile purchases.",
    ]
    texts = bullets(story)
    assert not any("Continue reading" in t or "signal of policy continuity" in t for t in texts)
    assert any("October 9" in p.text for p in story.highlights)
    advice = [p for p in story.implications if "must" in p.text]
    assert all("policymakers" not in p.text for p in story.highlights) and len(advice) <= 1


def test_a_url_in_a_bullet_becomes_its_link() -> None:
    story = tell_story([briefing_article()], ref, StoryBudget())
    point = next(p for p in story.highlights if "licence" in p.text)
    assert "http" not in point.text and point.links == ("http://english.mofcom.gov.cn/",)
    assert point.text.endswith("licence.")


def test_two_wordings_of_one_amount_are_one_point_linking_both_sources() -> None:
    points = merge_points([
        Candidate("MP Materials will receive a $400 million equity investment from the Pentagon.", "a"),
        Candidate("The Defense Department is putting $400 million into MP Materials, the sole U.S. miner.", "b"),
        Candidate("MP Materials will build a second magnet plant in Texas by 2028.", "c"),
    ], None)
    assert [p.sources for p in points] == [("a", "b"), ("c",)]
    assert points[0].quotes == (
        "MP Materials will receive a $400 million equity investment from the Pentagon.",
        "The Defense Department is putting $400 million into MP Materials, the sole U.S. miner.",
    )


def test_distinct_dated_events_stay_distinct_points() -> None:
    points = merge_points([
        Candidate("On July 2, 2025, China Northern Rare Earth Group held a Party anniversary celebration.", "a"),
        Candidate("On April 1, China Northern Rare Earth Group held an anti-corruption conference.", "b"),
    ], None)
    assert len(points) == 2


@pytest.mark.parametrize("sentence", [
    "Continue reading...", "The post Rare earths rally appeared first on Mining Weekly.",
    "Lynas shares rose [...] on the news from Kalgoorlie today.", "show contact info for the landlord please",
    "This story was originally published in The Conversation on Medium.",
])
def test_junk_is_never_a_bullet(sentence: str) -> None:
    assert not stands_alone(tidy(sentence)[0])


@pytest.mark.parametrize("sentence", [
    "It's a signal of policy continuity and political oversight over the supply chain.",
    "This latest move by China raises important questions for the United States and its allies.",
    "For Western policymakers and industry, this development underscores several strategic realities.",
    "Meanwhile, Lynas said its Malaysian plant would run at full capacity next year.",
])
def test_dangling_openers_and_lead_ins_do_not_stand_alone(sentence: str) -> None:
    assert not stands_alone(sentence)


def test_action_points_and_watchlists_are_questions_to_watch() -> None:
    for heading in ("Action Points", "Watchlist", "Next steps", "What to watch"):
        sections = split_sections(f"Body text of the article goes here and is long enough.\n{heading}\n- Watch the quota on May 1.")
        assert sections.questions == ("Watch the quota on May 1.",), heading
