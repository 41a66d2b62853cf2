"""Ingest benchmark: cold ingest, warm re-scan, articles per second, peak memory.

    .venv/bin/python bench/ingest.py                 # N = 1,000 and 10,000
    .venv/bin/python bench/ingest.py --sizes 2000    # other sizes

For each N a fresh folder gets N article files built from
``../shared/data/bbc-dev.jsonl``: each is 12 sentences drawn at random from
the corpus in three paragraphs under the title of a random article (so that
all N are distinct articles and deduplication does real work without
merging them), 70 % ``.txt``, 10 % each ``.md``, ``.json`` and ``.html``.
Each N runs in its own process so that its peak memory is its own:

- cold: one ``collect`` pass into an empty store (read, dedup, store);
- warm: the same pass again over the unchanged folder (best of 5), next to a
  baseline measured in the same process: a bare ``os.walk`` + ``os.stat``
  loop over the same folder (best of 5), and their ratio;
- peak memory: the process's maximum resident set size, and how much of it
  the cold ingest added on top of the imports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc-dev.jsonl"
SUFFIXES = [".txt"] * 7 + [".md", ".json", ".html"]


def build_folder(folder: Path, count: int) -> None:
    rows = [json.loads(line) for line in BBC.read_text(encoding="utf-8").splitlines()]
    sentences = sorted({s.strip() + "." for row in rows for s in row["text"].replace("\n", " ").split(". ")
                        if len(s) > 40})
    chooser = random.Random(2026)
    for index in range(count):
        picked = chooser.sample(sentences, 12)
        title = chooser.choice(rows)["title"]
        paragraphs = [" ".join(picked[i : i + 4]) for i in (0, 4, 8)]
        suffix = SUFFIXES[index % len(SUFFIXES)]
        (folder / f"article-{index:05d}{suffix}").write_text(_render(suffix, title, paragraphs), encoding="utf-8")


def _render(suffix: str, title: str, paragraphs: list[str]) -> str:
    if suffix == ".json":
        return json.dumps({"title": title, "published": "2005-03-01T09:00:00Z", "text": "\n\n".join(paragraphs)})
    if suffix == ".html":
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News"
                f"</a></nav><article><h1>{title}</h1>{body}</article><footer>© BBC</footer></body></html>")
    if suffix == ".md":
        return f"# {title}\n\n" + "\n\n".join(paragraphs)
    return f"{title}\n\n" + "\n\n".join(paragraphs)


def best_of(runs: int, work: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def walk_and_stat(folder: Path) -> int:
    """The baseline: the least a scan that notices changed files must do."""
    seen = 0
    for parent, _, names in os.walk(folder):
        for name in names:
            os.stat(os.path.join(parent, name))
            seen += 1
    return seen


def measure(count: int, workdir: Path) -> dict[str, float]:
    """Build, ingest cold, re-scan warm; runs in its own process."""
    from briefing.clock import SystemClock
    from briefing.ingest import collect
    from briefing.settings import load_settings
    from briefing.store import Store

    folder = workdir / "articles"
    folder.mkdir()
    build_folder(folder, count)
    config = workdir / "briefing.toml"
    config.write_text('[sources]\nfolders = ["articles"]\n[store]\npath = "var/briefing.db"\n', encoding="utf-8")
    settings = load_settings(config, env={})
    store = Store.open_settings(settings.store)
    clock = SystemClock()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cold = collect(settings, store, clock, fetch_feeds=False)
    cold_seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    warm = best_of(5, lambda: collect(settings, store, clock, fetch_feeds=False))
    baseline = best_of(5, lambda: walk_and_stat(folder))
    again = collect(settings, store, clock, fetch_feeds=False)
    store.close()
    assert again.unchanged == count and again.added == 0, again
    return {
        "files": count, "added": cold.added, "duplicates": cold.duplicates, "quarantined": len(cold.quarantined),
        "cold_s": cold_seconds, "articles_per_s": cold.added / cold_seconds, "warm_s": warm, "baseline_s": baseline,
        "peak_rss_mb": rss_peak / 1024, "ingest_rss_mb": (rss_peak - rss_before) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.dir)))
        return
    results = []
    for count in args.sizes:
        with tempfile.TemporaryDirectory(prefix="briefing-bench-") as workdir:
            run = subprocess.run([sys.executable, __file__, "--one", str(count), "--dir", workdir],
                                 capture_output=True, text=True, check=False)
            if run.returncode != 0:
                sys.exit(f"N={count} failed:\n{run.stderr}")
            results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    report(results)


def report(results: list[dict[str, float]]) -> None:
    print(f"{'N files':>8} {'added':>6} {'dups':>5} {'cold s':>7} {'art/s':>6} {'warm s':>7} "
          f"{'walk+stat s':>11} {'warm/walk':>9} {'peak RSS MB':>11} {'ingest MB':>9}")
    for r in results:
        print(f"{r['files']:>8,} {r['added']:>6,} {r['duplicates']:>5} {r['cold_s']:>7.1f} {r['articles_per_s']:>6.0f} "
              f"{r['warm_s']:>7.3f} {r['baseline_s']:>11.3f} {r['warm_s'] / r['baseline_s']:>8.1f}x "
              f"{r['peak_rss_mb']:>11.0f} {r['ingest_rss_mb']:>9.0f}")
    print("cold: one collect pass into an empty store; warm: the same pass over the unchanged folder (best of 5);")
    print("walk+stat: bare os.walk + os.stat over the same folder in the same process (best of 5).")


if __name__ == "__main__":
    main()
