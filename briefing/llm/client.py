"""A small client for OpenAI-compatible chat completions: ``POST {llm.base_url}/chat/completions``.

Plain httpx, not the ``openai`` package: httpx is already briefing's HTTP
client, and what this needs is exactly what the ``openai`` package makes
implicit (a 600 s default timeout, 2 retries of its own, see PITFALLS.md):

- one deadline for the whole request, connect to last byte (``anyio.fail_after``
  around it: httpx's ``read`` timeout counts each read, so a server that
  trickles never trips it on its own);
- 429 and 5xx retried at most ``llm.retries`` times, after the server's
  ``Retry-After`` (seconds or an HTTP date) when it sends one, else 0.5, 1, 2 s;
  a ``Retry-After`` longer than ``llm.timeout`` is not waited for;
- any other failure (refused, timed out, 4xx, an answer that is not the
  protocol's JSON, more than ``MAX_ANSWER_BYTES``) is one ``ModelError`` with a
  short reason, never retried.

The ``base_url`` names the API root including ``/v1`` (Ollama
``http://127.0.0.1:11434/v1``, OpenAI ``https://api.openai.com/v1``). The key
comes only from env ``BRIEFING_LLM_API_KEY`` and is sent as a bearer token.
``Chat`` is the seam: the writer takes any object with ``complete``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import anyio
import httpx

from briefing.errors import ModelError
from briefing.ingest.fetch import tls_context  # one TLS context per process, shared with the feed clients

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 1_000_000
USER_AGENT = "briefing (+https://briefing.example.org/)"


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user"
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


class Chat(Protocol):
    """Something that answers chat messages (``HttpChat``; any test double with this shape)."""

    model: str
    requests: int  # HTTP requests sent so far, retries included

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> Completion:
        """The model's answer; ``ModelError`` when there is none to use."""
        ...


def estimate_tokens(text: str) -> int:
    """A generous token count for ``text``: one per 3 characters (English BPE averages about 4)."""
    return math.ceil(len(text) / 3)


class TokenBudget:
    """The tokens one edition may spend; a request is made only when its upper bound fits."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def allows(self, tokens: int) -> bool:
        return self.spent + tokens <= self.limit

    def spend(self, tokens: int) -> None:
        self.spent += tokens


class HttpChat:
    """Chat completions over HTTP (see the module docstring)."""

    def __init__(self, base_url: str, model: str, *, timeout: float, retries: int, temperature: float,
                 api_key: str = "") -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.retries = retries
        self.temperature = temperature
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self.requests = 0

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> Completion:
        body = {
            "model": self.model, "temperature": self.temperature, "max_tokens": max_tokens, "stream": False,
            "response_format": {"type": "json_object"},
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return anyio.run(self._complete, body)
        return _in_thread(lambda: anyio.run(self._complete, body))  # called from async code: a loop of its own

    async def _complete(self, body: dict[str, Any]) -> Completion:
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout), headers=self.headers, verify=tls_context(),
                                     follow_redirects=False, trust_env=False) as client:
            for attempt in range(self.retries + 1):
                self.requests += 1
                status, headers, payload = await self._post(client, body)
                if status == 200:
                    return _completion(payload, body)
                if status != 429 and status < 500:
                    raise ModelError(f"HTTP {status} from {self.url}: {_error_text(payload)}")
                wait = self._retry_wait(headers, attempt)
                if attempt == self.retries or wait is None:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    raise ModelError(f"HTTP {status} from {self.url} after {tries}")
                log.info("llm: HTTP %d from %s; again in %.1f s (%d of %d)", status, self.url, wait,
                         attempt + 2, self.retries + 1)
                await anyio.sleep(wait)
        raise AssertionError("unreachable")

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[int, httpx.Headers, bytes]:
        try:
            with anyio.fail_after(self.timeout):
                async with client.stream("POST", self.url, json=body) as response:
                    payload = bytearray()
                    async for chunk in response.aiter_bytes():
                        payload += chunk
                        if len(payload) > MAX_ANSWER_BYTES:
                            raise ModelError(f"answer from {self.url} is larger than {MAX_ANSWER_BYTES} bytes")
                    return response.status_code, response.headers, bytes(payload)
        except (TimeoutError, httpx.TimeoutException):
            raise ModelError(f"no answer from {self.url} within llm.timeout = {self.timeout:g} s",
                             unreachable=True) from None
        except httpx.ConnectError as exc:
            raise ModelError(f"cannot connect to {self.url}: {exc or type(exc).__name__}", unreachable=True) from None
        except httpx.HTTPError as exc:
            raise ModelError(f"request to {self.url} failed: {exc or type(exc).__name__}") from None

    def _retry_wait(self, headers: httpx.Headers, attempt: int) -> float | None:
        """Seconds to wait before the next attempt; None when the server asks for longer than llm.timeout."""
        value = headers.get("Retry-After", "").strip()
        if not value:
            return min(0.5 * 2.0**attempt, self.timeout)
        wait = _retry_after_seconds(value)
        return None if wait is None or wait > self.timeout else wait


T = TypeVar("T")


def _in_thread(run: Callable[[], T]) -> T:
    """``run()`` in a new thread, waited for; its exception re-raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(run())
        except BaseException as exc:  # noqa: BLE001  handed to the caller below
            failure.append(exc)

    thread = threading.Thread(target=target, name="briefing-llm", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _retry_after_seconds(value: str) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, float((moment - datetime.now(UTC)).total_seconds()))


def _completion(payload: bytes, body: dict[str, Any]) -> Completion:
    """The first choice's text and the usage the server reported (estimated when it reports none)."""
    try:
        data = json.loads(payload)
        text = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelError("the endpoint's answer is not a chat completion (no choices[0].message.content)") from None
    if not isinstance(text, str):
        raise ModelError("the endpoint's answer has no text in choices[0].message.content")
    usage = data.get("usage") if isinstance(data, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    prompt = usage.get("prompt_tokens")
    answer = usage.get("completion_tokens")
    if not isinstance(prompt, int):
        prompt = estimate_tokens("".join(m["content"] for m in body["messages"]))
    if not isinstance(answer, int):
        answer = estimate_tokens(text)
    return Completion(text=text, prompt_tokens=prompt, completion_tokens=answer)


def _error_text(payload: bytes) -> str:
    """The server's error message, short: OpenAI's ``{"error": {"message"}}`` or the body's first line."""
    try:
        data = json.loads(payload)
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message:
            return message[:200]
    except ValueError:
        pass
    text = payload.decode("utf-8", "replace").strip().splitlines()
    return (text[0][:200] if text else "") or "(no body)"
