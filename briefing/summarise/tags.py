"""Tag stories with the entities and materials of ``data/gazetteer.toml``."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from ahocorasick_rs import AhoCorasick

from briefing.gazetteer import Entity, load_gazetteer

KIND_ORDER = ("company", "organisation", "person", "country", "material")
_WORDISH = frozenset(string.ascii_letters + string.digits + "_-")  # what the patterns' (?<![\w-]) and (?![\w-]) refuse, in ASCII


def entities_in(text: str) -> set[str]:
    """Names of the gazetteer entities that ``text`` mentions.

    One Aho-Corasick scan of the lower-cased text for every alias at once rules
    most entities out cheaply (exactly the plain substring test, once per text
    instead of once per alias); only the survivors pay for the word-boundary regex.
    """
    automaton, owners = _automaton()
    lowered = text.lower()
    found = automaton.find_matches_as_indexes(lowered, overlapping=True)
    if text.isascii():
        # In ASCII text a regex match is an automaton hit with no word character or hyphen on
        # either side: hits inside words ("ree" in "agree") rule their entity out without a search.
        end = len(lowered)
        found = [(index, start, stop) for index, start, stop in found
                 if (start == 0 or lowered[start - 1] not in _WORDISH) and (stop == end or lowered[stop] not in _WORDISH)]
    present = {owner for index, _, _ in found for owner in owners[index]}
    return {entity.name for position, (entity, _) in enumerate(_needles())
            if position in present and entity.pattern.search(text)}


@lru_cache(maxsize=1)
def _needles() -> tuple[tuple[Entity, tuple[str, ...]], ...]:
    return tuple((entity, tuple(a.lower() for a in entity.aliases)) for entity in load_gazetteer())


@lru_cache(maxsize=1)
def _automaton() -> tuple[AhoCorasick, list[list[int]]]:
    """All aliases (lower-cased) in one automaton; each needle's owners, as positions in ``_needles()``."""
    owners: dict[str, list[int]] = {}
    for position, (_, needles) in enumerate(_needles()):
        for needle in needles:
            owners.setdefault(needle, []).append(position)
    return AhoCorasick(list(owners)), list(owners.values())


def story_tags(texts: Sequence[str], entities: int = 6, materials: int = 4) -> tuple[str, ...]:
    """The names most of ``texts`` mention: up to ``entities`` people, companies,
    organisations and countries, then up to ``materials`` materials (which would
    otherwise be crowded out by the countries every article names)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(entities_in(text))
    kinds = {e.name: e.kind for e in load_gazetteer()}
    ranked = sorted(counts, key=lambda name: (-counts[name], KIND_ORDER.index(kinds[name]), name))
    chosen = [n for n in ranked if kinds[n] != "material"][:entities]
    chosen += [n for n in ranked if kinds[n] == "material"][:materials]
    return tuple(sorted(chosen, key=lambda name: (KIND_ORDER.index(kinds[name]), -counts[name], name)))
