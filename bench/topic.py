"""The topic filter: precision, recall and scoring rate beside the "rare earth"-keyword baseline.

    python bench/topic.py [--shared ../shared] [--repeat 5]

Labelled set (built from the shared data and this project's own fixtures):
- positives: the 30 on-topic files of clusters-dev (clusters P-T, five rare-earth events,
  six sites each), the five seeds, and the four hand-written on-topic articles in
  tests/fixtures/topic/on/ that never say "rare earth" (dysprosium prices, an NdFeB
  magnet plant, a Lynas separation plant, MP Materials);
- negatives: the 10 Z files of clusters-dev (lithium, uranium, platinum, coal, solar,
  tungsten, antimony, a "rare" condition, Earth observation, steel), the five near misses
  in tests/fixtures/topic/off/ (lithium brine, copper strike, gold, "rare disease",
  "Earth Day"), and all 911 bbc-dev.jsonl articles (business and tech news of 2004-05:
  none is about rare earths; checked by the baseline finding none of them).
Labels come from the data's own README (clusters-dev's truth: P-T on, Z off) and from how
the fixtures were written; nothing was labelled by looking at briefing's scores.

The topic is the sample of config/briefing.toml, exemplars = seeds. Both methods score
the same documents in the same run; the rate is the best of --repeat passes over the
whole set (briefing.topic.Topic.score_many, IDF over the batch as in a build).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.models import Document  # noqa: E402
from briefing.settings import load_settings  # noqa: E402
from briefing.topic import load_topic, read_exemplars  # noqa: E402

BASELINE = re.compile(r"\brare[\s-]+earths?\b", re.IGNORECASE)


def labelled(shared: Path) -> list[tuple[str, Document, bool]]:
    items: list[tuple[str, Document, bool]] = []
    for path in sorted((shared / "data" / "clusters-dev").glob("*.txt")):
        text = path.read_text("utf-8")
        items.append(("clusters-dev", Document("c", str(path), text.split("\n", 1)[0], text), "-Z-" not in path.name))
    for folder, label, name in ((ROOT / "seeds", True, "seeds"), (ROOT / "tests/fixtures/topic/on", True, "fixtures"),
                                (ROOT / "tests/fixtures/topic/off", False, "fixtures")):
        items += [(name, d, label) for d in read_exemplars([folder])]  # type: ignore[misc]
    for line in (shared / "data" / "bbc-dev.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        items.append(("bbc-dev", Document("bbc", row["id"], row["title"], row["text"]), False))
    return items


def rates(predicted: list[bool], truth: list[bool]) -> tuple[float, float, int, int]:
    tp = sum(p and t for p, t in zip(predicted, truth))
    fp = sum(p and not t for p, t in zip(predicted, truth))
    fn = sum(t and not p for p, t in zip(predicted, truth))
    return tp / max(1, tp + fp), tp / max(1, tp + fn), fp, fn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    items = labelled(args.shared)
    docs, truth = [d for _, d, _ in items], [t for _, _, t in items]
    topic = load_topic(load_settings(ROOT / "config" / "briefing.toml", env={}).topic)
    topic.score_many(docs[:20])  # warm caches (gazetteer, regexes)

    best_topic = best_base = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        scores = topic.score_many(docs)
        best_topic = min(best_topic, time.perf_counter() - start)
        start = time.perf_counter()
        baseline = [BASELINE.search(f"{d.title}\n{d.text}") is not None for d in docs]
        best_base = min(best_base, time.perf_counter() - start)
    ours = [r.on_topic for r in scores]
    print(f"labelled set: {sum(truth)} on topic, {len(truth) - sum(truth)} off topic "
          f"({', '.join(sorted({s for s, _, _ in items}))})")
    print(f"{'method':<28} {'precision':>9} {'recall':>7} {'F1':>6} {'FP':>4} {'FN':>4} {'articles/s':>11}")
    for name, predicted, seconds in (("briefing topic", ours, best_topic), ('keyword "rare earth" only', baseline, best_base)):
        precision, recall, fp, fn = rates(predicted, truth)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        print(f"{name:<28} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f} {fp:>4} {fn:>4} {len(docs) / seconds:>11,.0f}")
    for subset in ("clusters-dev", "fixtures", "seeds", "bbc-dev"):
        picked = [i for i, (s, _, _) in enumerate(items) if s == subset]
        for name, predicted in (("briefing", ours), ("baseline", baseline)):
            p, r, fp, fn = rates([predicted[i] for i in picked], [truth[i] for i in picked])
            print(f"  {subset:<13} {name:<9} precision {p:.3f} recall {r:.3f} (FP {fp}, FN {fn})")
    missed = [(d.title, s.reason) for d, s, t in zip(docs, scores, truth) if t != s.on_topic]
    for title, reason in missed[:10]:
        print(f"  wrong: {title[:60]!r}: {reason}")
    print(f"scoring cost: {best_topic / best_base:.1f}x the baseline's regex scan")
    print("load average (1, 5, 15 min) during the run: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
