"""Words to sparse TF-IDF vectors, the common currency of grouping and merging.

Tokens are lower-cased words of three or more letters, stop words removed, with
a light suffix stemmer (plurals, -ing, -ed, -ly) so that "integration" and
"integrated" stay apart but "companies"/"company" meet. Vectors are dicts, so
10,000 articles never need a dense matrix.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from briefing.summarise.rank import STOP_WORDS as RANK_STOP_WORDS

Vector = dict[str, float]

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2,}")
# ``_WORD`` for a text that is all ASCII, where it matches what this matches (a letter, word
# characters, apostrophes or hyphens, a letter or digit; its second branch is a case of the
# first): the spelled-out classes are about 40% quicker than the Unicode ones.
_ASCII_WORD = re.compile(r"[A-Za-z][\w'-]*[A-Za-z0-9]", re.ASCII)
#: The summariser's one stop-word list (``rank.STOP_WORDS``: closed-class words) and,
#: for grouping and merging only, the words of reporting and time that every news
#: text uses ("said", "year"); the ranker keeps those, since they mark attributed facts.
NEWS_WORDS = frozenset(
    """according also could even last like many may might much must new one said say says shall still told two us week well would year years""".split()
)
STOP_WORDS = RANK_STOP_WORDS | NEWS_WORDS


def stem(word: str) -> str:
    """A deliberately light stemmer: enough to join inflections, never more."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + replacement
    return word


def tokens(text: str) -> list[str]:
    """Stemmed content words of ``text``."""
    words = (_ASCII_WORD if text.isascii() else _WORD).findall(text)
    return list(filter(None, map(_TOKENS.__getitem__, words)))  # "" (a stop word) dropped, all in C


def _token(word: str) -> str:
    """One word as ``tokens`` keeps it, or "" for a stop word or a short one."""
    word = word.lower().replace("’", "'")
    if word in STOP_WORDS or len(word) <= 2:
        return ""
    return stem(word.removesuffix("'s"))


class _TokenTable(dict[str, str]):
    """``_token`` of each word seen, so a word is normalised once per process, not once per
    occurrence (the hot loop of grouping): a hit is a plain dict lookup, quicker than an
    ``lru_cache`` keeping its order. Emptied when it reaches ``TOKEN_TABLE_SIZE`` words."""

    def __missing__(self, word: str) -> str:
        if len(self) >= TOKEN_TABLE_SIZE:
            self.clear()
        token = self[word] = _token(word)
        return token


TOKEN_TABLE_SIZE = 200_000
_TOKENS = _TokenTable()


def idf_table(documents: Sequence[Iterable[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of every token in ``documents``."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(set(doc))
    total = len(documents)
    return {term: math.log((1 + total) / (1 + count)) + 1.0 for term, count in frequency.items()}


def tfidf(doc: Iterable[str], idf: dict[str, float]) -> Vector:
    """Unit-length TF-IDF vector (sublinear term frequency).

    The products, the norm's sum and the divisions are the plain formula's, in the
    same order (so the vectors are the same to the last bit), done through ``map``
    with the sublinear weights from a table: this is the grouping's hot loop.
    """
    counts = Counter(doc)
    try:
        values = list(map(operator.mul, map(_SUBLINEAR.__getitem__, counts.values()), map(idf.get, counts, _ONES)))
    except IndexError:  # a term counted more often than the table reaches
        values = [(1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in counts.items()]
    norm = math.sqrt(sum(map(operator.mul, values, values))) or 1.0
    return dict(zip(counts, map(operator.truediv, values, itertools.repeat(norm))))


_SUBLINEAR = [0.0] + [1.0 + math.log(c) for c in range(1, 4096)]
_ONES = itertools.repeat(1.0)


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two unit vectors (the shared terms' products summed in the set's order)."""
    shared = a.keys() & b.keys()
    products: Iterable[float] = map(operator.mul, map(a.__getitem__, shared), map(b.__getitem__, shared))
    return sum(products)
