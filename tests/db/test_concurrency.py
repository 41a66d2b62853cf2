"""Several real processes on one PostgreSQL store: watchers, senders and schedulers.

Each test starts ``python -m briefing`` child processes against a fresh
database on a real server (``pg_url``), a real feed server and a real SMTP
server (aiosmtpd) on 127.0.0.1, and checks what the database and the SMTP
server hold afterwards.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.deliver.conftest import (  # noqa: F401  (fixtures used by name)
    SmtpServer,
    briefing_command,
    free_port,
    smtp_server,
    start_smtp,
)
from tests.ingest.conftest import FeedServer, feed_server  # noqa: F401
from tests.test_schedule import past_this_week

WORDS = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "si", "tu") for b in ("ba", "de", "fi", "go", "hu")
         for c in ("lan", "mer", "nis", "tok", "vur", "zed")]


def article_text(rng: random.Random) -> str:
    return ". ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() for _ in range(8)) + "."


def rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><description>{d}</description></item>"
                   for t, link, d in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example.org/</link>'
            f"<description>d</description>{body}</channel></rss>").encode()


def store_of(settings: Settings) -> Store:
    return Store.open_settings(settings.store)


def test_four_watchers_over_the_same_folder_and_feeds_store_each_article_once(
        make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer, pg_url: str) -> None:  # noqa: F811
    rng = random.Random(7)
    folder = tmp_path / "inbox"
    folder.mkdir()
    for index in range(80):
        (folder / f"a{index:03d}.txt").write_text(f"Story {index}\n\n{article_text(rng)}", encoding="utf-8")
    stories = [(f"Feed story {i}", f"https://news.example.org/story/{i}", article_text(rng)) for i in range(40)]
    # The same stories in both feeds, in opposite orders and with tracking noise: one article each.
    first = feed_server.file("/a.xml", rss(stories))
    second = feed_server.file("/b.xml", rss([(t, f"{link}?utm_source=b", d + " More.") for t, link, d in stories[::-1]]))
    config = make_config(sources={"folders": ["inbox"], "feeds": [first, second]}, store={"url": pg_url})
    children = [subprocess.Popen(briefing_command(config, "ingest"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    store = store_of(load_settings(config, env={}))
    try:
        assert store.article_count() == 80 + 40
        rows = store.database.run(
            "SELECT canonical_url, count(DISTINCT article_id) FROM article_sources WHERE canonical_url <> ''"
            " GROUP BY canonical_url").all()
        assert len(rows) == 40 and {count for _, count in rows} == {1}
        assert store.database.run("SELECT count(*) FROM article_sources").scalar_one() == 80 + 2 * 40
    finally:
        store.close()


def test_three_senders_share_one_edition_of_300_without_overlap(
        make_config: ConfigMaker, smtp_server: SmtpServer, pg_url: str) -> None:  # noqa: F811
    recipients = [f"reader{i:03d}@example.org" for i in range(300)]
    config = make_config(store={"url": pg_url}, email={"recipients": recipients},
                         smtp={"host": "127.0.0.1", "port": smtp_server.port, "timeout": 10})
    senders = [subprocess.Popen(briefing_command(config, "send"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    outputs = [sender.communicate(timeout=180) for sender in senders]
    assert [s.returncode for s in senders] == [0, 0, 0], outputs
    addressees = smtp_server.handler.addressees()
    assert len(addressees) == 300 and sorted(set(addressees)) == recipients
    store = store_of(load_settings(config, env={}))
    try:
        (edition,) = store.editions()
        assert edition.status == "sent"
        assert set(store.delivery_status(edition.key).values()) == {"sent"}
    finally:
        store.close()
    busy = [int(m.group(1)) for out, _ in outputs if (m := re.search(r"\((\d+) sent", out))]
    assert sum(busy) == 300 and sum(1 for n in busy if n > 0) >= 2, outputs  # shared, not one after another


class Scheduler:
    """A ``briefing schedule`` child whose stderr is collected as it comes."""

    def __init__(self, config: Path, *args: str) -> None:
        self.process = subprocess.Popen(briefing_command(config, "-v", "schedule", *args), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in "".join(self.lines):
            assert self.process.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, f"no {text!r} in:\n{''.join(self.lines)}"
            time.sleep(0.05)


def test_killing_the_active_scheduler_hands_over_and_the_edition_goes_out_once(
        make_config: ConfigMaker, smtp_server: SmtpServer, pg_url: str) -> None:  # noqa: F811
    recipients = [f"reader{i:02d}@example.org" for i in range(20)]
    sections = past_this_week(datetime.now(UTC))
    sections["schedule"]["standby_seconds"] = 1  # type: ignore[assignment]
    config = make_config(store={"url": pg_url}, email={"recipients": recipients},
                         smtp={"host": "127.0.0.1", "port": smtp_server.port, "timeout": 10}, **sections)
    standing_by = threading.Event()
    schedulers: list[Scheduler] = []

    def kill_the_active_one(accepted: int) -> str | None:
        """Mid-send (5 of 20 accepted), once the standby waits: SIGKILL the active scheduler."""
        if accepted == 5 and schedulers[0].process.poll() is None:
            standing_by.wait(60)
            os.kill(schedulers[0].process.pid, signal.SIGKILL)
            schedulers[0].process.wait(timeout=30)
            return "451 4.3.0 try again later"
        return None

    smtp_server.handler.on_mail = kill_the_active_one  # type: ignore[assignment]
    active = Scheduler(config)
    schedulers.append(active)
    active.wait_for("scheduler running")
    standby = Scheduler(config, "--standby")
    standby.wait_for("standing by")
    standing_by.set()
    try:
        standby.wait_for("taking over as the active scheduler", timeout=90)
        deadline = time.monotonic() + 90
        while len(smtp_server.handler.received) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # time enough for a second copy, were one coming
    finally:
        standby.process.send_signal(signal.SIGTERM)
        standby.process.wait(timeout=60)
    assert active.process.returncode == -signal.SIGKILL
    assert sorted(smtp_server.handler.addressees()) == recipients  # each exactly once
