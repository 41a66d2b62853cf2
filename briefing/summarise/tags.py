"""Tag stories with the entities and materials of ``data/gazetteer.toml``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from briefing.gazetteer import Entity, load_gazetteer

KIND_ORDER = ("company", "organisation", "person", "country", "material")


def entities_in(text: str) -> set[str]:
    """Names of the gazetteer entities that ``text`` mentions.

    A plain substring test on the lower-cased text rules most entities out
    cheaply; only the survivors pay for the word-boundary regex.
    """
    lowered = text.lower()
    return {
        entity.name
        for entity, needles in _needles()
        if any(needle in lowered for needle in needles) and entity.pattern.search(text)
    }


@lru_cache(maxsize=1)
def _needles() -> tuple[tuple[Entity, tuple[str, ...]], ...]:
    return tuple((entity, tuple(a.lower() for a in entity.aliases)) for entity in load_gazetteer())


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
