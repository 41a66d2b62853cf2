"""Shared fixtures: real files, real SQLite stores, a fixed clock.

``make_config`` writes a real TOML settings file into a temporary folder with
its own seeds copy, store and output folder, so no test touches the checkout.

The whole suite runs a second time against PostgreSQL (``.ci/run``) when env
``BRIEFING_TEST_STORE_URL`` names a database: each test's settings then get
``store.url`` pointing at a schema of its own in it (``search_path``), and
``Store.open`` of the test's ``store.path`` opens that schema instead
(``_redirect_store``), so tests that open "the configured store" by its path
test PostgreSQL unchanged. Tests that read the SQLite file itself carry the
``sqlite_only`` marker and are deselected in that run (``-m "not sqlite_only"``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from briefing.clock import FixedClock
from briefing.settings import SECRET_ENV, Settings, load_settings
from briefing.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# ../shared (env BRIEFING_TEST_SHARED elsewhere: tests/test_shared_data.py collects without it).
SHARED = Path(os.environ.get("BRIEFING_TEST_SHARED") or ROOT.parent / "shared")


def shared_path(*parts: str) -> Path:
    """A file of the shared data (``../shared``), read by tests at run time, never at import.

    Missing, the test fails with one line saying what is missing and where it belongs
    (collection never fails for it).
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: these tests read the shared data set in {SHARED} "
                    "(beside the project, ../shared); put it there or run the tests from a tree that has it",
                    pytrace=False)
    return path


@functools.cache
def bbc_rows() -> list[dict[str, str]]:
    """The rows of ``../shared/data/bbc-dev.jsonl`` (read once per run, on first use)."""
    text = shared_path("data", "bbc-dev.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# Wednesday of ISO week 2026-W47: the edition every golden file is rendered for.
FIXED_NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's string escapes are TOML's (control characters too)
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


def copy_seeds(folder: Path) -> None:
    """``folder/seeds``: a copy of the five seeds (left as it is when already there)."""
    if not (folder / "seeds").exists():
        shutil.copytree(SEEDS, folder / "seeds")


def project_sections(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A test project's settings: seeds, store and out/ in its folder; ``overrides`` per section."""
    sections: dict[str, dict[str, Any]] = {
        "sources": {"folders": ["seeds"]},
        "store": {"path": "var/briefing.db"},
        "output": {"dir": "out", "site_url": "https://briefing.example.org/"},
        "briefing": {"title": "Rare Earth Briefing", "timezone": "UTC"},
        "email": {"sender": "Rare Earth Briefing <briefing@example.org>", "recipients": ["reader@example.org"]},
    }
    for section, table in overrides.items():
        sections.setdefault(section, {}).update(table)
    return sections
TEST_STORE_URL = os.environ.get("BRIEFING_TEST_STORE_URL", "")
_REDIRECTS: dict[Path, str] = {}  # a test's store.path -> its PostgreSQL schema's URL


def postgresql_schema(tmp_path: Path) -> str:
    """A fresh schema for this test in the ``BRIEFING_TEST_STORE_URL`` database; its store URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = "t_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]
    base = make_url(TEST_STORE_URL)
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        connection.execute(f"CREATE SCHEMA {name}")
    return base.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)


def store_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` in the store at ``path`` (in the PostgreSQL run: that test's schema)."""
    store = Store.open(path)
    try:
        return [tuple(row) for row in store.database.run(sql)]
    finally:
        store.close()


@pytest.fixture(autouse=True)
def _redirect_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In the PostgreSQL run, ``Store.open(<a test's store.path>)`` opens that test's schema."""
    if not TEST_STORE_URL:
        yield
        return
    opener = Store.open.__func__  # type: ignore[attr-defined]

    def open_redirected(cls: type[Store], path: Path, *, url: str = "", migrate: bool = True) -> Store:
        return opener(cls, path, url=url or _REDIRECTS.get(Path(path).resolve(), ""), migrate=migrate)

    monkeypatch.setattr(Store, "open", classmethod(open_redirected))
    yield
    _REDIRECTS.clear()


@pytest.fixture
def make_config(tmp_path: Path) -> ConfigMaker:
    """Write ``tmp_path/briefing.toml`` with seeds copied to ``tmp_path/seeds``.

    Keyword arguments are sections whose keys override the defaults, e.g.
    ``make_config(email={"recipients": ["a@example.org"]})``.
    """

    def make(**overrides: dict[str, Any]) -> Path:
        copy_seeds(tmp_path)
        sections = project_sections(**overrides)
        store = sections["store"]
        if TEST_STORE_URL and "url" not in store:
            url = _REDIRECTS.get((tmp_path / store["path"]).resolve()) or postgresql_schema(tmp_path)
            store["url"] = url
            _REDIRECTS[(tmp_path / store["path"]).resolve()] = url
            (tmp_path / store["path"]).parent.mkdir(parents=True, exist_ok=True)  # tests put files beside it
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
