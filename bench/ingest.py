"""Ingest benchmark: cold ingest, warm re-scan, statements per article, peak memory; today's code beside it.

    .venv/bin/python bench/ingest.py                 # N = 1,000 and 10,000
    .venv/bin/python bench/ingest.py --sizes 2000    # other sizes
    .venv/bin/python bench/ingest.py --sizes 2000 --pg postgresql://postgres@127.0.0.1:PORT/postgres

For each N a fresh folder gets N article files built from
``../shared/data/bbc-dev.jsonl``: each is 12 sentences drawn at random from
the corpus in three paragraphs under the title of a random article (so that
all N are distinct articles and deduplication does real work without
merging them), 70 % ``.txt``, 10 % each ``.md``, ``.json`` and ``.html``.
Each measurement runs in its own process so that its peak memory is its own
(``--repeat`` times, interleaved; the run with the fastest cold ingest is shown),
once with this checkout and once with today's code (commit ``a2d3cff``,
``bench/baseline.py``; ``--baseline COMMIT`` for another) on the same files, and with ``--pg`` the same two on
PostgreSQL (a fresh database each, dropped afterwards):

- cold: one ``collect`` pass into an empty store (read, dedup, store), and
  the statements it sent per article (SQLAlchemy ``before_cursor_execute``
  events: each is one round trip to the database; a PostgreSQL ``COPY``, which
  ``Database`` runs on psycopg's own connection, passes the same event and counts
  as one);
- warm: the same pass again over the unchanged folder (best of 5), next to a
  baseline measured in the same process: a bare ``os.walk`` + ``os.stat``
  loop over the same folder (best of 5), and their ratio;
- peak memory: the process's maximum resident set size, and how much of it
  the cold ingest added on top of the imports;
- MinHash: ``neardup.signature_numpy`` next to ``signature_python`` on the
  shingles of the same N texts, in one process (identical signatures checked).


    .venv/bin/python bench/ingest.py --full-text     # the full-text case only

Full text (also run after the folder sizes): a loopback HTTP server serves
200 article pages and two feeds of the same 200 articles, one with the whole
text in ``content:encoded`` (the baseline: plain feed ingest) and one of
one-sentence teasers linking to the pages. Each feed is ingested into a fresh
store in the same process: entries/s for the plain feed, pages/s for the
teaser feed (robots.txt, fetch, trafilatura extraction, sanitising, a new
version of each article; ``host_delay = 0``: the politeness delay is a
setting, not a cost), their ratio, and a second poll of the teaser feed
(no page fetched again).
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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from baseline import BASELINE_COMMIT, baseline_tree, env_for

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


# Imported before a cold pass is timed, in both trees (see the module's docstring).
LIBRARIES = ("numpy", "ftfy", "trafilatura", "nh3", "lxml.html")


def measure(folder: Path, workdir: Path, url: str) -> dict[str, float]:
    """Ingest cold, re-scan warm; runs in its own process (with whichever ``briefing`` it imports)."""
    import importlib

    from sqlalchemy import event

    from briefing.clock import SystemClock
    from briefing.ingest import collect
    from briefing.settings import load_settings
    from briefing.store import Store

    count = sum(1 for _ in folder.iterdir())
    config = workdir / "briefing.toml"
    config.write_text(f'[sources]\nfolders = ["{folder}"]\n[store]\npath = "var/briefing.db"\nurl = "{url}"\n',
                      encoding="utf-8")
    settings = load_settings(config, env={})
    store = Store.open_settings(settings.store)
    clock = SystemClock()
    statements = [0]

    def counted(*args: object) -> None:
        statements[0] += 1

    event.listen(store.database.engine, "before_cursor_execute", counted)
    started = time.perf_counter()
    for name in LIBRARIES:
        importlib.import_module(name)
    libraries_seconds = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cold = collect(settings, store, clock, fetch_feeds=False)
    cold_seconds = time.perf_counter() - started
    cold_statements = statements[0]
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    warm = best_of(5, lambda: collect(settings, store, clock, fetch_feeds=False))
    baseline = best_of(5, lambda: walk_and_stat(folder))
    again = collect(settings, store, clock, fetch_feeds=False)
    store.close()
    assert again.unchanged == count and again.added == 0, again
    return {
        "files": count, "added": cold.added, "duplicates": cold.duplicates, "quarantined": len(cold.quarantined),
        "cold_s": cold_seconds, "libraries_s": libraries_seconds, "articles_per_s": cold.added / cold_seconds, "warm_s": warm, "baseline_s": baseline,
        "peak_rss_mb": rss_peak / 1024, "ingest_rss_mb": (rss_peak - rss_before) / 1024,
        "statements_per_article": cold_statements / max(1, cold.added + cold.duplicates),
    }


def minhash(folder: Path) -> dict[str, float]:
    """numpy ``signature_numpy`` next to the pure-Python one on the same shingles (same results checked)."""
    from briefing.ingest.files import read_documents
    from briefing.ingest.neardup import shingles, signature_numpy, signature_python

    texts = [d.text for path in sorted(folder.iterdir()) for d in read_documents(path, "bench", 10_000_000)]
    sets = [shingles(text) for text in texts]
    assert all(signature_numpy(s) == signature_python(s) for s in sets)
    return {"numpy_s": best_of(3, lambda: [signature_numpy(s) for s in sets]),
            "python_s": best_of(3, lambda: [signature_python(s) for s in sets]), "texts": len(texts)}


PAGES = 200


def build_site(count: int) -> dict[str, bytes]:
    """Paths -> bodies: ``/a/N`` article pages, ``/full.rss`` and ``/teasers.rss`` of the same articles."""
    rows = [json.loads(line) for line in BBC.read_text(encoding="utf-8").splitlines()]
    sentences = sorted({s.strip() + "." for row in rows for s in row["text"].replace("\n", " ").split(". ")
                        if len(s) > 40})
    chooser = random.Random(14)
    site: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nDisallow: /private/\n"}
    full, teasers = [], []
    for index in range(count):
        picked = chooser.sample(sentences, 12)
        title = f"{chooser.choice(rows)['title']} ({index})"
        body = "".join(f"<p>{' '.join(picked[i : i + 4])}</p>" for i in (0, 4, 8))
        site[f"/a/{index}"] = (f"<!DOCTYPE html><html><head><title>{title} | News</title></head><body><nav><a href='/'>"
                               f"Home</a> <a href='/news'>News</a></nav><article><h1>{title}</h1>{body}</article>"
                               f"<footer>Copyright</footer></body></html>").encode()
        item = f"<title>{title}</title><link>LINK/a/{index}</link><guid>LINK/a/{index}</guid>"
        full.append(f"<item>{item}<content:encoded><![CDATA[{body}]]></content:encoded></item>")
        teasers.append(f"<item>{item}<description>{picked[0]}</description></item>")
    head = ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            "<channel><title>Bench</title><link>LINK/</link><description>d</description>")
    site["/full.rss"] = (head + "".join(full) + "</channel></rss>").encode()
    site["/teasers.rss"] = (head + "".join(teasers) + "</channel></rss>").encode()
    return site


def serve_site(site: dict[str, bytes]) -> tuple[object, str]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.get(self.path)
            kind = "text/html" if self.path.startswith("/a/") else (
                "text/plain" if self.path == "/robots.txt" else "application/rss+xml")
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for path in ("/full.rss", "/teasers.rss"):
        site[path] = site[path].replace(b"LINK", base.encode())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def measure_full_text(count: int, workdir: Path) -> dict[str, float]:
    from briefing.clock import SystemClock
    from briefing.ingest import collect
    from briefing.settings import load_settings
    from briefing.store import Store

    server, base = serve_site(build_site(count))
    results: dict[str, float] = {"pages": count}
    for case, feed, mode in (("plain", "/full.rss", "never"), ("teasers", "/teasers.rss", "teasers")):
        (workdir / case).mkdir()
        config = workdir / case / "briefing.toml"
        config.write_text(
            f'[sources]\nfolders = []\nfeeds = ["{base}{feed}"]\nfull_text = "{mode}"\nallow_private_hosts = true\n'
            f"host_delay = 0\nfull_text_pages = {count}\nfull_text_seconds = 3600\n"
            '[store]\npath = "var/briefing.db"\n', encoding="utf-8")
        settings = load_settings(config, env={})
        with Store.open_settings(settings.store) as store:
            started = time.perf_counter()
            first = collect(settings, store, SystemClock())
            results[f"{case}_s"] = time.perf_counter() - started
            started = time.perf_counter()
            again = collect(settings, store, SystemClock())
            results[f"{case}_again_s"] = time.perf_counter() - started
            words = sum(len(a.text.split()) for a in store.articles(store.unpublished_article_ids()))
        assert first.added == count and not first.feed_errors, first
        assert again.pages_fetched == 0 and again.added == 0, again
        results[f"{case}_pages_fetched"] = first.pages_fetched
        results[f"{case}_words"] = words
    assert results["teasers_pages_fetched"] == count
    server.shutdown()  # type: ignore[attr-defined]
    return results


def report_full_text(r: dict[str, float]) -> None:
    n = int(r["pages"])
    print(f"\nfull text, {n} entries on a loopback server (host_delay = 0):")
    print(f"  plain feed (whole text in content:encoded): {r['plain_s']:.2f} s, {n / r['plain_s']:.0f} entries/s, "
          f"{r['plain_words'] / n:.0f} words/article")
    print(f"  teaser feed + {n} pages fetched and extracted: {r['teasers_s']:.2f} s, {n / r['teasers_s']:.1f} pages/s, "
          f"{r['teasers_words'] / n:.0f} words/article")
    print(f"  ratio teaser+pages / plain: {r['teasers_s'] / r['plain_s']:.1f}x the time; "
          f"second poll (no page fetched again): {r['teasers_again_s']:.2f} s vs plain {r['plain_again_s']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--pg", default="", help="PostgreSQL server URL (its postgres database), to add runs there")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest cold ingest is shown")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--minhash", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full-text", action="store_true", help="only the full-text case")
    parser.add_argument("--baseline", default=BASELINE_COMMIT,
                        help=f"the commit to run beside this checkout (default {BASELINE_COMMIT}, before issue 17)")
    parser.add_argument("--pages", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pages:
        print(json.dumps(measure_full_text(args.pages, args.dir)))
        return
    if args.one:
        print(json.dumps(measure(args.one, args.dir, args.url)))
        return
    if args.minhash:
        print(json.dumps(minhash(args.minhash)))
        return
    results: list[tuple[str, dict[str, float]]] = []
    hashes = []
    old_label = f"today's code ({args.baseline})"
    with baseline_tree(args.baseline) as old:
        for count in [] if args.full_text else args.sizes:
            with tempfile.TemporaryDirectory(prefix="briefing-bench-") as workdir:
                folder = Path(workdir) / "articles"
                folder.mkdir()
                build_folder(folder, count)
                runs = [("briefing, SQLite", None, ""), (f"{old_label}, SQLite", old, "")]
                if args.pg:
                    runs += [("briefing, PostgreSQL", None, "pg"), (f"{old_label}, PostgreSQL", old, "pg")]
                best: dict[str, dict[str, float]] = {}
                for _ in range(args.repeat):  # interleaved, so that a busy spell does not hit one side only
                    for label, tree, engine in runs:
                        with pg_database(args.pg) if engine else nullcontext("") as url:
                            run = child(["--one", str(folder), "--url", url], Path(workdir), tree)
                        if label not in best or run["cold_s"] < best[label]["cold_s"]:
                            best[label] = run
                results += list(best.items())
                hashes.append(child(["--minhash", str(folder)], Path(workdir), None))
    if results:
        report(results, hashes, old_label)
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as workdir:
        report_full_text(child(["--pages", str(PAGES)], Path(workdir), None))


def child(arguments: list[str], workdir: Path, tree: Path | None) -> dict[str, float]:
    """This script with ``arguments`` in a process of its own (``tree``: today's code), in a fresh folder."""
    own = Path(tempfile.mkdtemp(dir=workdir))
    run = subprocess.run([sys.executable, __file__, *arguments, "--dir", str(own)], capture_output=True, text=True,
                         check=False, env=env_for(tree), cwd=own)
    if run.returncode != 0:
        sys.exit(f"{' '.join(arguments)} failed:\n{run.stderr}")
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    """A fresh database on ``server``, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def report(results: list[tuple[str, dict[str, float]]], hashes: list[dict[str, float]], old_label: str) -> None:
    print(f"{'':<36} {'N files':>7} {'added':>6} {'cold s':>7} {'libs s':>6} {'art/s':>6} {'stmt/art':>8} {'warm s':>7} "
          f"{'walk+stat s':>11} {'warm/walk':>9} {'peak RSS MB':>11} {'ingest MB':>9}")
    for label, r in results:
        print(f"{label:<36} {r['files']:>7,} {r['added']:>6,} {r['cold_s']:>7.2f} {r['libraries_s']:>6.2f} {r['articles_per_s']:>6.0f} "
              f"{r['statements_per_article']:>8.2f} {r['warm_s']:>7.3f} {r['baseline_s']:>11.3f} "
              f"{r['warm_s'] / r['baseline_s']:>8.1f}x {r['peak_rss_mb']:>11.0f} {r['ingest_rss_mb']:>9.0f}")
    by_label = {(label, r["files"]): r for label, r in results}
    for (label, files), r in by_label.items():
        if not label.startswith("briefing"):
            continue
        engine = label.split(", ")[1]
        old = by_label[(f"{old_label}, {engine}", files)]
        print(f"N={files:,} {engine}: cold ingest {old['cold_s'] / r['cold_s']:.2f}x faster than {old_label}")
        if engine == "PostgreSQL":
            lite, old_lite = by_label[("briefing, SQLite", files)], by_label[(f"{old_label}, SQLite", files)]
            print(f"N={files:,}: PostgreSQL at {r['articles_per_s'] / lite['articles_per_s']:.2f}x SQLite's rate "
                  f"({old_label}: {old['articles_per_s'] / old_lite['articles_per_s']:.2f}x)")
    for h in hashes:
        print(f"MinHash signatures of {h['texts']:,} texts: numpy {h['numpy_s']:.3f} s, pure Python "
              f"{h['python_s']:.3f} s ({h['python_s'] / h['numpy_s']:.1f}x)")
    print("cold: one collect pass into an empty store; libs: importing the libraries it calls, done before")
    print("(not in cold, either tree); stmt/art: statements sent per article stored;")
    print("warm: the same pass over the unchanged folder (best of 5); walk+stat: bare os.walk + os.stat")
    print("over the same folder in the same process (best of 5).")


if __name__ == "__main__":
    main()
