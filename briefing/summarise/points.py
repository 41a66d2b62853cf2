"""Say each point once: merge bullets that make the same point, however worded.

``same_point`` is the one overlap measure of the summariser. Two bullets make
the same point when any of these holds:

* the cosine of their TF-IDF vectors of stems plus ``PAIR_WEIGHT`` times the
  cosine of their vectors of adjacent stem pairs (IDF over the candidate
  bullets of one story, so words every bullet shares, like "rare earth",
  count for little) is at least ``SAME_POINT``;
* ``CONTAINED`` of the shorter one's stems are in the longer one;
* they share a specific fact (an amount, a date other than a bare year, a
  number: ``editing.facts_in``) and a named entity (gazetteer names and
  capitalised names), or the fact and a cosine of at least ``FACT_COSINE``;
* they share ``SHARED_FACTS`` facts;

but two bullets that each carry a fact the other lacks are two points unless
their similarity reaches ``DISTINCT_FACTS_POINT``.

``bench/editorial.py`` measures it on labelled pairs built from the
clusters-dev facts. Merging is greedy in priority order; a group keeps the
wording with most substance (``substance``) and links every source, each to
its own sentence (``Point.quotes``). Groups with more sources come first.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing.models import Point
from briefing.summarise.editing import fact_score, facts_in
from briefing.summarise.facts import fact_units
from briefing.summarise.tags import entities_in
from briefing.summarise.vectors import Vector, cosine, tfidf, tokens

SAME_POINT = 0.3
PAIR_WEIGHT = 0.5
IDF_FLOOR = 0.1
DISTINCT_FACTS_POINT = 0.6
CONTAINED = 0.6
CONTAINED_MIN_STEMS = 4
FACT_COSINE = 0.12
SHARED_FACTS = 2
UNIT_SUBSTANCE = 0.25
_NAME = re.compile(r"\b[A-Z][\w’'&.-]*(?:\s(?:of\s)?[A-Z][\w’'&.-]*)+")


@dataclass(frozen=True)
class Candidate:
    text: str
    article_id: str
    quote: str = ""  # the sentence as the article has it ("" = text)
    links: tuple[str, ...] = ()
    weight: float = 0.0  # priority beyond the order given: substance, position


@dataclass(frozen=True)
class Features:
    """What ``same_point`` compares, computed once per bullet (``compare``)."""

    stems: frozenset[str]
    entities: frozenset[str]
    facts: frozenset[str]
    words: Vector  # TF-IDF of stems
    pairs: Vector  # TF-IDF of adjacent stem pairs


def compare(texts: Sequence[str]) -> list[Features]:
    """Features of ``texts``, IDF taken over them (one story's candidate bullets)."""
    stems = [tokens(t) for t in texts]
    pairs = [[f"{a}_{b}" for a, b in zip(d, d[1:])] for d in stems]
    word_idf, pair_idf = _sharp_idf(stems), _sharp_idf(pairs)
    return [
        Features(
            frozenset(d),
            frozenset(entities_in(t) | {m.group(0).lower() for m in _NAME.finditer(t) if m.start() > 0}),
            frozenset(facts_in(t)),
            tfidf(d, word_idf),
            tfidf(p, pair_idf),
        )
        for t, d, p in zip(texts, stems, pairs)
    ]


def _sharp_idf(documents: Sequence[Sequence[str]]) -> dict[str, float]:
    """IDF without the usual floor of 1: the words all of a story's bullets share (the
    company's name, "rare earth") weigh ``IDF_FLOOR``, nearly nothing."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(set(doc))
    total = len(documents)
    return {term: math.log((1 + total) / (1 + count)) + IDF_FLOOR for term, count in frequency.items()}


def similarity(a: Features, b: Features) -> float:
    """Cosine of the stems plus half the cosine of the stem pairs."""
    return cosine(a.words, b.words) + PAIR_WEIGHT * cosine(a.pairs, b.pairs)


def contained(a: Features, b: Features) -> bool:
    """Most stems of the shorter of two texts are in the longer: one says the other again."""
    shorter = min(len(a.stems), len(b.stems))
    return shorter >= CONTAINED_MIN_STEMS and len(a.stems & b.stems) / shorter >= CONTAINED


def same_point(a: Features, b: Features) -> bool:
    """Whether two bullets make one point (see the module docstring)."""
    close = similarity(a, b)
    shared_facts = len(a.facts & b.facts)
    if a.facts - b.facts and b.facts - a.facts:
        # Each states a date, amount or count the other does not: two facts ("July 2" and
        # "April 1"; "25 to 35 tonnes in Q2" and "850 to 1,000 tonnes a year"), however
        # alike the words around them. (When one's facts are among the other's, the other
        # says it again, with more: the merged bullet keeps that wording.)
        return close >= DISTINCT_FACTS_POINT
    if close >= SAME_POINT or contained(a, b):
        return True
    if shared_facts >= SHARED_FACTS:
        return True
    return shared_facts >= 1 and (bool(a.entities & b.entities) or close >= FACT_COSINE)


def substance(text: str) -> float:
    """More facts, more of the numbers and names a reader looks for (``facts.fact_units``)
    and a bullet's length (about 12 to 35 words) make a wording more informative."""
    words = len(text.split())
    length = 1.0 if 12 <= words <= 35 else 0.5 if 8 <= words <= 45 else 0.0
    return fact_score(text) + length + UNIT_SUBSTANCE * len(fact_units(text))


@dataclass
class _Group:
    members: list[tuple[Candidate, Features]] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        seen: list[str] = []
        for candidate, _ in self.members:
            if candidate.article_id not in seen:
                seen.append(candidate.article_id)
        return seen

    def point(self) -> Point:
        best = max(self.members, key=lambda m: substance(m[0].text))[0]
        quotes: dict[str, str] = {}
        for candidate, _ in self.members:
            quotes.setdefault(candidate.article_id, candidate.quote or candidate.text)
        if best.article_id != self.members[0][0].article_id:
            quotes[best.article_id] = best.quote or best.text
        links = tuple(dict.fromkeys(link for c, _ in self.members for link in c.links))
        sources = self.sources
        return Point(text=best.text, sources=tuple(sources), quotes=tuple(quotes[s] for s in sources), links=links)


def group_points(candidates: Sequence[Candidate], told: Sequence[str] = ()) -> list[_Group]:
    """``candidates`` (best first) grouped by point; a candidate making the same point
    as one of ``told`` (already said elsewhere in the story) is dropped."""
    feats = compare([c.text for c in candidates] + list(told))
    said = feats[len(candidates):]
    groups: list[_Group] = []
    for candidate, f in zip(candidates, feats):
        if any(same_point(f, g) for g in said):
            continue
        # Against each group's first (strongest) bullet only: no chains of "a is like b is like c".
        home = next((g for g in groups if same_point(f, g.members[0][1])), None)
        if home is None:
            groups.append(_Group([(candidate, f)]))
        else:
            home.members.append((candidate, f))
    return groups


def merge_points(candidates: Sequence[Candidate], limit: int | None, told: Sequence[str] = ()) -> tuple[Point, ...]:
    """At most ``limit`` (None: all) distinct points from ``candidates`` (given best first):
    the points with most sources, then most substance, then in the order given."""
    groups = group_points(candidates, told)
    ranked = sorted(
        enumerate(groups),
        key=lambda pair: (-len(pair[1].sources), -max(m[0].weight for m in pair[1].members), pair[0]),
    )
    return tuple(g.point() for _, g in ranked[:limit])
