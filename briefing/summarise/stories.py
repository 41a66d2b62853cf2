"""Group an edition's articles into stories.

Method: each article becomes a TF-IDF vector (title and highlights counted
twice, then the body), IDF taken over the edition. Two articles belong to the
same story when ``linking.linked`` says so (cosine, shared named companies and
people, or a short text contained in a longer one). Stories are the connected
components of that graph. Candidate pairs come from an inverted index over each article's
``TOP_TERMS`` heaviest terms, so the cost grows with the number of articles
that share salient words, never as a dense n x n matrix.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain

from briefing.models import Article
from briefing.summarise.linking import linked, rare_names, specific_entities
from briefing.summarise.sections import SPLIT_CACHE_SIZE, sections_of_text
from briefing.summarise.vectors import Vector, idf_table, tfidf, tokens

TOP_TERMS = 25
# A term that is among the top terms of more articles than this is too common
# to propose candidate pairs (it would make the index quadratic).
MAX_POSTINGS = 300
# Articles sharing fewer of their top terms than this are never compared: two
# such articles cannot reach ENTITY_LINK_THRESHOLD in practice.
MIN_SHARED_TERMS = 3


def article_vectors(articles: Sequence[Article]) -> list[Vector]:
    docs = [_term_counts(a.title, a.text) for a in articles]
    idf = idf_table(docs)
    return [tfidf(doc, idf) for doc in docs]


@lru_cache(maxsize=SPLIT_CACHE_SIZE)
def _term_counts(title: str, text: str) -> Counter[str]:
    """An article's tokens counted: its title and highlights (``sections_of``) twice, then its
    text. Once per distinct title and text in a process (a scheduler or web process builds
    the same unpublished articles again); the counter is only read (``tfidf`` copies it)."""
    lead = " ".join((title, *sections_of_text(text).highlights))
    return Counter(tokens(lead) * 2 + tokens(text))


def group_articles(articles: Sequence[Article]) -> list[list[int]]:
    """Stories as lists of indices into ``articles``, each list in input order."""
    vectors = article_vectors(articles)
    texts = [f"{a.title}\n{a.text}" for a in articles]
    entities = [specific_entities(text) for text in texts]
    names = rare_names(texts)
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(vectors):
        if find(i) == find(j):
            continue
        if linked(vectors[i], vectors[j], entities[i], entities[j], names[i], names[j]):
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(articles)):
        groups[find(index)].append(index)
    return list(groups.values())


def top_terms(vector: Vector) -> list[str]:
    """The ``TOP_TERMS`` heaviest terms of ``vector``, of equal weights the first in term order:
    the terms of ``sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS]``, in no particular
    order (only which terms matters), found by sorting the weights alone, in C, for the cut."""
    if len(vector) <= TOP_TERMS:
        return list(vector)
    cut = sorted(vector.values(), reverse=True)[TOP_TERMS - 1]
    top = [term for term, weight in vector.items() if weight > cut]
    if len(top) < TOP_TERMS:  # some of the terms weighing exactly ``cut``: the first in term order
        top += sorted(term for term, weight in vector.items() if weight == cut)[: TOP_TERMS - len(top)]
    return top


def _candidate_pairs(vectors: Sequence[Vector]) -> Iterator[tuple[int, int]]:
    """Pairs (i, j), i < j, that share at least ``MIN_SHARED_TERMS`` top terms.

    Built one article at a time from an inverted index of earlier articles, so
    memory stays linear in the number of articles.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for j, vector in enumerate(vectors):
        open_lists = [members for members in map(postings.__getitem__, top_terms(vector))
                      if len(members) < MAX_POSTINGS]
        shared = Counter(chain.from_iterable(open_lists))  # counted in one C call, before j joins them
        for members in open_lists:
            members.append(j)
        for i in sorted(i for i, count in shared.items() if count >= MIN_SHARED_TERMS):
            yield i, j
