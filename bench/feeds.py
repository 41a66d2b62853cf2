"""Feed benchmark: ingest of the shared feed mix, next to ``feedparser.parse`` alone and today's code.

    .venv/bin/python bench/feeds.py              # best of 5 passes each
    .venv/bin/python bench/feeds.py --repeat 3

The feeds of ``../shared/data/feeds/`` (RSS 1.0 and 2.0, Atom, content:encoded,
broken and mixed encodings) are served by a loopback HTTP server in this
process. In a process of its own each side then runs ``--repeat`` passes, each
into a fresh SQLite store, each followed by the floor, and keeps the fastest of each:

- floor: ``feedparser.parse`` of the very bytes served, nothing else;
- briefing: ``ingest_feeds`` (fetch over loopback, parse, sanitise with nh3,
  repair mojibake, deduplicate, store, queue the teasers' pages and work the
  queue: offline, each host's robots.txt cannot be fetched, so its pages fail
  at once) with this checkout;
- briefing, no full text: the same with ``sources.full_text = "never"``, the
  pass as it was before issue 14 added the page queue;
- today's code: the same with commit ``a2d3cff`` (``bench/baseline.py``),
  where feedparser's own sanitiser also ran and no page was queued.

Rates are feed entries per second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from baseline import ROOT, baseline_tree, env_for

FEEDS = ROOT.parent / "shared" / "data" / "feeds"


def measure(base: str, workdir: Path, repeat: int, extra: str = "") -> dict[str, float]:
    """One side: the fastest of ``repeat`` ingest passes, and of feedparser alone on the same bytes.

    The two alternate (ingest, parse, ingest, parse ...), so that a machine whose speed
    drifts during the run slows both alike. ``extra``: more ``[sources]`` settings.
    """
    import feedparser
    import httpx

    from briefing.clock import SystemClock
    from briefing.ingest import make_fetcher
    from briefing.ingest.poll import ingest_feeds
    from briefing.settings import load_settings
    from briefing.store import Store

    names = sorted(path.name for path in FEEDS.iterdir())
    bodies = [httpx.get(f"{base}{name}").content for name in names]
    feeds = ", ".join(f'{{ name = "{name}", url = "{base}{name}" }}' for name in names)
    best, parse, entries, parsed = float("inf"), float("inf"), 0, 0
    for attempt in range(repeat):
        config = workdir / f"briefing-{attempt}.toml"
        config.write_text(f'[sources]\nfolders = []\n{extra}\nfeeds = [{feeds}]\n[store]\npath = "var/{attempt}.db"\n',
                          encoding="utf-8")
        settings = load_settings(config, env={})
        with Store.open_settings(settings.store) as store:
            fetcher = make_fetcher(settings)
            started = time.perf_counter()
            report = ingest_feeds(settings, store, SystemClock(), fetcher)
            best = min(best, time.perf_counter() - started)
            fetcher.close()
        entries = report.added + report.duplicates
        assert report.feeds_fetched == len(names) and not report.feed_errors, report
        started = time.perf_counter()
        parsed = sum(len(feedparser.parse(body).entries) for body in bodies)
        parse = min(parse, time.perf_counter() - started)
    return {"feeds": len(names), "entries": entries, "parsed": parsed, "ingest_s": best, "parse_s": parse}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.dir, args.repeat, args.extra)))
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(FEEDS)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results = {}
    try:
        with baseline_tree() as old, tempfile.TemporaryDirectory(prefix="briefing-bench-") as folder:
            sides = (("briefing", None, ""), ("briefing, no full text", None, 'full_text = "never"'),
                     ("today's code (a2d3cff)", old, ""))
            for label, tree, extra in sides:
                own = Path(tempfile.mkdtemp(dir=folder))
                run = subprocess.run([sys.executable, __file__, "--one", base, "--dir", str(own),
                                      "--repeat", str(args.repeat), "--extra", extra],
                                     capture_output=True, text=True, check=False, env=env_for(tree), cwd=own)
                if run.returncode != 0:
                    sys.exit(f"{label} failed:\n{run.stderr}")
                results[label] = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        server.shutdown()
    report(results)


def report(results: dict[str, dict[str, float]]) -> None:
    first = results["briefing"]
    print(f"ingest of {first['feeds']} feeds ({first['entries']:,} entries stored, {first['parsed']:,} parsed), "
          "best of runs:")
    print(f"  {'':<52} {'seconds':>8} {'entries/s':>10} {'vs feedparser':>14}")
    for label, r in results.items():
        print(f"  {'feedparser.parse alone (' + label + ')':<52} {r['parse_s']:>8.3f} {r['parsed'] / r['parse_s']:>10,.0f}"
              f" {'1.00x':>14}")
        print(f"  {'ingest_feeds, ' + label:<52} {r['ingest_s']:>8.3f} {r['entries'] / r['ingest_s']:>10,.0f}"
              f" {r['ingest_s'] / r['parse_s']:>13.2f}x")


if __name__ == "__main__":
    main()
