"""The watcher: new files picked up while it runs, feeds polled, a clean stop on signals."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.ingest.watch import watch
from briefing.models import IngestReport
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.ingest.conftest import FeedServer, feeds_dir

STORY = ("Lynas said on Tuesday that its new separation plant in Texas will start production next year, "
         "a step that would give the United States its first domestic source of heavy rare earths. "
         "The company expects output of about 5,000 tonnes a year once the plant runs at full capacity.")


@contextmanager
def running_watcher(settings: Settings, clock: FixedClock, *, polling: bool) -> Iterator[queue.Queue[tuple[str, IngestReport]]]:
    passes: queue.Queue[tuple[str, IngestReport]] = queue.Queue()
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        store = Store.open(settings.store.path)  # SQLite connections stay in their thread
        try:
            watch(settings, store, clock, stop, polling=polling, on_pass=lambda kind, r: passes.put((kind, r)))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failure.append(exc)
        finally:
            store.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield passes
    finally:
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the watcher did not stop within 5 s"
        assert failure == []


def next_pass(passes: queue.Queue[tuple[str, IngestReport]], kind: str, until: Callable[[IngestReport], bool],
              timeout: float = 10) -> float:
    """Seconds until a pass of ``kind`` satisfying ``until`` was reported."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        try:
            seen, report = passes.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if seen == kind and until(report):
            return time.monotonic() - started
    raise AssertionError(f"no {kind} pass matching within {timeout} s")


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_the_watcher_picks_up_a_new_file_while_running(
        polling: bool, make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    (tmp_path / "inbox").mkdir()
    settings = load_settings(make_config(sources={"folders": ["inbox"]}), env={})
    with running_watcher(settings, clock, polling=polling) as passes:
        next_pass(passes, "folders", lambda r: True)  # the start-up pass
        (tmp_path / "inbox" / "lynas.txt").write_text(STORY, encoding="utf-8")
        assert next_pass(passes, "folders", lambda r: r.added == 1) < 5
        (tmp_path / "inbox" / "lynas.txt").write_text(STORY + "\n\nUpdate: the plant is delayed.", encoding="utf-8")
        assert next_pass(passes, "folders", lambda r: r.updated == 1) < 5
        (tmp_path / "inbox" / "sub").mkdir()
        (tmp_path / "inbox" / "sub" / "empty.txt").write_bytes(b"")
        next_pass(passes, "folders", lambda r: len(r.quarantined) == 1)
    store = Store.open(settings.store.path)
    (article,) = store.articles(store.unpublished_article_ids())
    assert article.text.endswith("the plant is delayed.")
    store.close()


def test_the_watcher_polls_feeds_at_start(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock,
                                          feed_server: FeedServer) -> None:
    (tmp_path / "inbox").mkdir()
    url = feed_server.file("/reddit.rss", (feeds_dir() / "reddit.rss").read_bytes())
    settings = load_settings(make_config(sources={"folders": ["inbox"], "feeds": [url], "poll_minutes": 1}), env={})
    with running_watcher(settings, clock, polling=False) as passes:
        next_pass(passes, "feeds", lambda r: r.added == 24)
    assert len(feed_server.hits("/reddit.rss")) == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_briefing_watch_stops_cleanly_on_a_signal(sig: signal.Signals, make_config: ConfigMaker,
                                                  tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    config = make_config(sources={"folders": ["inbox"]})
    process = subprocess.Popen([sys.executable, "-m", "briefing", "--config", str(config), "watch"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None and process.stdout is not None
        assert "watching 1 folder(s)" in process.stderr.readline()
        # No wait for the observer: it starts before the first folder pass, so a file written now
        # is read either by that pass or on the observer's event.
        (tmp_path / "inbox" / "lynas.txt").write_text(STORY, encoding="utf-8")
        line = _read_line(process.stdout, timeout=10)
        assert "folders: added 1," in line
        process.send_signal(sig)
        started = time.monotonic()
        assert process.wait(timeout=5) == 0
        assert time.monotonic() - started < 3
        assert f"{sig.name} received: stopping" in process.stderr.read()
    finally:
        process.kill()
        process.wait()


def _read_line(stream: object, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()  # type: ignore[attr-defined]
    return lines.get(timeout=timeout)
