"""Build benchmark: a 5,000-article build of this tree beside the code of commit a2d3cff, in one run.

    .venv/bin/python bench/build.py                      # 5,000 articles, best of 2 builds each
    .venv/bin/python bench/build.py --articles 2000 --repeat 3
    .venv/bin/python bench/build.py --profile            # this tree only, a cProfile of one build
    TMPDIR=/dev/shm .venv/bin/python bench/build.py      # folders, stores and sites on a tmpfs

Everything lives in one temporary folder (``tempfile``, so ``TMPDIR`` chooses the file
system): on a disk where creating a file is slow, the thousands of article pages both trees
write are a large, variable share of either build; on a tmpfs they cost microseconds each.

Nothing is deleted until the run ends: each build writes into a new output folder (an earlier
one is renamed aside) and the file floor's files stay. On ext4 without a journal (this
machine's disk), creating files in the minutes after thousands were deleted is slow (each new
inode is checked against the recently deleted ones: 0.3-0.6 ms a file instead of 0.03 ms), so
a delete between builds made whichever build came next pay for it. An earlier run's clean-up
deletes some 25,000 files, so before building the bench waits (``--settle``, up to 6 minutes)
until creating a file in a probe folder is quick again, and prints what it measured.

Input: a folder of N article files made from ``../shared/data/bbc-dev.jsonl``: each is 12
sentences drawn at random from the corpus in three paragraphs under the title of a random
article (so all N are distinct and none is merged by deduplication), as ``.txt`` files.
Two cases, each tree given the same folder:

- "no topic": those N files, no ``[topic]``: every article is on topic (the baseline has
  no topic; here the whole pool is grouped and ranked, 8 stories are told and every other
  group is an "Also this week" line, which links its lead article's page: a page is written
  for each of those and for each story's sources, about 4,750 of the 5,000);
- "sample topic": the same N files plus 39 on-topic ones (the five seeds, the 30 rare-earth
  files of clusters-dev, tests/fixtures/topic/on), this tree with the sample ``[topic]`` of
  config/briefing.toml (exemplars: the seeds), the baseline as it is (it has no topic).

Each tree (this one, and the baseline checked out by ``git worktree add --detach`` into a
temporary folder, removed afterwards) runs in its own process, with that tree first on
``sys.path`` (the process checks that ``briefing`` is imported from it) and its own store
and output folder, with the same config: the folder above, no feeds, no ``[topic]``
(every article is on topic: the baseline has no topic, and the whole pool is the worst
case), each tree's own defaults otherwise (``briefing.max_stories``: 40 at a2d3cff, 8
here; ``--max-stories`` sets both). In each process:

- ingest once (a cold ``collect``: not the measured part), then one warm ``collect`` (the
  floor: what every build pays before it summarises anything);
- build: ``pipeline.build(settings, store, clock, fetch_feeds=False)`` = warm collect +
  select + summarise + render + write the site into an empty output folder, best of
  ``--repeat``. The edition is not claimed, so every build starts from the same store.

Printed: both trees' build times, the ratio baseline/this tree, stories and pages written,
each tree's file floor (creating as many files of the same sizes, open-write-close, in a
fresh folder on the same file system right after its build: the part of a build no code
can save on a disk where creating a file is slow) and the ratio of the builds without it,
and the load average before and after the run (2 cores shared: measure when it is low).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc-dev.jsonl"
BASELINE = "a2d3cff"

# Run in a fresh process per tree: argv = tree, config, repeat, profile-file ("" for none).
DRIVER = r"""
import cProfile, json, sys, time
from datetime import datetime, timezone
from pathlib import Path
tree, config, repeat, profile = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, str(tree))
from briefing import pipeline
assert Path(pipeline.__file__).resolve().is_relative_to(tree.resolve()), pipeline.__file__
from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.settings import load_settings
from briefing.store import Store
settings = load_settings(config, env={})
clock = FixedClock(datetime(2026, 11, 18, 9, 30, tzinfo=timezone.utc))
with Store.open_settings(settings.store) as store:
    started = time.perf_counter()
    report = collect(settings, store, clock, fetch_feeds=False)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    collect(settings, store, clock, fetch_feeds=False)
    warm = time.perf_counter() - started
    times = []
    for attempt in range(repeat):
        if settings.output.dir.exists():  # set aside, not deleted: see "Nothing is deleted" above
            settings.output.dir.rename(settings.output.dir.with_name(f"out-before-{attempt}"))
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = pipeline.build(settings, store, clock, fetch_feeds=False)
        times.append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    sizes = [p.stat().st_size for p in settings.output.dir.rglob("*") if p.is_file()]
    pages = len(sizes)
    stored = len(store.unpublished_article_ids())
# The file floor: creating as many files of the same sizes in a fresh folder beside the output
# (open, write, close: less than either tree does for a file), the least any build writing them pays.
floor_dir = settings.output.dir.parent / "file-floor"
floor_dir.mkdir()
started = time.perf_counter()
for index, size in enumerate(sizes):
    with open(floor_dir / f"{index:07d}.html", "xb") as handle:
        handle.write(b"x" * size)
files = time.perf_counter() - started
briefing = result.briefing
print(json.dumps({"cold": cold, "warm": warm, "build": min(times), "files": files, "stored": stored, "pages": pages,
                  "stories": len(briefing.stories), "also": len(getattr(briefing, "also", ())),
                  "first": briefing.stories[0].title if briefing.stories else ""}))
"""


def build_folder(folder: Path, count: int) -> None:
    rows = [json.loads(line) for line in BBC.read_text(encoding="utf-8").splitlines()]
    sentences = sorted({s.strip() + "." for row in rows for s in row["text"].replace("\n", " ").split(". ")
                        if len(s) > 40})
    chooser = random.Random(2026)
    folder.mkdir(parents=True)
    for index in range(count):
        picked = chooser.sample(sentences, 12)
        title = chooser.choice(rows)["title"]
        paragraphs = [" ".join(picked[i : i + 4]) for i in (0, 4, 8)]
        (folder / f"article-{index:05d}.txt").write_text(f"{title}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")


def add_on_topic(folder: Path) -> None:
    shared = ROOT.parent / "shared" / "data" / "clusters-dev"
    on_topic = [*sorted((ROOT / "seeds").glob("*.txt")), *sorted((ROOT / "tests/fixtures/topic/on").glob("*.txt")),
                *sorted(p for p in shared.glob("*.txt") if "-Z-" not in p.name)]
    for path in on_topic:
        shutil.copy(path, folder / f"on-{path.name}")


def write_config(path: Path, folder: Path, work: Path, max_stories: int | None, topic: bool) -> Path:
    lines = ["[sources]", f"folders = [{json.dumps(str(folder))}]", "feeds = []", "",
             "[store]", f"path = {json.dumps(str(work / 'briefing.db'))}", "",
             "[output]", f"dir = {json.dumps(str(work / 'out'))}", ""]
    if max_stories is not None:
        lines += ["[briefing]", f"max_stories = {max_stories}", ""]
    if topic:  # the sample topic of the embedded config, its exemplars the checkout's seeds
        with (ROOT / "config" / "briefing.toml").open("rb") as handle:
            sample = tomllib.load(handle)["topic"]
        lines += ["[topic]", *(f"{key} = {json.dumps(value)}" for key, value in sample.items() if key != "exemplars"),
                  f"exemplars = [{json.dumps(str(ROOT / 'seeds'))}]", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_tree(tree: Path, work: Path, folder: Path, args: argparse.Namespace, profile: str = "",
             topic: bool = False) -> dict[str, object]:
    work.mkdir(parents=True)
    config = write_config(work / "briefing.toml", folder, work, args.max_stories, topic)
    done = subprocess.run([sys.executable, "-c", DRIVER, str(tree), str(config), str(args.repeat), profile],
                          capture_output=True, text=True, cwd=work, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build of {tree} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


QUICK_FILE_MS = 0.1  # creating a file on a disk not slowed by a recent mass delete: about 0.03 ms here
PROBE_FILES = 1000


def settle(probe: Path, wait: float) -> None:
    """Wait (up to ``wait`` seconds) until creating a file takes under ``QUICK_FILE_MS``: after a
    mass delete (an earlier run's clean-up), ext4 without a journal checks each new inode against
    the ones deleted in the last minutes, which made file creation ten times dearer for either
    tree. The probe's files stay until the run ends (deleting them would start it again)."""
    started = time.monotonic()
    for attempt in itertools.count():
        folder = probe / str(attempt)
        folder.mkdir(parents=True)
        began = time.perf_counter()
        for index in range(PROBE_FILES):
            (folder / f"{index:05d}.html").write_bytes(b"x" * 6000)
        per_file = (time.perf_counter() - began) / PROBE_FILES * 1000
        if per_file < QUICK_FILE_MS or time.monotonic() - started > wait:
            state = "quick" if per_file < QUICK_FILE_MS else f"still slow after {wait:.0f} s: the figures include it"
            print(f"file creation before the builds: {per_file:.3f} ms a file ({state})", flush=True)
            return
        time.sleep(20)


def checkout(commit: str, into: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(into), commit], check=True)


def remove(tree: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with (default %(default)s)")
    parser.add_argument("--max-stories", type=int, default=None, help="briefing.max_stories for both trees")
    parser.add_argument("--profile", action="store_true", help="this tree only: cProfile one build, top 25")
    parser.add_argument("--settle", type=float, default=360.0,
                        help="wait up to this many seconds for file creation to be quick (default %(default)s)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as temp:
        temp_path = Path(temp)
        folder = temp_path / "articles"
        build_folder(folder, args.articles)
        settle(temp_path / "probe", args.settle)
        if args.profile:
            import pstats

            args.repeat = 1
            run_tree(ROOT, temp_path / "ours", folder, args, str(temp_path / "build.prof"))
            pstats.Stats(str(temp_path / "build.prof")).sort_stats("cumulative").print_stats(40)
            return
        topical = temp_path / "articles-and-topic"
        shutil.copytree(folder, topical)
        add_on_topic(topical)
        baseline_tree = temp_path / "baseline"
        checkout(args.baseline, baseline_tree)
        rows = []
        try:
            for case, source, topic in (("no topic", folder, False), ("sample topic", topical, True)):
                base = run_tree(baseline_tree, temp_path / f"base-{topic}", source, args)
                ours = run_tree(ROOT, temp_path / f"ours-{topic}", source, args, topic=topic)
                rows.append((case, base, ours))
        finally:
            remove(baseline_tree)
    print(f"{args.articles:,} generated articles (+39 on topic in the second case), best of {args.repeat} "
          "builds each; cold ingest not timed")
    print(f"{'case':<13} {'tree':<18} {'build s':>8} {'warm collect s':>15} {'stories':>8} {'also':>5} "
          f"{'files written':>14} {'file floor s':>13}")
    for case, base, ours in rows:
        for name, row in ((f"baseline {args.baseline}", base), ("this tree", ours)):
            print(f"{case:<13} {name:<18} {row['build']:>8.2f} {row['warm']:>15.2f} {row['stories']:>8} "
                  f"{row['also']:>5} {row['pages']:>14,} {row['files']:>13.2f}")
        old, new = float(base["build"]), float(ours["build"])  # type: ignore[arg-type]
        old_rest, new_rest = old - float(base["files"]), new - float(ours["files"])  # type: ignore[arg-type]
        print(f"{case:<13} build {old / new:.1f}x faster than {args.baseline}; without each tree's file floor "
              f"{old_rest:.2f} s against {new_rest:.2f} s, {old_rest / new_rest:.1f}x"
              f"; lead story here: {str(ours['first'])[:60]!r}")
    print("file floor: creating that many files of the same sizes (open, write, close) in a fresh folder on the")
    print("same file system, in the same process, after the build: what writing the pages costs on this disk")
    print("whatever the code (on this machine's disk about 0.04 ms a file, but 0.3-0.6 ms in the minute or so")
    print("after thousands of files were deleted: hence nothing is deleted before the run's end).")
    print("load average (1, 5, 15 min) before the run: " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
