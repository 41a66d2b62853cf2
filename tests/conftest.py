"""Shared fixtures: real files, real SQLite stores, a fixed clock.

``make_config`` writes a real TOML settings file into a temporary folder with
its own seeds copy, store and output folder, so no test touches the checkout.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from briefing.clock import FixedClock
from briefing.settings import SECRET_ENV, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
# Wednesday of ISO week 2026-W47: the edition every golden file is rendered for.
FIXED_NOW = datetime(2026, 11, 18, 9, 30, tzinfo=timezone.utc)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines = []
    for section, table in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in table.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


ConfigMaker = Callable[..., Path]


@pytest.fixture
def make_config(tmp_path: Path) -> ConfigMaker:
    """Write ``tmp_path/briefing.toml`` with seeds copied to ``tmp_path/seeds``.

    Keyword arguments are sections whose keys override the defaults, e.g.
    ``make_config(email={"recipients": ["a@example.org"]})``.
    """

    def make(**overrides: dict[str, Any]) -> Path:
        seeds = tmp_path / "seeds"
        if not seeds.exists():
            shutil.copytree(SEEDS, seeds)
        sections: dict[str, dict[str, Any]] = {
            "sources": {"folders": ["seeds"]},
            "store": {"path": "var/briefing.db"},
            "output": {"dir": "out", "site_url": "https://briefing.example.org/"},
            "briefing": {"title": "Rare Earth Briefing", "timezone": "UTC"},
            "email": {"sender": "Rare Earth Briefing <briefing@example.org>", "recipients": ["reader@example.org"]},
        }
        for section, table in overrides.items():
            sections.setdefault(section, {}).update(table)
        return write_config(tmp_path / "briefing.toml", sections)

    return make


@pytest.fixture
def settings(make_config: ConfigMaker) -> Settings:
    return load_settings(make_config(), env={})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture(scope="session", autouse=True)
def secret_key_in_environment() -> Iterator[None]:
    """Child processes (`briefing serve` refuses to start without it) get a link-signing secret.

    Settings loaded with an explicit ``env=`` are unaffected; a test that needs
    the secret absent removes it from the environment it passes on.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_ENV, "test-session-secret-0123456789abcdef")
        yield
