"""Fixtures for the renderers: the seeds' edition built once, the way `briefing` builds it.

``seeds_site`` runs the real pipeline (ingest, summarise, render, dry-run
send) on a copy of the seeds with the fixed clock, in a temporary project
folder, once per test session: many tests only read what it wrote.

``--update-golden`` makes ``test_render_golden.py`` rewrite the committed
files under ``tests/golden/`` instead of comparing with them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import Environment

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.models import Briefing, DeliveryReport
from briefing.render.environment import make_environment
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import FIXED_NOW, ROOT, SEEDS, write_config


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
    shutil.copytree(SEEDS, folder / "seeds")
    sections: dict[str, dict[str, object]] = {
        "sources": {"folders": ["seeds"]},
        "store": {"path": "var/briefing.db"},
        "output": {"dir": "out", "site_url": "https://briefing.example.org/"},
    }
    for section, table in overrides.items():
        sections.setdefault(section, {}).update(table)
    return load_settings(write_config(folder / "briefing.toml", sections), env={})


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
