"""Scores are frozen: the labelled set of ``bench/topic.py`` scored in one batch gives exactly
the scores and reasons recorded in ``tests/fixtures/topic/scores.jsonl`` (made before the
scoring was sped up), and the needle pre-scan finds exactly the rules a rule-by-rule search finds."""

from __future__ import annotations

import dataclasses
import json
import random

from briefing.models import Document
from briefing.phrases import Prescan, compile_rules
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


def test_prescan_keeps_every_rule_that_matches() -> None:
    """Old (each rule searched) against new (pre-scan, then search) on random texts built from
    the rules' own words, punctuation, capitals and non-ASCII letters."""
    rules = compile_rules(["rare earth", "REE", "battery", "Nd", "magnet plant", "/lithium (brine|hydroxide)/",
                           "co-op", "U.S.", "Straße", "ΣΊΣΥΦΟΣ"])
    prescan = Prescan(rules)
    pieces = ["rare", "earths", "Rare-Earth's", "REE", "ree", "three", "batteries", "battery", "Nd", "NdFeB", "nd",
              "magnet", "plants", "lithium", "Brine", "co-op", "coop", "U.S.", "u.s.", "STRASSE", "straße",
              "σίσυφος", "ΣΊΣΥΦΟΣ", "İ", "-", "'", "\n", " ", "(", "/", "_", "9"]
    chooser = random.Random(11)
    for _ in range(3000):
        text = "".join(chooser.choice(pieces) + chooser.choice(["", " ", "-", ","]) for _ in range(chooser.randint(1, 12)))
        lowered = text.lower()
        possible = prescan.possible(text, lowered)
        for index, rule in enumerate(rules):
            if rule.search(text, lowered) is not None:
                assert index in possible, (text, rule.text)


def test_prescan_with_an_exclude_rule_gives_the_rule_by_rule_scores() -> None:
    """A topic with excludes and a regex scores the labelled set's fixtures as a plain search would."""
    settings = load_settings(ROOT / "config" / "briefing.toml", env={}).topic
    topic = Topic(dataclasses.replace(settings, exclude=("lithium", "/gold (price|mine)s?/")),
                  read_exemplars(list(settings.exemplars)))
    docs = [d for _, d in labelled_set()[:60]]
    excluded = 0
    for doc, relevance in zip(docs, topic.score_many(docs), strict=True):
        if relevance.reasons == ("exemplar",):
            continue
        text = f"{doc.title}\n{doc.text}"
        hit = next((r for r in topic.exclude if r.search(text, text.lower())), None)
        if hit is None:
            assert not relevance.reason.startswith("exclude"), (doc.title, relevance)
        else:
            assert relevance.reasons == (f"exclude {hit.text!r}",) and relevance.score == 0.0
            excluded += 1
    assert excluded >= 2
