"""Precision and recall of the implication detector on the five seeds, headings removed.

    python bench/implications.py

The truth is the set of sentences that stand under an implication heading in the
seeds (as ``split_sections`` finds them). Each seed is then split again with its
implication headings removed, so the detector sees only body text, and every
sentence outside the highlights and questions is classified. Printed side by side
with two baselines from the same run: "every sentence" (recall 1) and "modal verbs
only" (a one-cue detector).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.ingest.text import normalise_text  # noqa: E402
from briefing.summarise.implications import detect_implications  # noqa: E402
from briefing.summarise.sections import split_sections  # noqa: E402
from briefing.summarise.sentences import split_sentences  # noqa: E402

MODAL = re.compile(r"\b(may|might|could|should|must|will)\b", re.I)


def without_implication_headings(text: str) -> str:
    """The text with every line that split_sections reads as an implication heading removed."""
    kept = []
    for line in text.split("\n"):
        probe = split_sections(f"{line}\nA following sentence of body text.")
        is_heading = probe.implications and not probe.body[:1] == (line,)
        kept.append("" if is_heading and len(line.split()) <= 12 else line)
    return "\n".join(kept)


Detector = Callable[[list[str]], set[str]]


def evaluate(detector: Detector) -> tuple[float, float, int, int]:
    hits = predicted = truth_count = 0
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = normalise_text(path.read_text("utf-8"))
        truth = {s for p in split_sections(text).implications for s in split_sentences(p)}
        flat = split_sections(without_implication_headings(text))
        chosen = detector([*flat.body, *flat.implications, *flat.closing])
        hits += len(chosen & truth)
        predicted += len(chosen)
        truth_count += len(truth)
    return hits / max(predicted, 1), hits / max(truth_count, 1), predicted, truth_count


def main() -> None:
    print(f"{'detector':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'chosen':>8}{'truth':>7}")
    results = {}
    detectors: list[tuple[str, Detector]] = [
        ("briefing", lambda ps: {s for s, _ in detect_implications(ps)}),
        ("every sentence", lambda ps: {s for p in ps for s in split_sentences(p)}),
        ("modal verbs only", lambda ps: {s for p in ps for s in split_sentences(p) if MODAL.search(s)}),
    ]
    for name, detector in detectors:
        precision, recall, predicted, truth = evaluate(detector)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        results[name] = (precision, recall, f1)
        print(f"{name:<22}{precision:>10.2f}{recall:>8.2f}{f1:>7.2f}{predicted:>8}{truth:>7}")
    p, r, f = results["briefing"]
    print(f"implications precision {p:.2f} recall {r:.2f} f1 {f:.2f}")


if __name__ == "__main__":
    main()
