"""A real OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test.

``ModelServer`` is a small Starlette app under uvicorn in a thread, answering
``POST /v1/chat/completions``. A test lines up what the next requests get
(``then``): an answer built from the prompt it was sent (``answer``), a status
with headers (``status``), a hang (``hang``), or any raw text as the model's
content; once the script is used up, ``default`` answers. Every request is
recorded with its time, headers and JSON body.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from briefing.settings import Settings, load_settings
from briefing.web.server import listen
from tests.conftest import ConfigMaker

Step = Callable[[dict[str, Any]], Any]  # request body -> Response (or an awaitable of one)


@dataclass
class Seen:
    at: float
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return str(self.body["messages"][-1]["content"])


@dataclass
class ModelServer:
    url: str = ""
    script: list[Step] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    default: Step | None = None

    def then(self, *steps: Step) -> ModelServer:
        self.script.extend(steps)
        return self

    async def handle(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.requests.append(Seen(time.monotonic(), dict(request.headers), body))
        step = self.script.pop(0) if self.script else self.default or answer(good_answer)
        result = step(body)
        return await result if asyncio.iscoroutine(result) else result  # type: ignore[no-any-return]


# --- steps --------------------------------------------------------------


def completion(content: str, prompt_tokens: int = 900, completion_tokens: int = 300) -> Response:
    return JSONResponse({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "scripted",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def answer(make: Callable[[dict[str, list[str]]], dict[str, Any]], prompt_tokens: int = 900) -> Step:
    """A step answering with ``make(articles)`` as JSON; ``articles``: id -> [title, sentence, ...] from the prompt."""
    return lambda body: completion(json.dumps(make(prompt_articles(body["messages"][-1]["content"]))), prompt_tokens)


def raw(content: str) -> Step:
    return lambda body: completion(content)


def status(code: int, **headers: str) -> Step:
    return lambda body: PlainTextResponse(f"scripted {code}", status_code=code,
                                          headers={k.replace("_", "-"): v for k, v in headers.items()})


def hang(server: ModelServer, seconds: float = 30) -> Step:
    async def step(body: dict[str, Any]) -> Response:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not server.release.is_set():
            await asyncio.sleep(0.05)
        return completion("{}")

    return step


def prompt_articles(prompt: str) -> dict[str, list[str]]:
    """The articles a prompt introduces: id -> [title, its sentences...]."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in prompt.splitlines():
        if (match := re.match(r"^\[([0-9a-f]{16})\] (.*)$", line)):
            current = match[1]
            found[current] = [match[2]]
        elif current and line.startswith("- "):
            found[current].append(line[2:])
    return found


def good_answer(articles: dict[str, list[str]]) -> dict[str, Any]:
    """An answer a careful model would give: sentences of the articles themselves, each citing its article."""
    first = articles[next(iter(articles))]
    used: set[str] = set()

    def bullet(pick: int) -> list[dict[str, Any]]:
        found = []
        for article_id, lines in articles.items():
            fresh = [line for line in lines[1:] if line not in used]
            if fresh:
                text = fresh[pick if pick < len(fresh) else -1]
                used.add(text)
                found.append({"text": text, "sources": [article_id]})
        return found

    return {
        "title": " ".join(first[0].split()[:10]),
        "dek": first[1],
        "highlights": bullet(0)[:5],
        "implications": bullet(-1)[:2],
        "questions": [],
    }


# --- fixtures -------------------------------------------------------------


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    server = ModelServer()
    app = Starlette(routes=[Route("/v1/chat/completions", server.handle, methods=["POST"])])
    sock = listen("127.0.0.1", 0)
    uv = uvicorn.Server(uvicorn.Config(app, lifespan="off", access_log=False, log_config=None,
                                       timeout_graceful_shutdown=1))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.01)
    server.url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    yield server
    server.release.set()
    uv.should_exit = True
    thread.join(10)
    sock.close()


LlmConfig = Callable[..., Settings]


@pytest.fixture
def llm_settings(make_config: ConfigMaker, model_server: ModelServer) -> LlmConfig:
    """Settings of a seeds project whose model writer asks ``model_server``; keywords override [llm] keys."""

    def make(env: dict[str, str] | None = None, **llm: Any) -> Settings:
        table = {"base_url": model_server.url, "model": "scripted-model", "timeout": 5, "retries": 1, **llm}
        return load_settings(make_config(llm=table), env=env or {})

    return make


def write_articles(folder: Path, texts: dict[str, str]) -> None:
    """Extra article files (name -> text) beside the seeds, for editions of several stories."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
