"""Issue 13, item 11: a store written by a newer briefing is refused by every command alike.

Exit 1 and the one message the CLI gives ("... newer than this briefing
understands ...; upgrade briefing"), never a traceback, never a server that
starts and then answers 500.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from briefing.store import Store
from tests.conftest import ConfigMaker

COMMANDS = [
    ["ingest"], ["build"], ["send", "--dry-run"], ["send"], ["send", "--to", "someone@example.org"], ["status"],
    ["subscribers", "list"], ["subscribers", "add", "new@example.org"], ["migrate"], ["migrate", "--check"],
    ["serve", "--port", "0"], ["watch", "--polling"], ["schedule"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_a_newer_store_the_same_way(make_config: ConfigMaker, command: list[str]) -> None:
    config = make_config(smtp={"host": "127.0.0.1", "port": 9, "retries": 0})
    with Store.open(config.parent / "var" / "briefing.db") as store:
        store.database.run("UPDATE alembic_version SET version_num = '9999'")
    run = subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), *command],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "schema revision 9999, newer than this briefing understands" in run.stderr
    assert "upgrade briefing" in run.stderr and "Traceback" not in run.stderr
