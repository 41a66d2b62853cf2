"""Tag stories with the entities and materials of ``data/gazetteer.toml``."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Callable, Sequence
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
    automaton, owners, plain_aliases = _automaton()
    lowered = text.lower()
    found = automaton.find_matches_as_indexes(lowered, overlapping=True)
    wordish: Callable[[str], bool]
    if text.isascii():
        wordish = _WORDISH.__contains__
    elif plain_aliases and not any(c in text for c in _FOLDS_APART):
        wordish = _wordish  # Unicode, where the patterns' ``\w`` is what ``str.isalnum`` says, or "_"
    else:
        present = {owner for index, _, _ in found for owner in owners[index]}
        return {entity.name for position, (entity, _) in enumerate(_needles())
                if position in present and entity.pattern.search(text)}
    # Every match of an entity's pattern is then one of its automaton hits (the lower-cased text
    # keeps every index) with no word character or hyphen on either side: hits inside words ("ree"
    # in "agree") rule their entity out without a search, and the search starts at its first hit
    # (the look-behind still sees the character before).
    end = len(text)
    first: dict[int, int] = {}
    for index, start, stop in found:  # in order of their end, so not always of their start
        if (start == 0 or not wordish(text[start - 1])) and (stop == end or not wordish(text[stop])):
            for owner in owners[index]:
                first[owner] = min(start, first.get(owner, start))
    needles = _needles()
    return {needles[position][0].name for position in sorted(first)  # in gazetteer order, as above
            if needles[position][0].pattern.search(text, first[position])}


def _wordish(character: str) -> bool:
    return character.isalnum() or character in "_-"


# The four non-ASCII characters a case-insensitive pattern matches to ASCII letters ("İ", "ı",
# "ſ" and the Kelvin sign, as Python's ``re`` documents): "ſ" and "ı" lower-case to themselves,
# "İ" to two characters. In a text without them, every match of an alias that is ASCII or
# caseless is that alias lower-cased, at the same index of the lower-cased text.
_FOLDS_APART = ("\u0130", "\u0131", "\u017f", "\u212a")


@lru_cache(maxsize=1)
def _needles() -> tuple[tuple[Entity, tuple[str, ...]], ...]:
    return tuple((entity, tuple(a.lower() for a in entity.aliases)) for entity in load_gazetteer())


@lru_cache(maxsize=1)
def _automaton() -> tuple[AhoCorasick, list[list[int]], bool]:
    """All aliases (lower-cased) in one automaton; each needle's owners, as positions in
    ``_needles()``; and whether every alias is ASCII or caseless (as "北方稀土" is)."""
    owners: dict[str, list[int]] = {}
    for position, (_, needles) in enumerate(_needles()):
        for needle in needles:
            owners.setdefault(needle, []).append(position)
    plain = all(alias.isascii() or alias.lower() == alias == alias.upper() == alias.casefold()
                for _, aliases in _needles() for alias in aliases)
    return AhoCorasick(list(owners)), list(owners.values()), plain


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
