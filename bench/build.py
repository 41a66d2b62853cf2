"""Build benchmark: ``briefing build`` of an edition of N new articles, next to a warm ingest and today's code.

    .venv/bin/python bench/build.py                  # N = 5,000
    .venv/bin/python bench/build.py --articles 1000 --repeat 1

N article files (built as in ``bench/ingest.py``) are ingested once into a
SQLite store; then, every figure a whole process timed from start to exit on
a fresh copy of that store (nothing sent, so every article is new):

- floor: ``briefing ingest`` (a warm pass: every file already stored);
- briefing: ``briefing build`` (the same warm pass, then summarise, render and
  write the site), and a second ``build`` over the site it wrote (unchanged
  files are not rewritten);
- today's code: ``briefing build`` from commit ``a2d3cff`` (``bench/baseline.py``).

Each is the best of ``--repeat`` runs, interleaved. The article pages written
(``out/articles/``) are counted: an edition links only some of its articles.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import baseline_tree, env_for
from ingest import build_folder


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as folder, baseline_tree() as old:
        work = Path(folder)
        (work / "articles").mkdir()
        build_folder(work / "articles", args.articles)
        config = work / "briefing.toml"
        config.write_text('[sources]\nfolders = ["articles"]\n[store]\npath = "var/briefing.db"\n'
                          '[output]\ndir = "out"\n', encoding="utf-8")
        briefing = [sys.executable, "-m", "briefing", "-q", "--config", str(config)]
        here, before = env_for(None), env_for(old)
        run([*briefing, "ingest"], here, work)
        shutil.copytree(work / "var", work / "ingested")
        runs = {
            "warm ingest (floor)": ([[*briefing, "ingest"]], here),
            "briefing build": ([[*briefing, "build"]], here),
            "briefing build, again (site unchanged)": ([[*briefing, "build"], [*briefing, "build"]], here),
            "briefing build, today's code (a2d3cff)": ([[*briefing, "build"]], before),
        }
        best: dict[str, float] = {}
        pages: dict[str, int] = {}
        for _ in range(args.repeat):
            for label, (commands, env) in runs.items():
                shutil.rmtree(work / "var")
                shutil.rmtree(work / "out", ignore_errors=True)
                shutil.copytree(work / "ingested", work / "var")
                seconds = [run(command, env, work) for command in commands][-1]
                best[label] = min(best.get(label, float("inf")), seconds)
                pages[label] = len(list((work / "out" / "articles").glob("*.html"))) if (work / "out").exists() else 0
    report(args.articles, best, pages)


def report(count: int, best: dict[str, float], pages: dict[str, int]) -> None:
    floor = best["warm ingest (floor)"]
    print(f"build of an edition of {count:,} new articles (whole processes, best of runs):")
    print(f"  {'':<42} {'seconds':>8} {'vs floor':>9} {'article pages':>14}")
    for label, seconds in best.items():
        print(f"  {label:<42} {seconds:>8.2f} {seconds / floor:>8.1f}x {pages[label]:>14,}")
    now, before = best["briefing build"], best["briefing build, today's code (a2d3cff)"]
    print(f"  briefing build is {before / now:.2f}x faster than today's code")


if __name__ == "__main__":
    main()
