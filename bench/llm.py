"""The model writer per edition: requests, tokens and time, beside the extractive build in the same run.

    python bench/llm.py [--data ../shared/data/bbc-dev.jsonl] [--url URL --model NAME [--key-env VAR]]

Two editions, each a fresh project folder (ingested before any timing): the five
seeds (one story), and 200 BBC articles (``--articles``) that make a 40-story
edition. Each is built three times with ``briefing.pipeline.build``: with the model writer off (the baseline),
with it on against a scripted OpenAI-compatible server on 127.0.0.1 (a real
HTTP server, Starlette under uvicorn; it answers with the articles' own sentences
and invents one "rose 47%" highlight per story, which the checker must reject),
and on again (every answer from the store's cache: no request); each the fastest
of ``--repeat`` builds (the cold ones with the cache emptied before each). Printed: stories
written, requests, tokens, bullets rejected, and build time with its ratio to the
baseline. With ``--url`` (an endpoint up to /v1, e.g. http://127.0.0.1:11434/v1) the
same editions are built against that real endpoint too; without it that part is
skipped, and the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from briefing import pipeline  # noqa: E402
from briefing.clock import FixedClock  # noqa: E402
from briefing.ingest import collect  # noqa: E402
from briefing.settings import Settings, load_settings  # noqa: E402
from briefing.store import Store  # noqa: E402
from briefing.web.server import listen  # noqa: E402

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


class ScriptedModel:
    """A chat-completions server that answers from the prompt; counts requests and the tokens it reports."""

    def __init__(self) -> None:
        self.requests = 0
        self.tokens = 0
        app = Starlette(routes=[Route("/v1/chat/completions", self.handle, methods=["POST"])])
        self.socket = listen("127.0.0.1", 0)
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="off", access_log=False, log_config=None))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/v1"

    def __enter__(self) -> ScriptedModel:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()

    async def handle(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        prompt = "".join(m["content"] for m in body["messages"])
        content = json.dumps(self.answer(body["messages"][-1]["content"]))
        usage = {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4}
        self.requests += 1
        self.tokens += usage["prompt_tokens"] + usage["completion_tokens"]
        return JSONResponse({"object": "chat.completion", "model": body["model"], "usage": usage,
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})

    @staticmethod
    def answer(prompt: str) -> dict[str, Any]:
        articles: dict[str, list[str]] = {}
        for line in prompt.splitlines():
            if (match := re.match(r"^\[([0-9a-f]{16})\] (.*)$", line)):
                current = match[1]
                articles[current] = [match[2]]
            elif articles and line.startswith("- "):
                articles[current].append(line[2:])
        used: set[str] = set()
        bullets = []
        for article_id, lines in articles.items():
            fresh = [s for s in lines[1:] if s not in used]
            if fresh:
                used.add(fresh[0])
                bullets.append({"text": fresh[0], "sources": [article_id]})
        first_id, first = next(iter(articles.items()))
        invented = {"text": "Output rose 47% this year.", "sources": [first_id]}
        return {"title": " ".join(first[0].split()[:10]), "dek": first[1] if len(first) > 1 else "",
                "highlights": [*bullets[:1], invented, *bullets[1:4]],
                "implications": [{"text": s, "sources": [i]} for i, lines in articles.items() for s in lines[-1:]][:2],
                "questions": []}


@dataclass
class Run:
    seconds: float
    stories: int
    written: int
    requests: int
    tokens: int
    rejected: int
    fallbacks: int


def project(folder: Path, articles: dict[str, str], llm: dict[str, Any]) -> Settings:
    """A project folder with these article files; the [llm] table as given."""
    (folder / "articles").mkdir(parents=True)
    for name, text in articles.items():
        (folder / "articles" / name).write_text(text, encoding="utf-8")
    lines = ['[sources]\nfolders = ["articles"]', '[store]\npath = "var/briefing.db"', '[output]\ndir = "out"',
             "[briefing]\nmax_stories = 40", "[llm]"] + [f"{k} = {json.dumps(v)}" for k, v in llm.items()]
    (folder / "briefing.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(folder / "briefing.toml", env=os.environ)
    with Store.open_settings(settings.store) as store:  # ingest first, untimed: every build below re-scans alike
        collect(settings, store, FixedClock(NOW), fetch_feeds=False)
    return settings


def build(settings: Settings, *, repeat: int, cold: bool = False) -> Run:
    """The fastest of ``repeat`` builds (the machine is shared); ``cold``: the answer cache emptied before each."""
    best = float("inf")
    for _ in range(repeat):
        with Store.open_settings(settings.store) as store:
            if cold:
                store.database.run("DELETE FROM llm_cache")
            started = time.perf_counter()
            result = pipeline.build(settings, store, FixedClock(NOW))
            best = min(best, time.perf_counter() - started)
    seconds = best
    w = result.writing
    return Run(seconds, len(result.briefing.stories), w.written if w else 0, w.requests if w else 0,
               w.tokens if w else 0, len(w.rejected) if w else 0, len(w.fallbacks) if w else 0)


def edition(name: str, articles: dict[str, str], llm: dict[str, Any], work: Path, real: bool, repeat: int) -> None:
    off = build(project(work / f"{name}-off", articles, {}), repeat=repeat)
    on_settings = project(work / f"{name}-on", articles, llm)
    cold = build(on_settings, repeat=repeat, cold=True)
    warm = build(on_settings, repeat=repeat)
    label = "real endpoint" if real else "scripted server"
    print(f"\n{name}: {off.stories} stories ({label}, llm.max_stories = {llm['max_stories']})")
    print(f"{'build':<28} {'written':>7} {'requests':>8} {'tokens':>8} {'rejected':>8} {'fallbacks':>9} {'time':>8} {'ratio':>6}")
    for what, run in (("extractive only (baseline)", off), ("model writer, cold", cold), ("model writer, cached", warm)):
        print(f"{what:<28} {run.written:>7} {run.requests:>8} {run.tokens:>8} {run.rejected:>8} {run.fallbacks:>9} "
              f"{run.seconds:>7.2f}s {run.seconds / off.seconds:>5.1f}x")
    if cold.written:
        print(f"per written story: {cold.tokens / cold.written:.0f} tokens, "
              f"{(cold.seconds - off.seconds) / cold.written * 1000:.0f} ms over the baseline")


def bbc_articles(path: Path, count: int) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {f"{row['id']}.txt": f"{row['title']}\n\n{row['text']}" for row in rows[:count]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "bbc-dev.jsonl")
    parser.add_argument("--articles", type=int, default=200, help="BBC articles in the large edition")
    parser.add_argument("--url", default="", help="a real OpenAI-compatible endpoint up to /v1")
    parser.add_argument("--model", default="llama3.1:8b", help="model name at --url")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="builds of each kind; the fastest is shown")
    args = parser.parse_args()
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}
    bbc = bbc_articles(args.data, args.articles)
    work = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    try:
        with ScriptedModel() as server:
            llm = {"base_url": server.url, "model": "scripted", "max_stories": 40, "token_budget": 10_000_000}
            edition("seeds", seeds, llm, work / "scripted", real=False, repeat=args.repeat)
            edition("bbc", bbc, llm, work / "scripted", real=False, repeat=args.repeat)
            print(f"\nscripted server counted {server.requests} requests, {server.tokens} tokens in all "
                  f"({args.repeat} cold builds of each edition)")
        if not args.url:
            print("\nreal endpoint: skipped (no --url given; e.g. --url http://127.0.0.1:11434/v1 --model llama3.1:8b)")
            return
        llm = {"base_url": args.url, "model": args.model, "max_stories": 40, "timeout": args.timeout,
               "token_budget": 10_000_000}
        edition("seeds", seeds, llm, work / "real", real=True, repeat=1)
        edition("bbc", bbc, llm, work / "real", real=True, repeat=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
