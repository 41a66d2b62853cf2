"""``briefing watch``: ingest new or changed files within seconds, poll feeds on a timer.

A watchdog observer (inotify on Linux, the platform's native API elsewhere)
wakes the loop when anything changes under a configured folder; the loop
waits ``DEBOUNCE_SECONDS`` for writes to settle and runs one incremental
folder pass, which reads only new or changed files and is cheap enough to
run on every event. Where the native observer cannot start (no inotify,
watch limit reached) or ``polling`` is asked for (network file systems),
watchdog's polling observer stands in. A full pass also runs every
``RESCAN_SECONDS`` without events, catching anything an observer missed.
Feeds are polled at start and then every ``sources.poll_minutes``.

The loop ends, between two passes, when ``stop`` is set (the CLI sets it on
SIGINT and SIGTERM); a pass in progress finishes its transaction first.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy.exc
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from briefing.clock import Clock
from briefing.ingest import collect_feeds, collect_folders, make_fetcher
from briefing.ingest.feeds import Fetcher
from briefing.ingest.fulltext import Keep, keep_everything
from briefing.models import IngestReport
from briefing.settings import Settings
from briefing.store import Store

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.5
RESCAN_SECONDS = 300.0
POLLING_INTERVAL_SECONDS = 1.0
_TICK = 0.25  # how often a wait looks at ``stop``


class _Wake(FileSystemEventHandler):
    """Sets ``wake`` on any change under a watched folder (hidden names ignored)."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = (event.src_path, getattr(event, "dest_path", "") or "")
        if any(path and not _hidden(str(path)) for path in paths):
            self.wake.set()


def _hidden(path: str) -> bool:
    return Path(path).name.startswith(".")


def start_observer(folders: tuple[Path, ...], wake: threading.Event, *, polling: bool = False) -> BaseObserver:
    """A started observer over the existing ``folders``: native, else polling."""
    existing = [folder for folder in folders if folder.is_dir()]
    if not polling:
        try:
            return _started(Observer(), existing, wake)
        except OSError as exc:
            log.warning("cannot watch folders natively (%s); polling them every %g s instead",
                        exc, POLLING_INTERVAL_SECONDS)
    return _started(PollingObserver(timeout=POLLING_INTERVAL_SECONDS), existing, wake)


def _started(observer: BaseObserver, folders: list[Path], wake: threading.Event) -> BaseObserver:
    handler = _Wake(wake)
    for folder in folders:
        observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    return observer


def watch(settings: Settings, store: Store, clock: Clock, stop: threading.Event, *,
          fetcher: Fetcher | None = None, polling: bool = False,
          on_pass: Callable[[str, IngestReport], None] | None = None, keep: Keep = keep_everything) -> None:
    """Run until ``stop`` is set: folder passes on change, feed passes on the timer.

    ``keep`` says which teaser entries earn a full-text fetch (``briefing.topic.full_text_keeper``).
    """
    wake = threading.Event()
    observer = start_observer(settings.sources.folders, wake, polling=polling)
    active = fetcher if fetcher is not None or not settings.sources.feeds else make_fetcher(settings)
    log.info("watching %s; feeds polled every %d min", ", ".join(map(str, settings.sources.folders)) or "no folder",
             settings.sources.poll_minutes)
    try:
        _loop(settings, store, clock, stop, wake, active, on_pass or (lambda kind, report: None), keep)
    finally:
        observer.stop()
        observer.join(timeout=5)
        if active is not None and fetcher is None:
            active.close()


def _loop(settings: Settings, store: Store, clock: Clock, stop: threading.Event, wake: threading.Event,
          fetcher: Fetcher | None, on_pass: Callable[[str, IngestReport], None], keep: Keep) -> None:
    next_rescan = next_poll = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if wake.is_set() or now >= next_rescan:
            wake.clear()
            _pass("folders", on_pass, lambda: collect_folders(settings, store, clock))
            next_rescan = time.monotonic() + RESCAN_SECONDS
        if fetcher is not None and now >= next_poll:
            _pass("feeds", on_pass, lambda: collect_feeds(settings, store, clock, fetcher, keep=keep))
            next_poll = time.monotonic() + settings.sources.poll_minutes * 60
        due = min(next_rescan, next_poll if fetcher is not None else next_rescan)
        if _wait(stop, wake, due - time.monotonic()):
            stop.wait(DEBOUNCE_SECONDS)  # let a writer finish the file


def _pass(kind: str, on_pass: Callable[[str, IngestReport], None], run: Callable[[], IngestReport]) -> None:
    try:
        report = run()
    except (sqlite3.OperationalError, sqlalchemy.exc.OperationalError) as exc:  # e.g. the store stayed locked
        log.warning("%s pass failed (%s); retrying on the next change or timer", kind, exc)
        return
    on_pass(kind, report)


def _wait(stop: threading.Event, wake: threading.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for a change; False when the time ran out or ``stop`` was set."""
    deadline = time.monotonic() + max(0.0, seconds)
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if wake.wait(min(_TICK, remaining)):
            return True
    return False
