"""Fixtures for ingest tests: a real HTTP server on 127.0.0.1 serving feeds.

``FeedServer`` is ``http.server`` in a thread. Routes are plain functions of
the request handler, so a test can serve a file with ETag/Last-Modified (and
answer 304), any status, a redirect, a server that stalls or trickles, or an
endless body, and can read back every request it got.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefing.settings import Settings, load_settings
from tests.conftest import ConfigMaker, shared_path


def feeds_dir() -> Path:
    """``../shared/data/feeds``: real feeds saved from the web (a clear failure when missing)."""
    return shared_path("data", "feeds")


def bbc_file() -> Path:
    """``../shared/data/bbc-dev.jsonl``: 911 BBC news articles, one JSON object a line."""
    return shared_path("data", "bbc-dev.jsonl")

Route = Callable[["Handler"], None]


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # ends stalls at teardown
    sent: dict[str, int] = field(default_factory=dict)  # body bytes written per path
    port: int = 0
    host: str = "127.0.0.1"

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]

    # --- route builders -------------------------------------------------

    def file(self, path: str, body: bytes, *, content_type: str = "application/rss+xml",
             etag: str | None = '"v1"', last_modified: str | None = None) -> str:
        def route(handler: Handler) -> None:
            headers = handler.headers
            if (etag and headers.get("If-None-Match") == etag) or (
                    last_modified and not etag and headers.get("If-Modified-Since") == last_modified):
                handler.send_response(304)
                handler.end_headers()
                return
            extra = {"ETag": etag, "Last-Modified": last_modified}
            handler.reply(200, body, content_type, {k: v for k, v in extra.items() if v})

        self.routes[path] = route
        return self.url(path)

    def status(self, path: str, code: int, headers: dict[str, str] | None = None) -> str:
        self.routes[path] = lambda handler: handler.reply(code, b"", "text/plain", headers or {})
        return self.url(path)

    def stall(self, path: str, *, after_headers: bool) -> str:
        def route(handler: Handler) -> None:
            if after_headers:
                handler.send_response(200)
                handler.send_header("Content-Type", "application/rss+xml")
                handler.send_header("Content-Length", "100000")
                handler.end_headers()
                handler.wfile.flush()
            self.release.wait(30)

        self.routes[path] = route
        return self.url(path)

    def trickle(self, path: str, every: float = 0.2) -> str:
        def route(handler: Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.end_headers()
            handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            while not self.release.wait(every):
                handler.wfile.write(b" ")
                handler.wfile.flush()

        self.routes[path] = route
        return self.url(path)

    def trickle_headers(self, path: str, every: float = 0.2) -> str:
        """A status line, then header bytes one at a time, never ending the headers."""
        def route(handler: Handler) -> None:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            handler.wfile.flush()
            while not self.release.wait(every):
                handler.wfile.write(b"a")
                handler.wfile.flush()

        self.routes[path] = route
        return self.url(path)

    def redirect(self, path: str, to: str, code: int = 302) -> str:
        return self.status(path, code, {"Location": to})

    def endless(self, path: str, *, declare_length: int | None = None) -> str:
        def route(handler: Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            if declare_length is not None:
                handler.send_header("Content-Length", str(declare_length))
            handler.end_headers()
            chunk = b"<item><title>x</title></item>" * 2000
            handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            self.sent[path] = 0
            while self.sent[path] < 200_000_000 and not self.release.is_set():
                handler.wfile.write(chunk)
                self.sent[path] += len(chunk)

        self.routes[path] = route
        return self.url(path)


class Handler(BaseHTTPRequestHandler):
    server: Any

    def do_GET(self) -> None:
        feeds: FeedServer = self.server.feeds
        feeds.requests.append(Seen(self.path, {k: v for k, v in self.headers.items()}))
        route = feeds.routes.get(self.path)
        try:
            if route is None:
                self.reply(404, b"not found", "text/plain", {})
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def reply(self, code: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[FeedServer]:
    """A ``FeedServer`` on an ephemeral loopback port, for as long as the block runs."""
    feeds = FeedServer(host=host)
    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    server.feeds = feeds  # type: ignore[attr-defined]
    feeds.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        feeds.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as feeds:
        yield feeds


@pytest.fixture
def other_server() -> Iterator[FeedServer]:
    """A second server on another loopback port (an "internal" service)."""
    with serving() as feeds:
        yield feeds


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_date(moment: float | None = None) -> str:
    return formatdate(moment if moment is not None else time.time(), usegmt=True)


@pytest.fixture
def feed_settings(make_config: ConfigMaker, tmp_path: Path) -> Callable[..., Settings]:
    """Settings whose only sources are the given feeds (and an empty folder)."""

    def make(feeds: list[Any], **sources: Any) -> Settings:
        (tmp_path / "articles").mkdir(exist_ok=True)
        return load_settings(make_config(sources={"folders": ["articles"], "feeds": feeds, **sources}), env={})

    return make
