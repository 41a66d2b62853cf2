"""rank_sentences: picks what a reader needs, deterministically, on any input size."""

from __future__ import annotations

import json
import re

import pytest

from briefing.summarise.rank import rank_sentences
from briefing.summarise.sentences import split_sentences
from tests.conftest import shared_path

ARTICLE = [
    "Acme Corp reported record quarterly profits of $2bn on demand for its rare earth magnets.",
    "Share this article",
    "Profits at Acme were lifted by higher magnet prices and record demand from carmakers.",
    "Leave a Reply",
    "Acme said demand for rare earth magnets from carmakers would keep rising next year.",
    "Sign up for our newsletter to get the latest news in your inbox every morning.",
    "Source: Acme press release (opens in a new tab)",
]


def test_prefers_informative_lead_over_boilerplate() -> None:
    picked = rank_sentences(ARTICLE, 2, title="Acme profits soar on magnet demand")
    assert 0 in picked
    assert not {1, 3, 5, 6} & set(picked)


def test_picks_k_indices_in_document_order() -> None:
    picked = rank_sentences(ARTICLE, 3)
    assert len(picked) == 3
    assert picked == sorted(set(picked))
    assert all(0 <= i < len(ARTICLE) for i in picked)


def test_is_deterministic() -> None:
    assert {tuple(rank_sentences(ARTICLE, 3, title="Acme")) for _ in range(5)} == {
        tuple(rank_sentences(list(ARTICLE), 3, title="Acme"))
    }


def test_ties_go_to_the_earlier_sentence() -> None:
    sentences = [
        "Copper prices rose sharply on Monday in London trading.",
        "Zinc stocks fell slightly on Tuesday in Tokyo markets.",
        "Nickel output climbed steadily during March across Canadian mines.",
    ]
    assert rank_sentences(sentences, 1) == [0]
    assert rank_sentences(list(reversed(sentences)), 1) == [0]


@pytest.mark.parametrize("k", [len(ARTICLE), len(ARTICLE) + 1, 100])
def test_k_at_least_the_sentence_count_returns_every_sentence(k: int) -> None:
    assert rank_sentences(ARTICLE, k) == list(range(len(ARTICLE)))


@pytest.mark.parametrize(("sentences", "k"), [([], 3), (ARTICLE, 0), (ARTICLE, -1)])
def test_empty_input_or_nothing_asked(sentences: list[str], k: int) -> None:
    assert rank_sentences(sentences, k) == []


def test_a_repeated_sentence_is_not_picked_twice_while_others_remain() -> None:
    lead = "Acme Corp reported record profits on rare earth magnet demand from carmakers."
    sentences = [
        lead,
        lead,
        "Acme said magnet demand from carmakers and wind turbine makers kept growing.",
        "The weather in London was mild for the time of year on Monday.",
    ]
    assert rank_sentences(sentences, 2) == [0, 2]


def test_title_breaks_a_near_tie_towards_the_subject() -> None:
    sentences = [
        "Shares in the magnet maker rose after the results were published on Monday.",
        "Shares in the battery maker rose after the results were published on Monday.",
    ]
    assert rank_sentences(sentences, 1, title="Battery maker results") == [1]


def test_headings_lose_to_sentences() -> None:
    text = (
        "Why Rare Earth Magnets Matter to the West\n"
        "Rare earth magnets power electric cars and wind turbines across the West.\n"
        "China controls most rare earth magnet production and processing capacity."
    )
    assert rank_sentences(split_sentences(text), 2) == [1, 2]


def _reference_sentences(reference: str) -> set[str]:
    return set(re.split(r"(?<=[.!?])(?=[A-Z])|(?<=[.!?][\"'])(?=[A-Z])", reference))


def test_recovers_most_reference_sentences_on_real_news() -> None:
    """A guard against regressions: the full benchmark is bench/summary_quality.py."""
    found = wanted = 0
    with shared_path("data", "bbc-dev.jsonl").open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(100)):
            row = json.loads(line)
            reference = _reference_sentences(row["reference"])
            sentences = split_sentences(row["text"])
            picked = rank_sentences(sentences, len(reference), title=row["title"])
            found += sum(sentences[i] in reference for i in picked)
            wanted += len(reference)
    assert found / wanted > 0.70
