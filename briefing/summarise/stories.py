"""Group an edition's articles into stories.

Method: each article becomes a TF-IDF vector (title and highlights counted
twice, then the body), IDF taken over the edition. Two articles belong to the
same story when their cosine is at least ``LINK_THRESHOLD``, or at least
``ENTITY_LINK_THRESHOLD`` while they also share ``SHARED_ENTITIES`` or more
gazetteer entities (named companies, people and materials are strong
evidence of the same thread). Stories are the connected components of that
graph. Candidate pairs come from an inverted index over each article's
``TOP_TERMS`` heaviest terms, so the cost grows with the number of articles
that share salient words, never as a dense n x n matrix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from briefing.models import Article
from briefing.summarise.tags import entities_in
from briefing.summarise.vectors import Vector, cosine, idf_table, tfidf, tokens

LINK_THRESHOLD = 0.35
ENTITY_LINK_THRESHOLD = 0.2
SHARED_ENTITIES = 2
TOP_TERMS = 25
# A term that is among the top terms of more articles than this is too common
# to propose candidate pairs (it would make the index quadratic).
MAX_POSTINGS = 400


def article_vectors(articles: Sequence[Article]) -> list[Vector]:
    docs = [_article_tokens(a) for a in articles]
    idf = idf_table(docs)
    return [tfidf(doc, idf) for doc in docs]


def _article_tokens(article: Article) -> list[str]:
    lead = " ".join((article.title, *article.sections.highlights))
    return tokens(lead) * 2 + tokens(article.text)


def group_articles(articles: Sequence[Article]) -> list[list[int]]:
    """Stories as lists of indices into ``articles``, each list in input order."""
    vectors = article_vectors(articles)
    entities = [entities_in(f"{a.title}\n{a.text}") for a in articles]
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(vectors):
        if find(i) == find(j):
            continue
        similarity = cosine(vectors[i], vectors[j])
        shared = len(entities[i] & entities[j])
        if similarity >= LINK_THRESHOLD or (similarity >= ENTITY_LINK_THRESHOLD and shared >= SHARED_ENTITIES):
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(articles)):
        groups[find(index)].append(index)
    return list(groups.values())


def _candidate_pairs(vectors: Sequence[Vector]) -> list[tuple[int, int]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term in sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS]:
            postings[term].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) > MAX_POSTINGS:
            continue
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                pairs.add((i, j))
    return sorted(pairs)
