"""An edition's articles -> the stories told in full and the "Also this week" list.

The order is an editor's: a story's importance is its relevance to the topic
(the best of its articles'), how many independent sources carry it (distinct
source names: folders and feeds) and how recent it is, weighted
``RELEVANCE_WEIGHT``, ``SOURCES_WEIGHT`` and ``RECENCY_WEIGHT``. Not by article
count alone: five copies from one feed are one source.

Groups are ranked before any is told: only the stories the edition shows
are told (highlights, implications, questions are the expensive part), at
most ``briefing.max_stories``, while the plain-text email stays within
``briefing.max_words`` (the lead story always). Every other on-topic group
becomes one ``AlsoItem`` line (its most relevant article's title, source and
link), so nothing on topic is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from briefing.models import AlsoItem, Article, ArticleRef, Story
from briefing.summarise.budget import ALSO_IN_EMAIL, FRAME_WORDS, also_words, story_words
from briefing.summarise.stories import group_articles
from briefing.summarise.story import StoryBudget, tell_story

RELEVANCE_WEIGHT = 0.55
SOURCES_WEIGHT = 0.3
RECENCY_WEIGHT = 0.15
SOURCES_FULL = 6  # this many independent sources earn the whole sources weight
RECENCY_HALF_LIFE_DAYS = 7.0

RefMaker = Callable[[Article], ArticleRef]
DEFAULT_BUDGET = StoryBudget()  # briefing.max_highlights, max_implications, max_questions defaults


@dataclass(frozen=True)
class Plan:
    stories: tuple[Story, ...]
    also: tuple[AlsoItem, ...]


def importance(group: Sequence[Article], relevance: Mapping[str, float], now: datetime) -> float:
    """How much a story matters, 0..1."""
    best = max(relevance.get(a.id, 1.0) for a in group)
    sources = len({a.source for a in group})
    breadth = min(1.0, math.log1p(sources) / math.log1p(SOURCES_FULL))
    age_days = max(0.0, (now - max(a.when for a in group)).total_seconds() / 86_400)
    recency = math.exp(-math.log(2) * age_days / RECENCY_HALF_LIFE_DAYS)
    return RELEVANCE_WEIGHT * best + SOURCES_WEIGHT * breadth + RECENCY_WEIGHT * recency


def rank_groups(articles: Sequence[Article], relevance: Mapping[str, float], now: datetime) -> list[list[Article]]:
    """The stories of ``articles`` (as article lists, oldest first), most important first."""
    ordered = sorted(articles, key=lambda a: (a.when, a.id))
    groups = [[ordered[i] for i in group] for group in group_articles(ordered)]
    scored = [(importance(g, relevance, now), g) for g in groups]
    scored.sort(key=lambda pair: (-pair[0], -max(a.when for a in pair[1]).timestamp(), min(a.id for a in pair[1])))
    return [group for _, group in scored]


def plan_edition(articles: Sequence[Article], make_ref: RefMaker, relevance: Mapping[str, float], now: datetime,
                 *, max_stories: int, max_words: int, budget: StoryBudget = DEFAULT_BUDGET) -> Plan:
    """Tell the most important stories within the budget; list the rest."""
    ranked = rank_groups(articles, relevance, now)
    also = [_also(group, make_ref, relevance) for group in ranked]
    told: list[Story] = []
    used = FRAME_WORDS
    for index, group in enumerate(ranked[:max_stories]):
        story = tell_story(group, make_ref, budget)
        rest = also[index + 1:][:ALSO_IN_EMAIL]
        cost = story_words(story) + sum(also_words(item) for item in rest)
        if told and used + cost > max_words:
            break
        told.append(story)
        used += story_words(story)
    return Plan(tuple(told), tuple(also[len(told):]))


def _also(group: Sequence[Article], make_ref: RefMaker, relevance: Mapping[str, float]) -> AlsoItem:
    lead = max(group, key=lambda a: (relevance.get(a.id, 1.0), a.when, a.id))
    ref = make_ref(lead)
    return AlsoItem(title=ref.title, url=ref.url, source=ref.source, relevance=relevance.get(lead.id, 1.0))
