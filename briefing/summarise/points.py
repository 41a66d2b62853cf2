"""Say each point once: merge bullets that make the same point, however worded.

``same_point`` is the one overlap measure of the summariser. Two bullets make
the same point when any of these holds:

* the cosine of their vectors of stems *and* stem pairs (IDF over the
  candidate bullets of one story, so words every bullet shares, like "rare
  earth", count for little) is at least ``SAME_POINT``;
* they share a specific fact (an amount, a date other than a bare year, a
  number: ``editing.facts_in``) and a named entity (gazetteer names and
  capitalised names), or the fact and a cosine of at least ``FACT_COSINE``;
* they share ``SHARED_FACTS`` facts.

``bench/editorial.py`` measures it on labelled pairs built from the
clusters-dev facts. Merging is greedy in priority order; a group keeps the
wording with most substance (``substance``) and links every source, each to
its own sentence (``Point.quotes``). Groups with more sources come first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing.models import Point
from briefing.summarise.editing import fact_score, facts_in
from briefing.summarise.tags import entities_in
from briefing.summarise.vectors import Vector, cosine, idf_table, tfidf, tokens

SAME_POINT = 0.3
FACT_COSINE = 0.12
SHARED_FACTS = 2
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
    """What ``same_point`` compares, computed once per bullet."""

    terms: list[str]
    entities: frozenset[str]
    facts: frozenset[str]


def features(text: str) -> Features:
    stems = tokens(text)
    pairs = [f"{a}_{b}" for a, b in zip(stems, stems[1:])]
    names = {m.group(0).lower() for m in _NAME.finditer(text) if m.start() > 0}
    return Features(stems + pairs, frozenset(entities_in(text) | names), frozenset(facts_in(text)))


def same_point(a: Features, b: Features, va: Vector, vb: Vector) -> bool:
    similarity = cosine(va, vb)
    if similarity >= SAME_POINT:
        return True
    shared_facts = len(a.facts & b.facts)
    if shared_facts >= SHARED_FACTS:
        return True
    return shared_facts >= 1 and (bool(a.entities & b.entities) or similarity >= FACT_COSINE)


def substance(text: str) -> float:
    """More facts and a bullet's length (about 12 to 35 words) make a wording more informative."""
    words = len(text.split())
    length = 1.0 if 12 <= words <= 35 else 0.5 if 8 <= words <= 45 else 0.0
    return fact_score(text) + length


@dataclass
class _Group:
    members: list[tuple[Candidate, Features, Vector]] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        seen: list[str] = []
        for candidate, _, _ in self.members:
            if candidate.article_id not in seen:
                seen.append(candidate.article_id)
        return seen

    def point(self) -> Point:
        best = max(self.members, key=lambda m: substance(m[0].text))[0]
        quotes: dict[str, str] = {}
        for candidate, _, _ in self.members:
            quotes.setdefault(candidate.article_id, candidate.quote or candidate.text)
        if best.article_id != self.members[0][0].article_id:
            quotes[best.article_id] = best.quote or best.text
        links = tuple(dict.fromkeys(link for c, _, _ in self.members for link in c.links))
        sources = self.sources
        return Point(text=best.text, sources=tuple(sources), quotes=tuple(quotes[s] for s in sources), links=links)


def vectors_for(texts: Sequence[str]) -> tuple[list[Features], list[Vector]]:
    feats = [features(t) for t in texts]
    idf = idf_table([f.terms for f in feats])
    return feats, [tfidf(f.terms, idf) for f in feats]


def group_points(candidates: Sequence[Candidate], told: Sequence[str] = ()) -> list[_Group]:
    """``candidates`` (best first) grouped by point; a candidate making the same point
    as one of ``told`` (already said elsewhere in the story) is dropped."""
    feats, vectors = vectors_for([c.text for c in candidates] + list(told))
    said = list(zip(feats[len(candidates):], vectors[len(candidates):]))
    groups: list[_Group] = []
    for candidate, f, v in zip(candidates, feats, vectors):
        if any(same_point(f, g, v, w) for g, w in said):
            continue
        home = next((g for g in groups if any(same_point(f, mf, v, mv) for _, mf, mv in g.members)), None)
        if home is None:
            groups.append(_Group([(candidate, f, v)]))
        else:
            home.members.append((candidate, f, v))
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
