"""Words to sparse TF-IDF vectors, the common currency of grouping and merging.

Tokens are lower-cased words of two or more letters, stop words removed, with
a light suffix stemmer (plurals, -ing, -ed, -ly) so that "integration" and
"integrated" stay apart but "companies"/"company" meet. Vectors are dicts, so
10,000 articles never need a dense matrix.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

Vector = dict[str, float]

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2,}")
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say told according also may might must shall one two new
    last year years week would like just many much well even still us it's its""".split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A deliberately light stemmer: enough to join inflections, never more."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + replacement
    return word


def tokens(text: str) -> list[str]:
    """Stemmed content words of ``text``."""
    words = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [stem(w.removesuffix("'s")) for w in words if w not in STOP_WORDS and len(w) > 2]


def idf_table(documents: Sequence[Iterable[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every token in ``documents``."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(set(doc))
    total = len(documents)
    return {term: math.log((1 + total) / (1 + count)) + 1.0 for term, count in frequency.items()}


def tfidf(doc: Iterable[str], idf: dict[str, float]) -> Vector:
    """Unit-length TF-IDF vector (sublinear term frequency)."""
    counts = Counter(doc)
    vector = {t: (1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two unit vectors."""
    return sum(a[t] * b[t] for t in a.keys() & b.keys())
