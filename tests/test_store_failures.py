"""Issue 13, item 12: a damaged store or a full disk is one message, and so is any bug.

"database disk image is malformed" and "database or disk is full" used to
print 60-line tracebacks from ``build``, ``send`` and ``ingest``. Now each is
a ``StoreError`` naming the file and what to do (exit 1); any other error
that is not a ``BriefingError`` prints one line, its traceback only at -vv.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.errors import StoreError
from briefing.ingest import collect
from briefing.settings import load_settings
from briefing.store import Store
from tests.conftest import FIXED_NOW, ConfigMaker


def briefing(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.sqlite_only  # damages the SQLite file itself
@pytest.mark.parametrize("command", [["ingest"], ["build"], ["send", "--dry-run"], ["send"], ["status"]], ids=" ".join)
def test_a_damaged_store_is_one_message_naming_the_file(make_config: ConfigMaker, command: list[str]) -> None:
    config = make_config(smtp={"host": "127.0.0.1", "port": 9, "retries": 0})
    assert briefing(config, "ingest").returncode == 0
    store = config.parent / "var" / "briefing.db"
    data = bytearray(store.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page:] = b"\xa5" * (len(data) - page)  # every page but the first (the schema) is garbage
    store.write_bytes(bytes(data))
    run = briefing(config, *command)
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert f"{store}: the store is damaged (database disk image is malformed)" in run.stderr
    assert "Restore it from a backup" in run.stderr and ".recover" in run.stderr


@pytest.mark.sqlite_only  # SQLite's own page limit is how a full disk looks to it (SQLITE_FULL)
def test_a_full_disk_is_a_store_error_and_the_store_stays_intact(make_config: ConfigMaker) -> None:
    settings = load_settings(make_config(), env={})
    with Store.open_settings(settings.store) as store:
        raw = store.database.raw
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
        raw.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError, match=r"the disk is full \(database or disk is full\).*Free some space") as caught:
            collect(settings, store, FixedClock(FIXED_NOW), fetch_feeds=False)
        assert str(settings.store.path) in str(caught.value)
        raw.execute("PRAGMA max_page_count = 1073741823")
        assert store.article_count() == 0  # the failed batch was rolled back whole
        assert collect(settings, store, FixedClock(FIXED_NOW), fetch_feeds=False).added == 5


BROKEN_BUILD = """
import sys
from briefing import cli, pipeline

def broken(*args, **kwargs):
    raise KeyError("edition")

pipeline.build = broken  # a bug anywhere below main(): here, in the pipeline
sys.argv = ["briefing", *sys.argv[1:]]
cli.main()
"""


def test_an_unexpected_error_is_one_line_and_its_traceback_only_at_debug(make_config: ConfigMaker) -> None:
    config = make_config()
    for verbosity, traceback in (([], False), (["-vv"], True)):
        run = subprocess.run([sys.executable, "-c", BROKEN_BUILD, "--config", str(config), *verbosity, "build"],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1
        assert ("briefing: unexpected error (a bug in briefing): KeyError: 'edition'; "
                "run the command again with -vv") in run.stderr
        assert ("Traceback" in run.stderr) is traceback, run.stderr
        if not traceback:
            assert len(run.stderr.strip().splitlines()) == 1
