"""Read-only commands never wait on another process's write transaction.

A store at head is opened without a write transaction: ``briefing status`` (and
every web request) reads the schema revision with a plain read, so a running
ingest or send holding SQLite's write lock does not hold them up. Only a
command that writes, or a store whose migration is due, takes the lock.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.store import Store
from tests.conftest import ConfigMaker

HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO quarantine (origin, source, reason, at) VALUES ('held', 'held', 'held', 'now')")
print("holding", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@pytest.fixture
def held_store(make_config: ConfigMaker, tmp_path: Path) -> Iterator[Path]:
    """A migrated store whose write lock a second process holds until the test ends."""
    config = make_config()
    # Migrated to head, and the command's modules imported (their import time is not the lock's).
    warm = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert warm.exit_code == 0, warm.output
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "var" / "briefing.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield config
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)


@pytest.mark.sqlite_only  # SQLite's file-wide write lock is what is held
def test_status_answers_within_a_second_while_another_process_writes(held_store: Path, tmp_path: Path) -> None:
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["--config", str(held_store), "status", "--json"])
    elapsed = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert '"articles"' in result.output
    assert elapsed < 1.0, f"status took {elapsed:.2f} s while another process held the write lock"


@pytest.mark.sqlite_only
def test_a_command_that_writes_still_waits_for_the_lock(held_store: Path, tmp_path: Path) -> None:
    """The held lock is real: a write through the store blocks (busy timeout) and fails at once with timeout 0."""
    store = Store.open(tmp_path / "var" / "briefing.db")
    try:
        store.database.raw.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(Exception, match="locked"):
            with store.transaction():
                pass
    finally:
        store.close()
