"""Compare briefing's sentence ranker with first-k and sumy on an extractive news set.

Protocol (../shared/data/README.md): every method picks k sentences from the
article body, k = the number of sentences in the reference summary; the picks,
in document order, are scored with ROUGE-1, ROUGE-2 and ROUGE-L F1 (Porter
stemming) against the reference and averaged over all articles. Every method
gets the same sentences, split by ``briefing.summarise.sentences``, so only the
choice of sentences differs.

Time per article covers turning the split sentences into a choice (sumy's
document model and word tokenising included, since our ranker's tokenising is
in its time too); splitting and ROUGE scoring are excluded.

    python bench/summary_quality.py --data ../shared/data/bbc-dev.jsonl [--limit N]
        [--category business]

The last line reads ``briefing R1 <x> R2 <y> RL <z> speedup_vs_textrank <s>``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rouge_score.rouge_scorer import RougeScorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

# Run from a checkout without installing the package: the project root is importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefing.summarise.rank import rank_sentences
from briefing.summarise.sentences import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")

# The reference glues its sentences together ("...$10.9bn.For the full-year"):
# a sentence end (optionally inside a closing quote) directly followed by a capital.
_REFERENCE_BOUNDARY = re.compile(r"(?<=[.!?])(?=[A-Z])|(?<=[.!?][\"'])(?=[A-Z])")

#: A method takes the article's sentences, k and the title and returns the
#: indices it picks.
Method = Callable[[Sequence[str], int, str], Sequence[int]]


@dataclass(frozen=True)
class Case:
    """One article prepared for every method: split once, k fixed by the reference."""

    article_id: str
    title: str
    sentences: tuple[str, ...]
    reference: str
    k: int


@dataclass
class Tally:
    """Running ROUGE sums and selection time for one method."""

    rouge: dict[str, float]
    seconds: float = 0.0
    articles: int = 0


class WordTokenizer:
    """The tokenizer sumy needs, without NLTK's punkt data.

    Sentences are never split here: the bench hands sumy sentences that
    ``split_sentences`` already produced.
    """

    _word = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

    def to_sentences(self, text: str) -> list[str]:
        return split_sentences(text)

    def to_words(self, sentence: str) -> list[str]:
        return self._word.findall(sentence)


def load_cases(path: Path, limit: int | None, category: str | None) -> list[Case]:
    """Read the JSONL file into cases, keeping the first ``limit`` that match ``category``."""
    cases: list[Case] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if category and row["category"] != category:
                continue
            reference = [s for s in _REFERENCE_BOUNDARY.split(row["reference"]) if s.strip()]
            cases.append(
                Case(
                    article_id=row["id"],
                    title=row["title"],
                    sentences=tuple(split_sentences(row["text"])),
                    reference=" ".join(s.strip() for s in reference),
                    k=len(reference),
                )
            )
            if limit is not None and len(cases) >= limit:
                break
    return cases


def briefing_method(sentences: Sequence[str], k: int, title: str) -> Sequence[int]:
    """Ours: the ranker the summarise stage uses, given the headline like in production."""
    return rank_sentences(sentences, k, title=title)


def first_k_method(sentences: Sequence[str], k: int, title: str) -> Sequence[int]:
    """The lead baseline: news is written top-down, so the opening is a summary of sorts."""
    return range(min(k, len(sentences)))


def sumy_method(summarizer_class: type) -> Method:
    """Wrap a sumy summarizer so it ranks our sentences, mapped back to indices."""
    summarizer = summarizer_class(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = WordTokenizer()

    def pick(sentences: Sequence[str], k: int, title: str) -> Sequence[int]:
        document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
        chosen = {str(sentence) for sentence in summarizer(document, k)}
        return [i for i, sentence in enumerate(sentences) if sentence.strip() in chosen][:k]

    return pick


def methods() -> dict[str, Method]:
    """The methods compared, in table order; "briefing" is ours."""
    return {
        "briefing": briefing_method,
        "first-k": first_k_method,
        "sumy TextRank": sumy_method(TextRankSummarizer),
        "sumy Luhn": sumy_method(LuhnSummarizer),
        "sumy LexRank": sumy_method(LexRankSummarizer),
    }


def evaluate(cases: Sequence[Case], compared: dict[str, Method]) -> dict[str, Tally]:
    """Run every method on every case; time the choice, then score it."""
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    tallies = {name: Tally(rouge=dict.fromkeys(ROUGE_TYPES, 0.0)) for name in compared}
    for case in cases:
        for name, method in compared.items():
            started = time.perf_counter()
            picked = method(case.sentences, case.k, case.title)
            tally = tallies[name]
            tally.seconds += time.perf_counter() - started
            tally.articles += 1
            summary = " ".join(case.sentences[i] for i in sorted(picked))
            for rouge_type, score in scorer.score(case.reference, summary).items():
                tally.rouge[rouge_type] += score.fmeasure
    return tallies


def table_lines(tallies: dict[str, Tally]) -> Iterator[str]:
    """The comparison table, scores as percentages."""
    yield f"{'method':<15} {'R1':>6} {'R2':>6} {'RL':>6} {'ms/article':>11}"
    for name, tally in tallies.items():
        r1, r2, rl = (100 * tally.rouge[t] / tally.articles for t in ROUGE_TYPES)
        per_article = 1000 * tally.seconds / tally.articles
        yield f"{name:<15} {r1:6.2f} {r2:6.2f} {rl:6.2f} {per_article:11.3f}"


def summary_line(tallies: dict[str, Tally]) -> str:
    """The machine-readable last line the README quotes."""
    ours, textrank = tallies["briefing"], tallies["sumy TextRank"]
    r1, r2, rl = (100 * ours.rouge[t] / ours.articles for t in ROUGE_TYPES)
    speedup = (textrank.seconds / textrank.articles) / (ours.seconds / ours.articles)
    return f"briefing R1 {r1:.2f} R2 {r2:.2f} RL {rl:.2f} speedup_vs_textrank {speedup:.2f}"


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: --data, optional --limit and --category."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="JSONL file (see data README)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N articles")
    parser.add_argument("--category", default=None, help="use only articles of this category")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if not arguments.data.is_file():
        print(f"no such file: {arguments.data}", file=sys.stderr)
        return 2
    cases = load_cases(arguments.data, arguments.limit, arguments.category)
    if not cases:
        print(f"no articles in {arguments.data}", file=sys.stderr)
        return 1
    tallies = evaluate(cases, methods())
    print(f"{len(cases)} articles from {arguments.data}")
    for line in table_lines(tallies):
        print(line)
    print(summary_line(tallies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
