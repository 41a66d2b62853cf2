"""An edition's articles -> its stories: group, then tell each story as bullets.

Per story: highlights are the authors' own highlight lists when they wrote
one, otherwise the ``HIGHLIGHTS_PER_ARTICLE`` best body sentences (the
ranker in ``rank.py``); implications are the best sentences of the
implication sections, or, in an article without one, the sentences the
implication detector (``implications.py``) scores highest; questions
come from the question lists. Each section is merged across articles so a
point appears once, linked to all its sources (``points.py``). Stories are
ordered by weight: number of articles, then the newest article.
"""

from __future__ import annotations

import hashlib
from itertools import zip_longest
from collections.abc import Callable, Sequence

from briefing.models import Article, ArticleRef, Point, Story
from briefing.summarise.implications import detect_implications, implication_score
from briefing.summarise.points import Candidate, merge_points
from briefing.summarise.rank import rank_sentences
from briefing.summarise.sentences import shorten, split_sentences
from briefing.summarise.stories import article_vectors, group_articles
from briefing.summarise.tags import story_tags
from briefing.summarise.vectors import cosine

HIGHLIGHTS_PER_ARTICLE = 3
IMPLICATIONS_PER_ARTICLE = 2
IMPLICATIONS_SHORTLIST = 5
MAX_HIGHLIGHTS = 12
MAX_IMPLICATIONS = 10
MAX_QUESTIONS = 10
DEK_MAX_CHARS = 220

RefMaker = Callable[[Article], ArticleRef]


def summarise(articles: Sequence[Article], make_ref: RefMaker, max_stories: int) -> tuple[Story, ...]:
    """The stories of ``articles``, heaviest first, at most ``max_stories``."""
    ordered = sorted(articles, key=lambda a: (a.when, a.id))
    stories = [tell_story([ordered[i] for i in group], make_ref) for group in group_articles(ordered)]
    newest = {s.id: max((r.published.timestamp() for r in s.articles if r.published), default=0.0) for s in stories}
    stories.sort(key=lambda s: (-len(s.articles), -newest[s.id], s.id))
    return tuple(stories[:max_stories])


def tell_story(articles: Sequence[Article], make_ref: RefMaker) -> Story:
    """One story from its articles (given oldest first)."""
    highlights = merge_points(_round_robin([_highlights(a) for a in articles]), MAX_HIGHLIGHTS)
    implications = merge_points(_round_robin([_implications(a) for a in articles]), MAX_IMPLICATIONS)
    questions = merge_points(
        _round_robin([[Candidate(q, a.id) for q in a.sections.questions] for a in articles]), MAX_QUESTIONS
    )
    lead = _central(articles)
    title = lead.title
    dek = _dek(lead, title, highlights)
    return Story(
        id=hashlib.sha256("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()[:12],
        title=title,
        dek=dek,
        highlights=highlights,
        implications=implications,
        questions=questions,
        tags=story_tags([f"{a.title}\n{a.text}" for a in articles]),
        articles=tuple(make_ref(a) for a in articles),
    )


def _round_robin(per_article: Sequence[Sequence[Candidate]]) -> list[Candidate]:
    """Each article's best candidate, then each one's second best, ...: when a
    section is capped, every article keeps its strongest points."""
    return [c for rank in zip_longest(*per_article) for c in rank if c is not None]


def _highlights(article: Article) -> list[Candidate]:
    if article.sections.highlights:
        return [Candidate(h, article.id) for h in article.sections.highlights]
    sentences = [s for p in article.sections.body for s in split_sentences(p)]
    chosen = rank_sentences(sentences, HIGHLIGHTS_PER_ARTICLE, title=article.title)
    return [Candidate(sentences[i], article.id) for i in chosen]


def _implications(article: Article) -> list[Candidate]:
    """The best sentences of the implication sections; without any, the detector's strongest."""
    if not article.sections.implications:
        found = detect_implications([*article.sections.body, *article.sections.closing])
        strongest = sorted(found, key=lambda pair: -pair[1])[:IMPLICATIONS_PER_ARTICLE]
        return [Candidate(sentence, article.id) for sentence, _ in strongest]
    sentences = [s for p in article.sections.implications for s in split_sentences(p) if len(s.split()) >= 6]
    # The ranker shortlists the sentences central to the section; of those, the ones
    # that say most plainly what follows (the detector's cues) are told.
    shortlist = rank_sentences(sentences, IMPLICATIONS_SHORTLIST, title=article.title)
    chosen = sorted(shortlist, key=lambda i: (-implication_score(sentences[i]), i))[:IMPLICATIONS_PER_ARTICLE]
    return [Candidate(sentences[i], article.id) for i in sorted(chosen)]


def _dek(lead: Article, title: str, highlights: Sequence[Point]) -> str:
    """One line under the title: the lead article's most central body sentence
    (its lede, usually), unless it repeats the title or a highlight; then the
    first highlight that does not repeat the title."""
    sentences = [s for p in lead.sections.body for s in split_sentences(p) if len(s.split()) >= 8]
    told = [title, *(p.text for p in highlights)]
    for index in rank_sentences(sentences, 1, title=lead.title):
        sentence = shorten(sentences[index], DEK_MAX_CHARS)
        if all(_overlap(sentence, other) < 0.6 for other in told):
            return sentence
    return next((p.text for p in highlights if _overlap(p.text, title) < 0.5), "")


def _central(articles: Sequence[Article]) -> Article:
    """The article most like the others: its title names the story."""
    if len(articles) < 3:
        return articles[-1]
    vectors = article_vectors(articles)
    scores = [sum(cosine(v, w) for w in vectors) for v in vectors]
    best = max(range(len(articles)), key=lambda i: (scores[i], -i))
    return articles[best]


def _overlap(a: str, b: str) -> float:
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    return len(words_a & words_b) / max(1, min(len(words_a), len(words_b)))
