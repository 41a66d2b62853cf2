"""Store benchmark: ingest and send throughput, SQLite next to PostgreSQL, one process next to several.

    .venv/bin/python bench/store.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/store.py --pg URL --articles 2000 --recipients 300   # quicker

``--pg`` names a PostgreSQL server (its ``postgres`` database: each run gets a
fresh database, dropped afterwards); ``.ci/run`` shows how to start a
throwaway one. Every figure comes from real ``python -m briefing`` processes:

- ingest: ``--articles`` article files (built as in ``bench/ingest.py``) read
  by ``briefing ingest`` into an empty store: SQLite with one process;
  PostgreSQL with one process, and with four processes at once, each watching
  its own quarter of the files (four desks, four folders, one database);
- send: one edition to ``--recipients`` addresses on a real SMTP server
  (aiosmtpd on 127.0.0.1, accepting everything): SQLite with one sender,
  PostgreSQL with one sender and with three senders sharing the edition.

Throughput is items per second of wall time, from the first process started
to the last one finished (start-up and migration included).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from ingest import build_folder  # bench/ingest.py: the same article files
from ingest import pg_database as database  # a fresh database on the server, dropped afterwards

ROOT = Path(__file__).resolve().parent.parent


class Count:
    """An aiosmtpd handler that accepts and counts."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += len(envelope.rcpt_tos)
        return "250 OK"


def write_config(folder: Path, folders: list[str], url: str, extra: str = "") -> Path:
    config = folder / f"briefing-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(
        f'[sources]\nfolders = {folders!r}\n[store]\npath = "var/briefing.db"\nurl = "{url}"\n'
        f'[output]\ndir = "out"\n{extra}'.replace("'", '"'), encoding="utf-8")
    return config


def run_all(configs: list[Path], *args: str) -> float:
    """Start ``briefing --config C ARGS`` for every config at once; seconds until the last ends."""
    started = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-m", "briefing", "-q", "--config", str(c), *args],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in configs]
    for child in children:
        _, err = child.communicate()
        if child.returncode not in (0,):
            raise SystemExit(f"briefing {' '.join(args)} failed ({child.returncode}): {err}")
    return time.perf_counter() - started


def ingest_figures(work: Path, server: str, articles: int) -> list[tuple[str, float]]:
    everything = work / "all"
    everything.mkdir(parents=True)
    build_folder(everything, articles)
    desks = [f"desk{q}" for q in range(4)]
    for desk in desks:
        (work / desk).mkdir()
    for index, path in enumerate(sorted(everything.iterdir())):
        path.rename(work / desks[index % 4] / path.name)
    figures = []
    seconds = run_all([write_config(work, desks, "")], "ingest")
    figures.append(("SQLite, 1 process", articles / seconds))
    shutil.rmtree(work / "var")
    with database(server) as url:
        seconds = run_all([write_config(work, desks, url)], "ingest")
    figures.append(("PostgreSQL, 1 process", articles / seconds))
    with database(server) as url:
        seconds = run_all([write_config(work, [desk], url) for desk in desks], "ingest")
    figures.append(("PostgreSQL, 4 processes (a folder each)", articles / seconds))
    return figures


def send_figures(work: Path, server: str, recipients: int) -> list[tuple[str, float]]:
    shutil.copytree(ROOT / "seeds", work / "seeds")
    port = free_port()
    handler = Count()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    addresses = [f"reader{i:05d}@example.org" for i in range(recipients)]
    extra = (f'[email]\nrecipients = {addresses!r}\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
             '[briefing]\nsend_empty = true\n')
    figures = []
    try:
        for label, url, senders in (("SQLite, 1 sender", "", 1), ("PostgreSQL, 1 sender", "pg", 1),
                                    ("PostgreSQL, 3 senders", "pg", 3)):
            handler.received = 0
            shutil.rmtree(work / "var", ignore_errors=True)
            with database(server) if url else _nothing() as db_url:
                config = write_config(work, ["seeds"], db_url or "", extra)
                seconds = run_all([config] * senders, "send")
            if handler.received != recipients:
                raise SystemExit(f"{label}: {handler.received} messages for {recipients} recipients")
            figures.append((label, recipients / seconds))
    finally:
        controller.stop()
    return figures


@contextmanager
def _nothing() -> Iterator[str]:
    yield ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL server URL (its postgres database)")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as folder:
        ingest = ingest_figures(Path(folder) / "ingest", args.pg, args.articles)
        send = send_figures(Path(folder) / "send", args.pg, args.recipients)
    print(f"ingest of {args.articles:,} articles (articles/s):")
    for label, rate in ingest:
        print(f"  {label:<42} {rate:8.1f}")
    print(f"send of one edition to {args.recipients:,} recipients (messages/s):")
    for label, rate in send:
        print(f"  {label:<42} {rate:8.1f}")


if __name__ == "__main__":
    main()
