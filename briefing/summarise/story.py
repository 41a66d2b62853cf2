"""An edition's articles -> its stories: group, then tell each story as an editor would.

Per story (``tell_story``), within a ``StoryBudget`` (settings
``briefing.max_highlights``, ``max_implications``, ``max_questions``):

* **title**: the lead article's own headline, else the most central own
  headline of the story's articles, cut to ``TITLE_MAX_WORDS`` words; never
  a highlight standing in for one;
* **highlights say what happened**: the articles' ledes and best body
  sentences (the ranker in ``rank.py``) and the authors' highlight lists,
  kept when they report (``editing.fact_score``); analysis and advice
  among them move to the implications;
* **implications** are the best sentences of the implication sections
  (or, without one, the implication detector's strongest) and that
  analysis; **questions** come from the question and watch lists;
* **every bullet stands alone** (``editing.stands_alone``): no junk, no
  lead-in, no dangling "It"/"This"/"Meanwhile"; it is tidied short
  (``editing.tidy``);
* **each point once** (``points.merge_points``) across articles and across
  sections: a point said in the title or an earlier section is not said
  again; the dek is the lead's lede when it repeats none of them.

Which stories are told, and in what order, is ``ranking.py``'s: relevance,
independent sources, recency.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from briefing.models import Article, ArticleRef, Point, Story
from briefing.summarise.editing import URL, fact_score, is_advice, is_analysis, stands_alone, tidy
from briefing.summarise.facts import lower_case_words, resolve_referent, select_facts_first, story_actor
from briefing.summarise.implications import detect_implications, implication_score
from briefing.summarise.points import (
    SAME_POINT,
    Candidate,
    Features,
    compare,
    contained,
    group_points,
    merge_points,
    same_point,
    similarity,
)
from briefing.summarise.rank import rank_sentences
from briefing.summarise.sections import sections_of
from briefing.summarise.sentences import shorten, split_sentences
from briefing.summarise.stories import article_vectors
from briefing.summarise.tags import story_tags
from briefing.summarise.vectors import Vector, cosine, idf_table, tfidf, tokens

HIGHLIGHTS_PER_ARTICLE = 3  # the ranker's picks per article
REPORTS_PER_ARTICLE = 8  # candidates per article for the story's facts-first choice
RANKED_BONUS = 0.5  # a sentence the ranker picks is central to its article
REPORT_FILLER_PENALTY = 1.0  # a body sentence with few facts competes on what new it names
OFF_STORY = 0.08  # below this cosine with the story's articles a sentence is about something else
LEDE_SENTENCES = 2  # the first body sentences are candidates whatever their rank
FACT_THRESHOLD = 1.5  # fact_score a body sentence needs to be a highlight
IMPLICATIONS_SHORTLIST = 6
DETECTED_PER_ARTICLE = 2
TITLE_MAX_WORDS = 12
TITLE_RESTATED = 1.5  # a bullet holding the title's words and at most this many times as many restates it
TITLE_SLACK_WORDS = 2
LONG_BULLET_WORDS = 30
FILLER_PENALTY = 3.0
CLOSING_MARKS = "\"'”’»)]"
QUOTE_MARKS = "\"“‘'«"
DEK_MAX_CHARS = 220

RefMaker = Callable[[Article], ArticleRef]


@dataclass(frozen=True)
class StoryBudget:
    """At most this many bullets per section of one story."""

    highlights: int = 5
    implications: int = 4
    questions: int = 4


def summarise(
    articles: Sequence[Article], make_ref: RefMaker, max_stories: int, budget: StoryBudget = StoryBudget()
) -> tuple[Story, ...]:
    """The stories of ``articles`` told in full, in the edition's order (``ranking.rank_groups``,
    no topic, now = the newest article), at most ``max_stories``: an edition without its word
    budget or "Also this week", for tests and benches."""
    from briefing.summarise.ranking import rank_groups  # ranking tells stories with this module

    if not articles:
        return ()
    now = max(a.when for a in articles)
    return tuple(tell_story(group, make_ref, budget) for group in rank_groups(articles, {}, now)[:max_stories])


def tell_story(articles: Sequence[Article], make_ref: RefMaker, budget: StoryBudget = StoryBudget()) -> Story:
    """One story from its articles (given oldest first)."""
    lead = _central(articles)
    title = _title(articles, lead)
    actor = story_actor([a.title for a in articles], [a.text for a in articles])
    on_story = _relevance(articles)
    reports, analysis = zip(*(_highlights(a, actor, on_story) for a in articles))
    common = lower_case_words([a.text for a in articles])
    # A story of few articles is shorter: at most HIGHLIGHTS_PER_ARTICLE highlights per article.
    limit = min(budget.highlights, HIGHLIGHTS_PER_ARTICLE * len(articles))
    highlights = _facts_first(_round_robin(reports), title, limit, common)
    told = [title, *(p.text for p in highlights)]
    meanings = merge_points(_round_robin([[*moved, *_implications(a)] for moved, a in zip(analysis, articles)]), None, told)
    implications = _advice_once(meanings, budget.implications)
    told += [p.text for p in implications]
    # A question may name a date a highlight gave ("... before December 1?"): only its words count.
    questions = _not_said(merge_points(_round_robin([_questions(a) for a in articles]), None), told)[: budget.questions]
    told += [p.text for p in questions]
    return Story(
        id=hashlib.sha256("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()[:12],
        title=title,
        dek=_dek(lead, told),
        highlights=highlights,
        implications=implications,
        questions=questions,
        tags=story_tags([f"{a.title}\n{a.text}" for a in articles]),
        articles=tuple(make_ref(a) for a in articles),
    )


def _facts_first(candidates: Sequence[Candidate], title: str, limit: int, common: frozenset[str]) -> tuple[Point, ...]:
    """The story's highlights: its points (merged across articles) less those that only
    say the title again, chosen facts first (``facts.select_facts_first``)."""
    groups = group_points(candidates)
    points = [g.point() for g in groups]
    kept = set(_not_the_title(points, title))
    scored = [(p, len(g.sources), max(m[0].weight for m in g.members)) for p, g in zip(points, groups) if p in kept]
    order = select_facts_first([(p.text, sources, weight) for p, sources, weight in scored], limit, [title], common)
    return tuple(scored[i][0] for i in order)


def _relevance(articles: Sequence[Article]) -> Callable[[str], float]:
    """A sentence's cosine with the story's articles (IDF over them): a paragraph about
    another event, left at the end of one excerpt, scores low."""
    docs = [tokens(f"{a.title}\n{a.text}") for a in articles]
    idf = idf_table(docs)
    centre: Vector = {}
    for doc in docs:
        for term, value in tfidf(doc, idf).items():
            centre[term] = centre.get(term, 0.0) + value
    return lambda sentence: cosine(tfidf(tokens(sentence), idf), centre)


def _not_the_title(points: Sequence[Point], title: str) -> tuple[Point, ...]:
    """``points`` less those that only say the title again (a lede that adds a date or
    an amount to it stays: it says what happened)."""
    *feats, headline = compare([*(p.text for p in points), title])
    return tuple(
        p for p, f in zip(points, feats)
        if not ((similarity(f, headline) >= SAME_POINT or _restates(f, headline)) and f.facts <= headline.facts)
    )


def _restates(bullet: Features, title: Features) -> bool:
    """The bullet holds the title's words and not much more ("The partnership links
    Lynas, the world's only producer ... with Noveon, the only U.S. maker ..." says more)."""
    return contained(bullet, title) and len(bullet.stems) <= TITLE_RESTATED * max(1, len(title.stems))


def _not_said(points: Sequence[Point], told: Sequence[str]) -> tuple[Point, ...]:
    """``points`` less those whose words repeat one of ``told``."""
    feats = compare([*(p.text for p in points), *told])
    said = feats[len(points):]
    return tuple(p for p, f in zip(points, feats) if not any(similarity(f, g) >= SAME_POINT or contained(f, g) for g in said))


def _advice_once(points: Sequence[Point], limit: int) -> tuple[Point, ...]:
    """The first ``limit`` points, of which at most one gives advice ("... must ...")."""
    advice = [p for p in points if is_advice(p.text)]
    return tuple(p for p in points if not is_advice(p.text) or p is advice[0])[:limit]


def _round_robin(per_article: Sequence[Sequence[Candidate]]) -> list[Candidate]:
    """Each article's best candidate, then each one's second best, ...: when a
    section is capped, every article keeps its strongest points."""
    return [c for rank in zip_longest(*per_article) for c in rank if c is not None]


def _candidate(sentence: str, article: Article, weight: float, quote: str = "") -> Candidate | None:
    """``sentence`` as a bullet, or None when it cannot stand alone; ``quote`` is the
    sentence as the article has it when ``sentence`` was made to stand alone."""
    if not (sentence.rstrip(CLOSING_MARKS).endswith((".", "!", "?", "…")) or URL.search(sentence.split()[-1])):
        return None  # a caption, a heading or an excerpt cut mid-sentence (a closing URL ends one)
    text, links = tidy(sentence)
    if not stands_alone(text):
        return None
    if len(text.split()) > LONG_BULLET_WORDS:
        weight -= 1.0  # a reader scans: a shorter wording of a point wins
    return Candidate(text, article.id, quote=quote or sentence, links=links, weight=weight)


def _highlights(
    article: Article, actor: str, on_story: Callable[[str], float]
) -> tuple[list[Candidate], list[Candidate]]:
    """The article's reports (best first) and the analysis found among its highlights.

    Every body sentence that reports is a candidate: the story's choice is made facts
    first over all its articles (``_facts_first``); a leading "It"/"The company" whose
    referent is the story's main actor is replaced by the actor's name.
    """
    sentences = [s for p in sections_of(article).body for s in split_sentences(p)]
    chosen = set(rank_sentences(sentences, HIGHLIGHTS_PER_ARTICLE, title=article.title))
    reports: list[Candidate] = []
    analysis: list[Candidate] = []
    for index, sentence in enumerate(sentences):
        if is_analysis(sentence) or sentence[:1] in QUOTE_MARKS:
            continue  # analysis is told under Implications; a quotation is colour, not the event
        text = resolve_referent(sentence, sentences[index - 1] if index else "", " ".join(sentences[:index]), actor)
        score = fact_score(text)
        if index >= LEDE_SENTENCES and index not in chosen and on_story(text) < OFF_STORY:
            continue
        # A sentence that reports (dates, amounts, names, events) is preferred; the ranker's
        # other picks only fill a story that has too few.
        weight = (score + (0.5 if index == 0 else 0.0) + (RANKED_BONUS if index in chosen else 0.0)
                  - (0.0 if score >= FACT_THRESHOLD else REPORT_FILLER_PENALTY))
        found = _candidate(text, article, weight, quote=sentence)
        if found:
            reports.append(found)
    for rank, highlight in enumerate(s for h in sections_of(article).highlights for s in split_sentences(h)):
        found = _candidate(highlight, article, fact_score(highlight) - 0.1 * rank)
        if found is None:
            continue
        if is_analysis(highlight):
            analysis.append(Candidate(found.text, found.article_id, found.quote, found.links, implication_score(highlight)))
        elif fact_score(highlight) >= 1.0:
            reports.append(found)  # a highlight that neither reports nor judges says nothing
    reports.sort(key=lambda c: -c.weight)
    return reports[:REPORTS_PER_ARTICLE], analysis


def _implications(article: Article) -> list[Candidate]:
    """The best sentences of the implication sections; without any, the detector's strongest."""
    sections = sections_of(article)
    if not sections.implications:
        found = detect_implications([*sections.body, *sections.closing])
        strongest = sorted(found, key=lambda pair: -pair[1])
        told = [c for c in (_candidate(s, article, score) for s, score in strongest) if c]
        return told[:DETECTED_PER_ARTICLE]
    sentences = [s for p in sections.implications for s in split_sentences(p) if len(s.split()) >= 6]
    # The ranker shortlists the sentences central to the section; of those, the ones
    # that say most plainly what follows (the detector's cues) are told first.
    shortlist = rank_sentences(sentences, IMPLICATIONS_SHORTLIST, title=article.title)
    ordered = sorted(shortlist, key=lambda i: (-implication_score(sentences[i]), i))
    # The authors' own implications outweigh analysis moved out of their highlights.
    return [c for c in (_candidate(sentences[i], article, implication_score(sentences[i]) + 1.0) for i in ordered) if c]


def _questions(article: Article) -> list[Candidate]:
    found = (_candidate(q, article, 0.0) for q in sections_of(article).questions)
    return [c for c in found if c]


def _dek(lead: Article, told: Sequence[str]) -> str:
    """One line under the title: the lead article's most central body sentence
    (its lede, usually) that repeats neither the title nor a bullet; else none."""
    sentences = [s for p in sections_of(lead).body for s in split_sentences(p) if len(s.split()) >= 8]
    picks = rank_sentences(sentences, 3, title=lead.title)
    tidied = [tidy(sentences[i])[0] for i in sorted(picks, key=lambda i: i)]
    feats = compare([*tidied, *told])
    said = feats[len(tidied):]
    for text, f in zip(tidied, feats):
        if stands_alone(text) and not any(same_point(f, g) for g in said):
            return shorten(text, DEK_MAX_CHARS)
    return ""


def _title(articles: Sequence[Article], lead: Article) -> str:
    """The lead's own headline, else the most central own headline, at most TITLE_MAX_WORDS words."""
    own = [a for a in articles if _has_own_title(a)]
    if lead in own:
        chosen = lead
    elif own:
        chosen = _central(own)
    else:
        chosen = lead
    return _headline(chosen.title)


def _has_own_title(article: Article) -> bool:
    """False when the article's title was made from its first highlight or sentence."""
    sections = sections_of(article)
    if sections.title:
        return True
    first = (sections.highlights or sections.body or ("",))[0]
    lead = (split_sentences(first) or [""])[0]
    return _normal(article.title)[:40] != _normal(lead)[:40]


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _headline(title: str) -> str:
    """``title`` cut to TITLE_MAX_WORDS words, at a clause when one ends late enough."""
    words = title.split()
    if len(words) <= TITLE_MAX_WORDS + TITLE_SLACK_WORDS:
        return title  # "about 12 words": a whole headline of 14 beats a cut one
    cut = " ".join(words[:TITLE_MAX_WORDS])
    for mark in (": ", " — ", " – ", "; ", ", "):
        position = cut.rfind(mark)
        if position >= len(cut) // 2:
            return cut[:position].rstrip(" ,;:—–")
    for joiner in (" emphasizing ", " emphasising ", " demonstrates ", " with ", " as ", " amid ", " after "):
        position = cut.find(joiner)
        if position >= len(cut) // 3:
            return cut[:position]
    return cut.rstrip(" ,;:—–") + "…"


def _central(articles: Sequence[Article]) -> Article:
    """The article most like the others: its title names the story."""
    if len(articles) < 3:
        return articles[-1]
    vectors = article_vectors(articles)
    scores = [sum(cosine(v, w) for w in vectors) for v in vectors]
    best = max(range(len(articles)), key=lambda i: (scores[i], -i))
    return articles[best]


__all__ = ["StoryBudget", "summarise", "tell_story"]
