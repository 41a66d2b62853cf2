"""Issue 13, item 3: the send and scheduler locks belong to the database, not to how it is named.

One configuration says ``store.path = "var/b.db"``, another
``store.url = "sqlite:///<abs>/var/b.db"`` (a third reaches it through a
symlinked folder): one database, so one sender and one scheduler at a time.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.db.leader import scheduler_lock
from briefing.errors import AlreadyRunning
from briefing.settings import Settings, load_settings
from tests.conftest import FIXED_NOW, ConfigMaker, copy_seeds, project_sections, write_config
from tests.deliver.conftest import READERS, SmtpServer, briefing_process

pytestmark = pytest.mark.sqlite_only  # PostgreSQL: the advisory lock is the server's (tests/db/test_leader.py)


def configs(make_config: ConfigMaker, tmp_path: Path, port: int) -> tuple[Path, list[Settings]]:
    """The first config's file, and settings for the same database named three ways."""
    smtp = {"host": "127.0.0.1", "port": port, "retries": 0, "timeout": 10}
    email = {"recipients": list(READERS)}
    first = make_config(store={"path": "var/b.db"}, smtp=smtp, email=email)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "var", target_is_directory=True)
    copy_seeds(tmp_path / "elsewhere")
    others = [
        write_config(tmp_path / "elsewhere" / "by-url.toml", project_sections(
            store={"path": "var/other.db", "url": f"sqlite:///{tmp_path / 'var' / 'b.db'}"}, smtp=smtp, email=email)),
        write_config(tmp_path / "elsewhere" / "by-link.toml", project_sections(
            store={"path": "../link/b.db"}, smtp=smtp, email=email)),
    ]
    return first, [load_settings(path, env={}) for path in (first, *others)]


def test_two_names_for_one_database_share_one_send_lock(make_config: ConfigMaker, tmp_path: Path,
                                                        smtp_server: SmtpServer) -> None:
    smtp_server.handler.on_mail = lambda count: time.sleep(0.4)  # type: ignore[func-returns-value]
    (tmp_path / "var").mkdir()
    first, (_, by_url, by_link) = configs(make_config, tmp_path, smtp_server.port)
    sender = briefing_process(first, "send")
    try:
        deadline = time.monotonic() + 60
        while not smtp_server.handler.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert smtp_server.handler.received, "the first sender did not start"
        for other in (by_url, by_link):
            with pytest.raises(AlreadyRunning, match=r"another `briefing send` is already running against this store"):
                pipeline.send(other, dry_run=False, clock=FixedClock(FIXED_NOW))
    finally:
        out, err = sender.communicate(timeout=120)
    assert sender.returncode == 0, err
    assert smtp_server.handler.addressees() == sorted(READERS)  # each once, not twice


def test_two_names_for_one_database_share_one_scheduler_lock(make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    _, (first, by_url, by_link) = configs(make_config, tmp_path, 25)
    stop = threading.Event()
    with scheduler_lock(first, stop, standby=False) as alive:
        assert alive is not None
        for other in (by_url, by_link):
            with pytest.raises(AlreadyRunning, match=r"another `briefing schedule` is already running"):
                with scheduler_lock(other, stop, standby=False):
                    pass
