"""The gazetteer (``briefing/data/gazetteer.toml``): the entities and materials the topic knows.

Read by settings (entity names in the configuration are checked against it),
the topic and the summariser's tags; it imports nothing of briefing's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer.toml"


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str
    aliases: tuple[str, ...]
    pattern: re.Pattern[str]


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = GAZETTEER) -> tuple[Entity, ...]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return tuple(_entity(item) for item in data.get("entity", []))


def _entity(item: dict[str, object]) -> Entity:
    aliases = [str(a) for a in item["aliases"]]  # type: ignore[attr-defined]
    # Short all-caps forms ("Nd", "CCP", "EU") must match exactly; names ignore case.
    exact = [re.escape(a) for a in aliases if len(a) <= 6 and not a.islower()]
    loose = [re.escape(a) for a in aliases if not (len(a) <= 6 and not a.islower())]
    parts = []
    if exact:
        parts.append(r"(?-i:" + "|".join(exact) + ")")
    if loose:
        parts.append("|".join(loose))
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)
    return Entity(name=str(item["name"]), kind=str(item["kind"]), aliases=tuple(aliases), pattern=pattern)
