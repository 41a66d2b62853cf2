"""A labelled grouping set built from the shared data, and pairwise scores against it.

The set (each item: label, source, origin, title, text):

* ``clusters-dev``: the 40 files, labelled with their ``truth.json`` cluster (P-T: five
  events, six sites each; each Z near miss its own label). Line 1 is the headline.
* teasers: each P-T cluster's last three reports cut to their headline and the first
  real sentence of the body (eight words or more: bylines, datelines and site names
  are what a teaser leaves out), as a wire teaser or a feed's summary carries them,
  in place of the full report (so a teaser meets only the other sites' full reports
  and the other teasers); the first three reports of each cluster stay full.
* ``seeds``: the five seed articles, one label, and a teaser of each (its first 400
  characters of non-empty lines) standing beside it.
* ``bbc-dev`` Yukos: the BBC articles whose title names Yukos (one long-running event:
  the state's sale of Yuganskneftegas and Yukos's court fight), one label; the rest of
  the BBC set is scored only by how many stories it forms (it has no event labels).

Scores are pairwise: precision is the share of same-story pairs that share a label,
recall the share of same-label pairs put in one story; also the adjusted Rand index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


class Item(NamedTuple):
    label: str
    source: str
    origin: str
    title: str
    text: str


def clusters_dev(folder: Path) -> list[Item]:
    truth = json.loads((folder / "truth.json").read_text("utf-8"))
    items = []
    for record in truth["articles"]:
        headline, _, body = (folder / record["file"]).read_text("utf-8").partition("\n")
        items.append(Item(record["cluster"], record["file"].split("-", 3)[-1].removesuffix(".txt"),
                          record["url"], headline.strip(), body.strip()))
    return items


def first_sentence(title: str, body: str) -> str:
    """The body's first real sentence (eight words or more, not the headline again): bylines,
    datelines, captions and site names before it are what a teaser leaves out."""
    for line in body.splitlines():
        for sentence in _SENTENCE_END.split(line.strip()):
            if len(sentence.split()) >= 8 and sentence.strip() != title.strip():
                return sentence.strip()
    return ""


def teasers(items: Sequence[Item]) -> list[Item]:
    """Headline plus first sentence of each on-topic report, as a wire teaser would be."""
    return [Item(i.label, f"teaser-{i.source}", f"{i.origin}#teaser", i.title, first_sentence(i.title, i.text))
            for i in items if not i.label.startswith("Z-")]


def with_teasers(items: Sequence[Item]) -> list[Item]:
    """Each on-topic cluster's first three reports full, the others as teasers; Z files full."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        seen[item.label] = seen.get(item.label, 0) + 1
        out.append(teasers([item])[0] if not item.label.startswith("Z-") and seen[item.label] > 3 else item)
    return out


def seeds(folder: Path) -> list[Item]:
    full = [Item("seeds", "seeds", str(p), "", p.read_text("utf-8")) for p in sorted(folder.glob("*.txt"))]
    short = [Item("seeds", "teaser-seeds", f"{i.origin}#teaser",
                  "", "\n".join(line for line in i.text.splitlines() if line.strip())[:400]) for i in full]
    return full + short


def bbc_yukos(rows: Sequence[dict[str, str]]) -> list[Item]:
    return [Item("bbc-yukos", "bbc", r["id"], r["title"], r["text"]) for r in rows if "yukos" in r["title"].lower()]


class Scores(NamedTuple):
    precision: float
    recall: float
    ari: float
    stories: int


def pairwise(labels: Sequence[str], groups: Sequence[Sequence[int]]) -> Scores:
    """Pairwise precision/recall and ARI of ``groups`` (indices into ``labels``).

    A label "" is background (BBC articles without an event label): a pair of two
    background articles is not scored; a labelled article in a story with a
    background one is a wrong pair. ``stories`` counts the stories of labelled articles.
    """
    story = {i: g for g, members in enumerate(groups) for i in members}
    same_story = same_label = both = pairs = 0
    for i, j in combinations(range(len(labels)), 2):
        if not labels[i] and not labels[j]:
            continue
        pairs += 1
        s, t = story[i] == story[j], labels[i] == labels[j]
        same_story += s
        same_label += t
        both += s and t
    expected = same_story * same_label / pairs if pairs else 0.0
    top = (same_story + same_label) / 2 - expected
    ari = (both - expected) / top if top else 1.0
    labelled = {story[i] for i, label in enumerate(labels) if label}
    return Scores(both / same_story if same_story else 1.0, both / same_label if same_label else 1.0, ari,
                  len(labelled))


