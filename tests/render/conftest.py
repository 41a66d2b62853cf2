"""Fixtures for the renderers: the seeds' edition built once, the way `briefing` builds it.

``seeds_site`` runs the real pipeline (ingest, summarise, render, dry-run
send) on a copy of the seeds with the fixed clock, in a temporary project
folder, once per test session: many tests only read what it wrote.

``--update-golden`` makes ``test_render_golden.py`` rewrite the committed
files under ``tests/golden/`` instead of comparing with them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.models import Briefing, DeliveryReport
from briefing.render.environment import make_environment
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import FIXED_NOW, ROOT, copy_seeds, project_sections, write_config


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current renderers instead of comparing")


@dataclass(frozen=True)
class SeedsSite:
    settings: Settings
    briefing: Briefing
    report: DeliveryReport  # of the dry-run send

    @property
    def out(self) -> Path:
        return self.settings.output.dir

    @property
    def eml(self) -> Path:
        return self.out / "outbox" / self.briefing.edition.key / "reader@example.org.eml"

    def read(self, name: str) -> str:
        return (self.out / name).read_text("utf-8")


def project(folder: Path, **overrides: dict[str, object]) -> Settings:
    """A project folder with a copy of the seeds, its own store and out/; bundled defaults otherwise."""
    copy_seeds(folder)
    return load_settings(write_config(folder / "briefing.toml", project_sections(**overrides)), env={})


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """A plain static web server (the standard library's) for ``root`` on 127.0.0.1; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def build_seeds(settings: Settings) -> SeedsSite:
    clock = FixedClock(FIXED_NOW)
    report = pipeline.send(settings, dry_run=True, clock=clock)
    store = Store.open(settings.store.path)
    try:
        result = pipeline.build(settings, store, clock, fetch_feeds=False)
    finally:
        store.close()
    return SeedsSite(settings, result.briefing, report)


@pytest.fixture(scope="session")
def seeds_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeedsSite]:
    yield build_seeds(project(tmp_path_factory.mktemp("seeds-project")))


@pytest.fixture(scope="session")
def env() -> Environment:
    """The jinja2 environment of the bundled templates, for https://briefing.example.org/."""
    return make_environment(ROOT / "templates", "https://briefing.example.org/")
