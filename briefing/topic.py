"""The topic: settings -> a compiled ``Topic`` that scores articles from 0 to 1.

Evidence, added up and squashed into [0, 1] (``score = 1 - exp(-STEEPNESS * evidence)``):

- each distinct ``topic.keywords`` phrase found counts 1, and 1 more when one is
  in the title (so one keyword in the body is just enough at the default
  threshold 0.5, and one in the title is clearly enough);
- each distinct ``topic.entities`` gazetteer entity mentioned counts ``ENTITY_WEIGHT``
  (two entities, say Lynas and dysprosium, are enough without any keyword);
- likeness to the exemplars: the cosine of the article's TF-IDF vector with the
  exemplars' mean vector, IDF taken over the exemplars and the articles scored
  together, counts up to ``SIMILARITY_WEIGHT`` between ``SIMILARITY_FLOOR`` and
  ``SIMILARITY_FULL``.

Two rules override the sum: an article with a ``topic.exclude`` phrase scores 0,
and an article that is one of the exemplars (same normalised text) scores 1.
Without keywords, entities or exemplars there is no topic: every article scores
1 ("no topic configured"), which is the behaviour of a config with no ``[topic]``.

Pure: no store, no clock; ``load_topic`` reads the exemplar folders once.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from briefing.errors import QuarantineError
from briefing.gazetteer import load_gazetteer
from briefing.ingest.articles import article_id
from briefing.phrases import Prescan, Rule, compile_rule, compile_rules
from briefing.settings import TopicSettings
from briefing.summarise.vectors import STOP_WORDS, Vector

log = logging.getLogger(__name__)

STEEPNESS = 0.7
ENTITY_WEIGHT = 0.5
SIMILARITY_WEIGHT = 1.0
SIMILARITY_FLOOR = 0.15
SIMILARITY_FULL = 0.35
# Likeness is measured on the head of the text: the lede and first paragraphs say
# what an article is about, and tokenising whole long texts would cost most of the time.
SIMILARITY_CHARS = 1_500
EXEMPLAR_MAX_BYTES = 5_000_000
_WORD = re.compile(r"[a-z][a-z'’-]+[a-z]")


class Text(Protocol):
    """Anything with a title and a text: a ``Document`` or an ``Article``."""

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Relevance:
    """An article's relevance to the topic and the evidence behind it."""

    score: float  # 0..1
    on_topic: bool
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class _Entity:
    """A gazetteer entity's aliases as rules: short capitals ("Nd", "Dy") exactly, the rest as phrases."""

    name: str
    aliases: tuple[Rule, ...]


def _compile_entity(name: str) -> _Entity:
    entity = {e.name: e for e in load_gazetteer()}[name]
    rules = []
    for alias in entity.aliases:
        if len(alias) <= 6 and not alias.islower():  # the gazetteer's convention: exact case
            rules.append(Rule(alias, re.compile(rf"{re.escape(alias)}(?![\w-])"), alias, lower=False))
        else:
            rules.append(compile_rule(alias))
    return _Entity(name, tuple(rules))


class Topic:
    """A compiled topic. ``score_many`` is the main entry: IDF over the batch."""

    def __init__(self, settings: TopicSettings, exemplars: Sequence[Text] = ()) -> None:
        self.enabled = settings.enabled
        self.threshold = settings.threshold
        self.keywords: tuple[Rule, ...] = compile_rules(settings.keywords)
        self.exclude: tuple[Rule, ...] = compile_rules(settings.exclude)
        self.entities = tuple(_compile_entity(name) for name in settings.entities)
        # one multi-needle scan per text tells which keyword, exclude and alias rules can match at all
        aliases = [alias for entity in self.entities for alias in entity.aliases]
        self._prescan = Prescan([*self.keywords, *self.exclude, *aliases])
        self._entity_slices: list[tuple[str, range]] = []
        start = len(self.keywords) + len(self.exclude)
        for entity in self.entities:
            self._entity_slices.append((entity.name, range(start, start + len(entity.aliases))))
            start += len(entity.aliases)
        self.exemplar_ids = frozenset(article_id(e.text) for e in exemplars)
        self._exemplar_sizes = frozenset(len(e.text) for e in exemplars)  # hashing every text would cost a third
        self._exemplar_terms = [_terms(e) for e in exemplars]

    def score(self, article: Text) -> Relevance:
        return self.score_many([article])[0]

    def score_many(self, articles: Sequence[Text]) -> list[Relevance]:
        if not self.enabled:
            return [Relevance(1.0, True, ("no topic configured",)) for _ in articles]
        terms = [_terms(a) for a in articles] if self._exemplar_terms else [Counter() for _ in articles]
        profile, idf = self._profile(terms)
        return [self._relevance(a, t, profile, idf) for a, t in zip(articles, terms, strict=True)]

    def _profile(self, batch: Sequence[Counter[str]]) -> tuple[Vector, dict[str, float]]:
        """The exemplars' mean unit vector, IDF over exemplars plus the batch."""
        if not self._exemplar_terms:
            return {}, {}
        documents = [*self._exemplar_terms, *batch]
        frequency = Counter(itertools.chain.from_iterable(documents))  # each document's distinct terms, once
        total = len(documents)
        idf = {term: math.log((1 + total) / (1 + count)) + 1.0 for term, count in frequency.items()}
        mean: dict[str, float] = {}
        for doc in self._exemplar_terms:
            for term, weight in _vector(doc, idf).items():
                mean[term] = mean.get(term, 0.0) + weight
        return _unit(mean), idf

    def _relevance(self, article: Text, terms: Counter[str], profile: Vector, idf: dict[str, float]) -> Relevance:
        if self._is_exemplar(article):
            return Relevance(1.0, True, ("exemplar",))
        text = f"{article.title}\n{article.text}"
        lowered = text.lower()
        rules, possible = self._prescan.rules, self._prescan.possible(text, lowered)
        base = len(self.keywords)
        excluded = next((rules[i] for i in range(base, base + len(self.exclude))
                         if i in possible and rules[i].search(text, lowered)), None)
        if excluded is not None:
            return Relevance(0.0, False, (f"exclude {excluded.text!r}",))
        reasons: list[str] = []
        hits = [rules[i] for i in range(base) if i in possible and rules[i].search(text, lowered)]
        evidence = self._keyword_evidence(article.title, hits, reasons)
        found = [name for name, indices in self._entity_slices
                 if any(i in possible and rules[i].search(text, lowered) for i in indices)]
        if found:
            evidence += ENTITY_WEIGHT * len(found)
            reasons.append("entities " + ", ".join(found))
        if profile:
            similarity = _similarity(terms, idf, profile)
            likeness = min(1.0, max(0.0, (similarity - SIMILARITY_FLOOR) / (SIMILARITY_FULL - SIMILARITY_FLOOR)))
            evidence += SIMILARITY_WEIGHT * likeness
            reasons.append(f"exemplar similarity {similarity:.2f}")
        score = round(1.0 - math.exp(-STEEPNESS * evidence), 3)
        if not evidence or (profile and len(reasons) == 1):
            reasons.insert(0, "no keyword or entity")
        return Relevance(score, score >= self.threshold, tuple(reasons))

    def _is_exemplar(self, article: Text) -> bool:
        """Read from an exemplar folder: the same text (a stored article's id is its text's hash)."""
        if getattr(article, "id", None) in self.exemplar_ids:
            return True
        return len(article.text) in self._exemplar_sizes and article_id(article.text) in self.exemplar_ids

    def _keyword_evidence(self, title: str, hits: list[Rule], reasons: list[str]) -> float:
        if not hits:
            return 0.0
        in_title = any(rule.search(title, title.lower()) for rule in hits)
        reasons.append("keywords " + ", ".join(repr(rule.text) for rule in hits) + (" (title)" if in_title else ""))
        return len(hits) + (1.0 if in_title else 0.0)


def _terms(article: Text) -> Counter[str]:
    """Content words (three letters or more) of the title and the head of the text."""
    head = f"{article.title}\n{article.text[:SIMILARITY_CHARS]}".lower()
    # unstemmed: stemming cost a third of the time for no gain here
    return Counter([word for word in _WORD.findall(head) if word not in STOP_WORDS])


def _similarity(terms: Counter[str], idf: dict[str, float], profile: Vector) -> float:
    """``cosine(_vector(terms, idf), profile)`` to the last bit, without building the two
    vectors: the same products, divisions and sums in the same order (in C through
    ``map``, the sublinear counts from a table), and only the terms the profile shares
    are divided and multiplied. Scoring's hot loop."""
    shared = terms.keys() & profile.keys()  # iterated three times below, in one order
    try:
        values = list(map(operator.mul, map(_SUBLINEAR.__getitem__, terms.values()), map(idf.get, terms, _ONES)))
        weights = list(map(operator.mul, map(_SUBLINEAR.__getitem__, map(terms.__getitem__, shared)),
                           map(idf.get, shared, _ONES)))
    except IndexError:  # a count beyond the table (a very long title)
        values = [(1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in terms.items()]
        weights = [(1.0 + math.log(terms[t])) * idf.get(t, 1.0) for t in shared]
    norm = math.sqrt(sum(map(operator.mul, values, values))) or 1.0
    products: Iterable[float] = map(operator.mul, map(operator.truediv, weights, itertools.repeat(norm)),
                                    map(profile.__getitem__, shared))
    return sum(products)


_SUBLINEAR = [0.0] + [1.0 + math.log(c) for c in range(1, 1024)]
_ONES = itertools.repeat(1.0)


def _vector(terms: Counter[str], idf: dict[str, float]) -> Vector:
    return _unit({t: (1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in terms.items()})


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def load_topic(settings: TopicSettings) -> Topic:
    """The topic with its exemplar folders read (unreadable files are logged and skipped)."""
    return Topic(settings, read_exemplars(settings.exemplars))


def read_exemplars(folders: Sequence[Path]) -> list[Text]:
    from briefing.ingest.files import SUFFIXES, read_documents

    found: list[Text] = []
    for folder in folders:
        if not folder.is_dir():
            log.warning("topic.exemplars: %s is not a folder; no exemplars read from it", folder)
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in SUFFIXES or path.name.startswith(".") or not path.is_file():
                continue
            try:
                found.extend(read_documents(path, folder.name, EXEMPLAR_MAX_BYTES))
            except QuarantineError as exc:
                log.warning("topic.exemplars: %s skipped: %s", exc.origin, exc.reason)
    return found


def full_text_keeper(topic: TopicSettings | Topic) -> Callable[[Text], bool]:
    """Which teaser entries earn a full-text fetch: those the topic keeps (scored on the
    teaser itself), so an off-topic teaser in a general feed costs no request. Without a
    topic, every entry (``briefing.ingest.fulltext``'s default)."""
    if not topic.enabled:
        return lambda document: True
    compiled = topic if isinstance(topic, Topic) else load_topic(topic)
    return lambda document: compiled.score(document).on_topic
