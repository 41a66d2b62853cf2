"""The grouping's hot paths were rewritten for speed (``vectors.tokens`` normalises each
distinct word once, in a dict, and reads an ASCII text with an ASCII pattern, as
``linking.names`` does; ``stories.top_terms`` sorts only the weights; ``tags.entities_in``
scans all aliases at once and starts each search at its first hit): they give exactly what
the plain versions gave, kept here as the reference, on real texts and on awkward ones."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from briefing.summarise.linking import _NAME, _YEAR, names
from briefing.summarise.stories import TOP_TERMS, top_terms
from briefing.summarise.tags import _needles, entities_in
from briefing.summarise.vectors import _WORD, STOP_WORDS, _TokenTable, cosine, idf_table, stem, tfidf, tokens
from tests.conftest import SEEDS, SHARED


def reference_tokens(text: str) -> list[str]:
    words = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [stem(w.removesuffix("'s")) for w in words if w not in STOP_WORDS and len(w) > 2]


def reference_entities(text: str) -> set[str]:
    lowered = text.lower()
    return {entity.name for entity, needles in _needles()
            if any(needle in lowered for needle in needles) and entity.pattern.search(text)}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rows = [json.loads(line) for line in (SHARED / "data" / "bbc-dev.jsonl").read_text("utf-8").splitlines()]
    found = [f"{row['title']}\n{row['text']}" for row in rows[::3]]
    found += [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    found += [path.read_text("utf-8") for path in sorted((SHARED / "data" / "clusters-dev").glob("*.txt"))]
    chooser = random.Random(17)
    pieces = ["Lynas", "LYNAS", "lynas's", "Nd", "ND", "nd", "NdFeB", "China's", "İstanbul", "Straße", "’s", "-", " ",
              "U.S.", "EU", "eu", "Baotou", "rare-earth", "the", "and", "’", "'", "\n", "σίσυφος", "Σ",
              "_", "7", "x", "agree", "Lynas_", "-Lynas", "2,500", "1.5", "2024", "O'Neill", "Q3", "a-", "x'",
              "Mc-", "ÉDF", "\x1f"]  # ASCII texts: a hit inside a word or beside "_", "-", a digit
    found += ["".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 30))) for _ in range(2000)]
    pieces += ["北方稀土", "包钢", "Lynaſ", "xLynas", "ı", "\u212a", "“", "£"]  # caseless aliases, case folds
    found += ["".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 30))) for _ in range(2000)]
    return found


def test_tokens_are_the_reference_tokens(texts: list[str]) -> None:
    for text in texts:
        assert tokens(text) == reference_tokens(text), text[:80]


def test_the_word_table_stays_within_its_size(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    table = _TokenTable()
    monkeypatch.setattr("briefing.summarise.vectors.TOKEN_TABLE_SIZE", 50)
    monkeypatch.setattr("briefing.summarise.vectors._TOKENS", table)
    for text in texts[:300]:
        assert tokens(text) == reference_tokens(text), text[:80]
        assert len(table) <= 50


def reference_names(text: str) -> frozenset[str]:
    found = (m.replace(",", "").removesuffix("'s").removesuffix("’s") for m in _NAME.findall(text))
    return frozenset(n for n in found if not _YEAR.fullmatch(n))


def test_names_are_the_reference_names(texts: list[str]) -> None:
    assert sum(text.isascii() for text in texts) > 500  # the ASCII pattern is what is checked
    for text in texts:
        assert names(text) == reference_names(text), text[:80]


def test_entities_are_the_reference_entities(texts: list[str]) -> None:
    found = 0
    for text in texts:
        got = entities_in(text)
        assert got == reference_entities(text), text[:80]
        assert list(got) == list(reference_entities(text))  # same set, same iteration order
        found += bool(got)
    assert found > 50


def test_a_match_only_case_folding_finds_is_still_found() -> None:
    # "ſ" matches "s" case-insensitively but lower-cases to itself: the pattern finds "MP Materialſ"
    # at 0, the automaton only the later "mp materials", inside a word; the search must not start there.
    for text in ("MP Materialſ agreed; xMP Materials.", "MP Materialſ, “xMP Materials”",
                 "北方稀土 and MP Materialſ met xMP Materials"):
        assert "MP Materials" in entities_in(text) == reference_entities(text)
    text = "包钢 met “xLynas” and Lynas"
    assert entities_in(text) == reference_entities(text) == {"Lynas", "Baogang Group"}


def reference_tfidf(doc: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(doc)
    vector = {t: (1.0 + math.log(c)) * idf.get(t, 1.0) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def reference_cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(a[t] * b[t] for t in a.keys() & b.keys())


def test_vectors_and_cosines_are_the_reference_ones_to_the_bit(texts: list[str]) -> None:
    docs = [tokens(text) for text in texts[:400]] + [["x"] * 5000, []]  # a count past the table, an empty text
    idf = idf_table(docs[:-3])  # some terms missing from the table: weight 1.0
    vectors = [tfidf(doc, idf) for doc in docs]
    for doc, vector in zip(docs, vectors):
        expected = reference_tfidf(doc, idf)
        assert vector == expected and list(vector) == list(expected)
    for i in range(len(vectors) - 1):
        for j in (i + 1, (i * 7) % len(vectors)):
            assert cosine(vectors[i], vectors[j]) == reference_cosine(vectors[i], vectors[j])


def test_top_terms_are_the_reference_top_terms(texts: list[str]) -> None:
    docs = [Counter(tokens(text)) for text in texts]
    idf = idf_table(docs)
    vectors = [tfidf(doc, idf) for doc in docs]
    vectors += [{"b": 0.5, "a": 0.5, "c": 0.5, **{f"t{n:02d}": 0.1 for n in range(40)}},  # ties at the cut
                {f"t{n:02d}": 0.2 for n in range(30)}, {"x": 1.0}, {}]
    tied = 0
    for vector in vectors:
        expected = sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS]
        got = top_terms(vector)
        assert sorted(got) == sorted(expected) and len(got) == len(set(got))
        weights = sorted(vector.values(), reverse=True)
        tied += len(weights) > TOP_TERMS and weights[TOP_TERMS - 1] == weights[TOP_TERMS]
    assert tied > 100  # equal weights at the cut are common: the rule for them is what is checked
