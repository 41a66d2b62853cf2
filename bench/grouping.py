"""Story grouping: quality on a labelled set, and at scale (the seeds in bbc-dev.jsonl, 10,000 articles).

    python bench/grouping.py --data ../shared/data/bbc-dev.jsonl [--n 10000] [--quality-only]

Prints first pairwise precision, recall and ARI of grouping on the labelled set of
``bench/grouping_set.py`` (clusters-dev events, teasers of their reports, the seeds,
alone and inside the BBC set; the BBC Yukos articles), for today's code (commit
``a2d3cff``, ``bench/baseline.py``) and this tree, each run in its own process.
Then: how the seeds group inside the BBC set (they must come out as one story of
exactly those five), the number of BBC stories with three examples, and time and peak
memory of grouping N synthetic articles (each a BBC article with a random third of
its sentences dropped, so near-copies exist and candidate pairs are plentiful),
side by side with a baseline in the same run: the vectorising step alone, which
every grouping method must pay, as a ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from baseline import BASELINE_COMMIT, baseline_tree, env_for  # noqa: E402
from grouping_set import Item, bbc_yukos, clusters_dev, pairwise, seeds, with_teasers  # noqa: E402

from briefing.ingest import to_article  # noqa: E402
from briefing.ingest.text import normalise_text  # noqa: E402
from briefing.models import Article, Document  # noqa: E402
from briefing.summarise.sentences import split_sentences  # noqa: E402
from briefing.summarise.stories import article_vectors, group_articles  # noqa: E402

NOW = datetime(2026, 11, 18, tzinfo=UTC)


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def article(source: str, origin: str, title: str, text: str) -> Article:
    return to_article(Document(source=source, origin=origin, title=title, text=normalise_text(text)), NOW)


def seeds_in_bbc(rows: list[dict[str, str]]) -> None:
    bbc = [article("bbc", r["id"], r["title"], r["text"]) for r in rows]
    seeds = [article("seeds", str(p), "", p.read_text("utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    mixed = bbc[: len(bbc) // 2] + seeds + bbc[len(bbc) // 2 :]
    started = time.perf_counter()
    groups = group_articles(mixed)
    elapsed = time.perf_counter() - started
    seed_ids = {a.id for a in seeds}
    holding = [g for g in groups if any(mixed[i].id in seed_ids for i in g)]
    exact = len(holding) == 1 and {mixed[i].id for i in holding[0]} == seed_ids
    bbc_groups = [g for g in groups if g not in holding]
    print(f"seeds + {len(bbc)} BBC articles grouped in {elapsed:.2f} s")
    print(f"seed story: {'exactly the five seeds' if exact else 'WRONG: ' + str([len(g) for g in holding])}")
    print(f"BBC stories: {len(bbc_groups)} ({sum(1 for g in bbc_groups if len(g) > 1)} with 2+ articles)")
    for group in sorted(bbc_groups, key=len, reverse=True)[:3]:
        print(f"  {len(group)} articles: " + " | ".join(mixed[i].title for i in group[:6]))


# Run inside the tree under test: items (JSON on stdin) -> groups (JSON on stdout).
_GROUP_SCRIPT = """
import json, sys
from datetime import UTC, datetime
from briefing.ingest import to_article
from briefing.ingest.text import normalise_text
from briefing.models import Document
from briefing.summarise.stories import group_articles
now = datetime(2026, 11, 18, tzinfo=UTC)
editions = json.load(sys.stdin)
out = []
for items in editions:
    articles = [to_article(Document(source=s, origin=o, title=t, text=normalise_text(x)), now) for _, s, o, t, x in items]
    out.append(group_articles(articles))
json.dump(out, sys.stdout)
"""


def labelled_editions(rows: list[dict[str, str]], data: Path) -> dict[str, list[Item]]:
    """The labelled editions; BBC articles without an event label carry label ""."""
    events = clusters_dev(data / "clusters-dev")
    teased = with_teasers(events) + seeds(ROOT / "seeds")
    bbc = [Item("", "bbc", r["id"], r["title"], r["text"]) for r in rows]
    yukos = {i.origin for i in bbc_yukos(rows)}
    return {
        "clusters-dev (40 full)": events,
        "clusters-dev + teasers + seeds": teased,
        "the same inside bbc-dev": bbc[: len(bbc) // 2] + teased + bbc[len(bbc) // 2 :],
        "bbc-dev Yukos thread": [i._replace(label="bbc-yukos" if i.origin in yukos else "") for i in bbc],
    }


def group_in(tree: Path | None, editions: list[list[Item]]) -> list[list[list[int]]]:
    result = subprocess.run([sys.executable, "-c", _GROUP_SCRIPT], input=json.dumps(editions), text=True,
                            capture_output=True, check=True, env=env_for(tree), cwd=ROOT.parent)
    groups: list[list[list[int]]] = json.loads(result.stdout)
    return groups


def quality(rows: list[dict[str, str]], data: Path) -> None:
    editions = labelled_editions(rows, data)
    with baseline_tree() as tree:
        before = group_in(tree, list(editions.values()))
    after = group_in(None, list(editions.values()))
    print(f"{'labelled edition':<34}{'code':<10}{'precision':>10}{'recall':>8}{'ARI':>7}{'stories':>9}")
    for (name, items), old, new in zip(editions.items(), before, after, strict=True):
        labels = [i.label for i in items]
        for code, groups in ((BASELINE_COMMIT, old), ("this", new)):
            s = pairwise(labels, groups)
            print(f"{name:<34}{code:<10}{s.precision:>10.3f}{s.recall:>8.3f}{s.ari:>7.3f}{s.stories:>9}")
    print()


def synthetic(rows: list[dict[str, str]], n: int) -> list[Article]:
    rng = random.Random(7)
    out = []
    for index in range(n):
        row = rows[index % len(rows)]
        sentences = split_sentences(row["text"])
        kept = [s for s in sentences if rng.random() > 0.33] or sentences[:1]
        out.append(article("synthetic", f"{row['id']}-{index}", row["title"], "\n".join(kept)))
    return out


def measure(work: Callable[[], object]) -> tuple[float, float]:
    """Seconds taken, and the process's peak resident memory (MB) afterwards."""
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "bbc-dev.jsonl")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--quality-only", action="store_true", help="the labelled-set scores only")
    args = parser.parse_args()
    rows = load(args.data)
    quality(rows, args.data.resolve().parent)
    if args.quality_only:
        return
    seeds_in_bbc(rows)
    articles = synthetic(rows, args.n)
    base_time, base_peak = measure(lambda: article_vectors(articles))
    group_time, group_peak = measure(lambda: group_articles(articles))
    print(f"\n{'step (N = ' + str(args.n) + ')':<28}{'seconds':>10}{'peak RSS MB':>12}")
    print(f"{'baseline: vectors only':<28}{base_time:>10.2f}{base_peak:>12.0f}")
    print(f"{'group_articles':<28}{group_time:>10.2f}{group_peak:>12.0f}")
    print(f"grouping {args.n} articles: {group_time:.1f} s ({group_time / base_time:.2f}x the vectorising "
          f"baseline), peak RSS {group_peak:.0f} MB")


if __name__ == "__main__":
    main()
