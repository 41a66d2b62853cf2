"""Commands import only what they use: Alembic only when a store is behind, the feed stack only for feeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url

from briefing.db import migrate
from briefing.db.engine import make_engine

PROBE = """
import sys
from briefing.cli import cli
try:
    cli({args!r}, standalone_mode=False)
finally:
    print("ALEMBIC" if any(name.split(".")[0] == "alembic" for name in sys.modules) else "NO-ALEMBIC")
"""


def _imports_alembic(tmp_path: Path, *args: str) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=["-q", "--config", str(tmp_path / "b.toml"), *args])],
                          capture_output=True, text=True, cwd=tmp_path, check=True)
    return done.stdout.strip().splitlines()[-1] == "ALEMBIC"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "one.txt").write_text("Rare earths\n\n" + "Prices rose again this week. " * 8,
                                                    encoding="utf-8")
    (tmp_path / "b.toml").write_text('[sources]\nfolders = ["articles"]\n[store]\npath = "var/b.db"\n'
                                     '[output]\ndir = "out"\n', encoding="utf-8")
    return tmp_path


def test_a_new_store_gets_the_head_schema_without_alembic_and_commands_skip_it(project: Path) -> None:
    assert not _imports_alembic(project, "status")  # a new SQLite file: migrations/head-sqlite.sql
    assert (project / "var" / "b.db").exists()
    assert not _imports_alembic(project, "status")
    assert not _imports_alembic(project, "build")
    assert not _imports_alembic(project, "--help")


def test_a_store_behind_head_is_migrated_with_alembic(project: Path) -> None:
    (project / "var").mkdir()
    engine = make_engine(make_url(f"sqlite:///{project / 'var' / 'b.db'}"))
    try:
        with engine.connect() as connection:  # a store of the revision before head
            command.upgrade(migrate._config(connection), migrate.revisions()[-2])
    finally:
        engine.dispose()
    assert _imports_alembic(project, "status")
    assert not _imports_alembic(project, "status")


FEED_STACK = """
import sys
from briefing.cli import cli
try:
    cli({args!r}, standalone_mode=False)
finally:
    print(sorted({{name.split(".")[0] for name in sys.modules}} & {{"httpx", "feedparser", "trafilatura"}}))
"""


def _feed_stack(tmp_path: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", FEED_STACK.format(args=["-q", "--config", str(tmp_path / "b.toml"),
                                                                         *args])],
                          capture_output=True, text=True, cwd=tmp_path, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_folders_of_text_files_do_not_import_the_feed_and_page_stack(project: Path) -> None:
    assert _feed_stack(project, "build") == "[]"
    assert _feed_stack(project, "send", "--dry-run") == "[]"
    (project / "articles" / "page.html").write_text(
        "<html><head><title>Rare earth page</title></head><body><article><h1>Rare earth page</h1>"
        + "<p>Prices of rare earths rose again this week in the market.</p>" * 6 + "</article></body></html>",
        encoding="utf-8")
    assert _feed_stack(project, "build") == "['trafilatura']"  # an HTML page does need the extractor
