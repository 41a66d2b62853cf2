"""Facts first: which highlights an editor keeps within the budget, and bullets made to stand alone.

An editor's short story must still carry the key facts: who did what, when,
how much. Three pieces, each small:

* ``fact_units``: what a bullet states that another may not: its numbers
  (normalised: "$211m", "$211 million" and "211" are one unit) and its names
  (capitalised words not opening the sentence, and gazetteer entities).
* ``select_facts_first``: the budget, filled greedily. A point scores for its
  sources (a point several sites report is central), its own substance, and
  the units it adds to what the title and the points already chosen say; a
  point adding nothing new waits behind every one that does.
* ``resolve_referent``: a sentence opening "The company said ..." or "It also
  owns ..." right after one naming the story's main actor stands alone once
  the actor's name replaces the pronoun; otherwise it stays dangling (and is
  dropped by ``editing.stands_alone``).

``story_actor`` names that main actor: the name most of the story's headlines
share, written as its articles write it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.summarise.editing import DATE
from briefing.summarise.tags import entities_in

#: A point's score: each extra source (up to ``MAX_SOURCES_COUNTED``) is worth
#: ``SOURCE_WEIGHT``; each new number ``NUMBER_UNIT``, each new name ``NAME_UNIT``
#: (together at most ``MAX_NOVELTY``); its own weight (facts, position) counts
#: ``WEIGHT_SHARE``; a point adding no unit at all loses ``NOTHING_NEW``, and each
#: word past ``LONG_WORDS`` costs ``WORD_COST``.
SOURCE_WEIGHT = 1.0
MAX_SOURCES_COUNTED = 4
NUMBER_UNIT = 1.0
NAME_UNIT = 0.5
MAX_NOVELTY = 3.0
WEIGHT_SHARE = 0.5
NOTHING_NEW = 2.0
LONG_WORDS = 30
WORD_COST = 0.1

_YEAR = re.compile(r"#(?:19|20)\d\d")  # a year is background more often than the event's date
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'&-]*[a-z][\w’'&-]*\b|\b[A-Z]{2,}\b")
_NOT_NAMES = frozenset(
    {
        "the", "a", "an", "in", "on", "at", "for", "of", "and", "but", "it", "its", "this", "that", "these",
        "those", "they", "he", "she", "we", "with", "by", "from", "as", "after", "under", "once", "upon",
        "according", "while", "when", "if", "through", "to", "mr", "mrs", "ms", "dr", "ceo", "us", "u.s",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    }
)
# "It said", "It also owns", "The company expects": a pronoun whose referent the sentence before names.
_PRONOUN_SUBJECT = re.compile(
    r"^(?:it|the (?:company|firm|miner|producer|group))\s+(?=(?:also\s+|now\s+|has\s+|had\s+|will\s+|would\s+)?"
    r"(?:said|says|added|noted|stated|announced|reported|expects|expected|plans|planned|owns|operates|"
    r"intends|aims|has|had|will|would|is expected|was formed|was founded|was listed|describes|described|"
    r"estimates|estimated|believes|controls|holds|produces|produced|acquired|signed|agreed|began|"
    r"completed|achieved|received|secured)\b)",
    re.IGNORECASE,
)
_RUN = re.compile(r"\b[A-Z][\w’'&-]*(?: [A-Z][\w’'&-]*)+\b")
_LEADING_STOP = re.compile(r"^(?:(?:The|A|An|In|On|At|For|Of|And|But|As|By|With|From|After|Under|Once|Upon|While|When|If|Its|This|That)\s)+")
_ADDITIVE_OPENER = re.compile(
    r"^(?:additionally|in addition|further|furthermore|moreover|also|besides|separately)\s*,\s*(?=[A-Z0-9])",
    re.IGNORECASE,
)


def fact_units(text: str, common: frozenset[str] = frozenset()) -> frozenset[str]:
    """The numbers and names ``text`` states, normalised for comparing bullets; a
    capitalised word in ``common`` (the story writes it in lower case too:
    "Memorandum", "Port") is no name."""
    numbers = (m.group(0).replace(",", "") for m in _NUMBER.finditer(text))
    units = {"#" + n for n in numbers if len(n) > 1}  # not "Phase 1", but "April 1" (a date, below)
    units |= {"#" + re.sub(r"\W+", " ", m.group(0).lower()).strip() for m in DATE.finditer(text) if not m.group(0).isdigit()}
    for match in _CAPITALISED.finditer(text):
        word = match.group(0).lower().strip("’'")
        if match.start() > 0 and word not in _NOT_NAMES and word not in common and len(word) > 1:
            units.add(word)
    units |= {e.lower() for e in entities_in(text)}
    return frozenset(units)


def novelty(units: frozenset[str], covered: set[str]) -> float:
    """What ``units`` add to ``covered``: numbers weigh more than names."""
    fresh = units - covered
    return min(MAX_NOVELTY, sum(NUMBER_UNIT if _YEAR.fullmatch(u) is None and u.startswith("#") else NAME_UNIT
                                for u in fresh))


def select_facts_first(
    points: Sequence[tuple[str, int, float]], limit: int, told: Sequence[str] = (), common: frozenset[str] = frozenset()
) -> list[int]:
    """Indices of at most ``limit`` of ``points`` (text, sources, weight), in the order chosen.

    Greedy: each turn takes the point that scores most given what the title
    (``told``) and the points already taken say.
    """
    covered: set[str] = set()
    for text in told:
        covered |= fact_units(text, common)
    units = [fact_units(text, common) for text, _, _ in points]
    chosen: list[int] = []
    while len(chosen) < min(limit, len(points)):
        def score(i: int, covered: set[str] = covered) -> tuple[float, int]:  # this turn's facts
            _, sources, weight = points[i]
            fresh = novelty(units[i], covered)
            text = points[i][0]
            value = SOURCE_WEIGHT * (min(sources, MAX_SOURCES_COUNTED) - 1) + fresh + WEIGHT_SHARE * weight
            value -= WORD_COST * max(0, len(text.split()) - LONG_WORDS)  # a reader scans: short wins
            return (value - (NOTHING_NEW if fresh == 0 else 0.0), -i)

        best = max((i for i in range(len(points)) if i not in chosen), key=score)
        chosen.append(best)
        covered |= units[best]
    return chosen


def lower_case_words(texts: Sequence[str]) -> frozenset[str]:
    """The words ``texts`` write in lower case: common words, not names, wherever capitalised."""
    return frozenset(w for t in texts for w in re.findall(r"\b[a-z][a-z’'-]+\b", t))


def story_actor(titles: Sequence[str], texts: Sequence[str]) -> str:
    """The story's main actor (a company, usually): the name of two or more capitalised
    words, as the texts write it, in most of its articles and named in a headline; most
    headlines first, then most articles. "" when there is none, or when two different
    names tie (two actors: "the company" could be either)."""
    body = "\n".join(texts)
    runs = {_LEADING_STOP.sub("", n) for t in texts for n in _RUN.findall(t)}
    names = [n for n in runs if " " in n and n.lower() not in body]  # "rare earth" is no name
    score = {n: (sum(n.lower() in t.lower() for t in titles), sum(n in t for t in texts)) for n in names}
    ranked = sorted((n for n in names if score[n][0] and score[n][1] * 2 >= len(texts)),
                    key=lambda n: (score[n], -len(n)), reverse=True)
    if not ranked:
        return ""
    best = ranked[0]
    rivals = [n for n in ranked[1:] if score[n] == score[best] and n not in best and best not in n]
    return "" if rivals else best


def resolve_referent(sentence: str, previous: str, earlier: str, actor: str) -> str:
    """``sentence`` with a leading additive opener ("Additionally,") dropped and a
    leading subject pronoun replaced by ``actor``: "The company ..." when the article
    has named the actor before (``earlier``), "It ..." only when ``previous`` opens
    with the actor. Otherwise as given (and dangling, if it was)."""
    text = _ADDITIVE_OPENER.sub("", sentence)
    if text != sentence:
        text = text[:1].upper() + text[1:]
    opener = _PRONOUN_SUBJECT.match(text)
    if not actor or not opener:
        return text
    if opener.group(0).lower().startswith("it") and not _opens_with(previous, actor):
        return text
    if actor.lower() not in earlier.lower():
        return text
    return actor + " " + text[opener.end():]


def _opens_with(sentence: str, actor: str) -> bool:
    """Whether ``actor`` is the subject of ``sentence``: named within its first few words."""
    position = sentence.lower().find(actor.lower())
    return 0 <= position and len(sentence[:position].split()) <= 3


__all__ = ["fact_units", "lower_case_words", "novelty", "resolve_referent", "select_facts_first", "story_actor"]
