"""Scores are frozen: the labelled set of ``bench/topic.py`` scored in one batch gives exactly
the scores and reasons recorded in ``tests/fixtures/topic/scores.jsonl`` (made before the
scoring was sped up), and the needle pre-scan finds exactly the rules a rule-by-rule search finds."""

from __future__ import annotations

import json
import random

from briefing.models import Document
#PRESCAN
from briefing.settings import load_settings
from briefing.topic import Topic, load_topic, read_exemplars
from tests.conftest import ROOT, SHARED

FROZEN = ROOT / "tests" / "fixtures" / "topic" / "scores.jsonl"


def labelled_set() -> list[tuple[str, Document]]:
    """clusters-dev, the seeds, the topic fixtures and bbc-dev, in the bench's order, each with a key."""
    found: list[tuple[str, Document]] = []
    for path in sorted((SHARED / "data" / "clusters-dev").glob("*.txt")):
        text = path.read_text("utf-8")
        found.append((path.name, Document("c", str(path), text.split("\n", 1)[0], text)))
    for folder in (ROOT / "seeds", ROOT / "tests/fixtures/topic/on", ROOT / "tests/fixtures/topic/off"):
        found += [(f"{folder.name}/{d.title}", d) for d in read_exemplars([folder])]  # type: ignore[misc]
    for line in (SHARED / "data" / "bbc-dev.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        found.append((row["id"], Document("bbc", row["id"], row["title"], row["text"])))
    return found


def sample_topic() -> Topic:
    return load_topic(load_settings(ROOT / "config" / "briefing.toml", env={}).topic)


def test_scores_and_reasons_are_the_frozen_ones() -> None:
    docs = labelled_set()
    frozen = [json.loads(line) for line in FROZEN.read_text("utf-8").splitlines()]
    scores = sample_topic().score_many([d for _, d in docs])
    got = [[key, r.score, r.on_topic, list(r.reasons)] for (key, _), r in zip(docs, scores, strict=True)]
    assert len(got) == len(frozen) == 965
    wrong = [(g, f) for g, f in zip(got, frozen) if g != f]
    assert not wrong, wrong[:3]
