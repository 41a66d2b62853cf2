"""Say each point once: merge near-identical bullets from several articles.

Two bullets are the same point when the cosine of their TF-IDF vectors (IDF
over the candidate bullets of one story and section, so that words every
bullet shares, like "rare earth", count for little) is at least
``SAME_POINT``. Merging is greedy in priority order: the first bullet of a
group speaks for it and the group links every source. Groups with more
sources come first; ties keep the priority order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing.models import Point
from briefing.summarise.vectors import Vector, cosine, idf_table, tfidf, tokens

SAME_POINT = 0.3


@dataclass(frozen=True)
class Candidate:
    text: str
    article_id: str


@dataclass
class _Group:
    text: str
    vector: Vector
    sources: list[str] = field(default_factory=list)


def merge_points(candidates: Sequence[Candidate], limit: int, threshold: float = SAME_POINT) -> tuple[Point, ...]:
    """At most ``limit`` distinct points from ``candidates`` (given best first)."""
    docs = [tokens(c.text) for c in candidates]
    idf = idf_table(docs)
    groups: list[_Group] = []
    for candidate, doc in zip(candidates, docs, strict=True):
        vector = tfidf(doc, idf)
        best = max(groups, key=lambda g: cosine(g.vector, vector), default=None)
        if best is not None and cosine(best.vector, vector) >= threshold:
            if candidate.article_id not in best.sources:
                best.sources.append(candidate.article_id)
            continue
        groups.append(_Group(candidate.text, vector, [candidate.article_id]))
    ranked = sorted(enumerate(groups), key=lambda pair: (-len(pair[1].sources), pair[0]))
    return tuple(Point(text=g.text, sources=tuple(g.sources)) for _, g in ranked[:limit])
