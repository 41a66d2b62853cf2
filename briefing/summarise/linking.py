"""When two articles report the same event: the linking rule of story grouping.

Three kinds of evidence, any one of which links two articles:

* their TF-IDF cosine is at least ``LINK_THRESHOLD`` (the same words, weighted by
  how rare they are in the edition);
* their cosine is at least ``ENTITY_LINK_THRESHOLD`` and they name
  ``SHARED_ENTITIES`` or more of the same gazetteer companies, organisations or
  people. Countries and materials do not count: every rare-earth report names China
  and magnets, so they linked distinct events (a Greenland mine deal, a magnet
  MoU and an Oklahoma plant became one story inside a large edition);
* their cosine is at least ``ENTITY_LINK_THRESHOLD`` and they share ``SHARED_NAMES``
  or more names and figures (capitalised words, numbers such as "211" or "6,000", not years)
  that few articles of the edition carry (at most ``RARE_NAME_ARTICLES``): a
  place, a project or an amount rare in the edition is evidence of one event, a name
  every article carries ("China") is not;
* one of them is short (a wire teaser, a feed's summary: at most ``SHORT_TERMS``
  distinct terms) and at least ``CONTAINMENT_THRESHOLD`` of its weight is found in
  the other. Cosine punishes a short text for all the words the long one adds;
  containment asks only whether what the short one says is there.

Measured on a labelled set built from the shared data (``bench/grouping.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from briefing.gazetteer import load_gazetteer
from briefing.summarise.tags import entities_in
from briefing.summarise.vectors import Vector, cosine

LINK_THRESHOLD = 0.35
ENTITY_LINK_THRESHOLD = 0.2
SHARED_ENTITIES = 2
SHARED_NAMES = 4
SHARED_NAME_SHARE = 0.2
RARE_NAME_ARTICLES = 12
SHORT_TERMS = 40
CONTAINMENT_THRESHOLD = 0.6
#: Gazetteer kinds specific enough to be evidence of one event.
SPECIFIC_KINDS = frozenset({"company", "organisation", "person"})
#: Texts whose entities and names are remembered (a process building the same articles again).
TEXT_CACHE_SIZE = 8_192


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def specific_entities(text: str) -> frozenset[str]:
    """The gazetteer companies, organisations and people ``text`` names (once per distinct text)."""
    return frozenset(entities_in(text) & _specific_names())


@lru_cache(maxsize=1)
def _specific_names() -> frozenset[str]:
    return frozenset(e.name for e in load_gazetteer() if e.kind in SPECIFIC_KINDS)


_WORD = r"(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,})"
# A run of capitalised words is one name ("Donald Trump", "Critical Metals Corp").
_NAME = re.compile(rf"\b(?:{_WORD}(?: {_WORD})*|\d[\d,.]*\d)\b")
# The same pattern for a text that is all ASCII, where ``\w``, ``\d`` and ``\b`` mean what they
# mean in Unicode, matched about a third quicker.
_ASCII_NAME = re.compile(_NAME.pattern, re.ASCII)


_YEAR = re.compile(r"(?:19|20)\d\d")


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def names(text: str) -> frozenset[str]:
    """Runs of capitalised words (possessive dropped) and numbers of two or more digits in ``text``
    (commas dropped), except years, which every report of a season shares."""
    matches = (_ASCII_NAME if text.isascii() else _NAME).findall(text)
    found = (m.replace(",", "").removesuffix("'s").removesuffix("’s") for m in matches)
    return frozenset(n for n in found if not _YEAR.fullmatch(n))


def rare_names(texts: Sequence[str]) -> list[frozenset[str]]:
    """Each text's names that at most ``RARE_NAME_ARTICLES`` of ``texts`` carry."""
    found = [names(text) for text in texts]
    frequency: Counter[str] = Counter()
    for each in found:
        frequency.update(each)
    return [frozenset(n for n in each if frequency[n] <= RARE_NAME_ARTICLES) for each in found]


def _share_names(a: frozenset[str], b: frozenset[str]) -> bool:
    """``SHARED_NAMES`` or more in common, and at least ``SHARED_NAME_SHARE`` of the fewer:
    two long articles share a few rare names by chance."""
    shared = len(a & b)
    return shared >= SHARED_NAMES and shared >= SHARED_NAME_SHARE * min(len(a), len(b))


def containment(short: Vector, other: Vector) -> float:
    """The share of ``short``'s weight carried by terms that ``other`` also has."""
    total = sum(short.values())
    return sum(w for t, w in short.items() if t in other) / total if total else 0.0


def linked(a: Vector, b: Vector, entities_a: frozenset[str], entities_b: frozenset[str],
           names_a: frozenset[str] = frozenset(), names_b: frozenset[str] = frozenset()) -> bool:
    """Whether articles with vectors ``a``, ``b``, entities and rare names report the same event."""
    similarity = cosine(a, b)
    if similarity >= LINK_THRESHOLD:
        return True
    if similarity >= ENTITY_LINK_THRESHOLD and (len(entities_a & entities_b) >= SHARED_ENTITIES
                                                or _share_names(names_a, names_b)):
        return True
    short, other = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) <= SHORT_TERMS and containment(short, other) >= CONTAINMENT_THRESHOLD
