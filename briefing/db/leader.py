"""One active ``briefing schedule`` per store, and standbys that take over when it dies.

SQLite: the file lock beside the store (``briefing.db.locks``), held by the
open file and released by the kernel when the process dies. PostgreSQL: a
session advisory lock (``pg_try_advisory_lock``) keyed by the store's schema,
held by one dedicated connection and released by the server when that
connection ends, so a scheduler on another machine can take over. Without
``--standby`` a second scheduler exits at once naming the holder's pid (as
before); with it, it retries every ``schedule.standby_seconds`` (15 by default:
a takeover within a minute) until it holds the lock or is stopped.

The active scheduler checks its PostgreSQL lock connection every few seconds:
a connection lost means the lock may be someone else's now, so it stops.
Sending once is still the ledger's business (``briefing.deliver.ledger``): a
standby taking over mid-send mails only those not yet sent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from briefing.db.engine import connect, display, is_postgresql, store_url
from briefing.db.locks import hold, lock_for
from briefing.errors import AlreadyRunning, StoreError
from briefing.settings import Settings

log = logging.getLogger(__name__)

LOCK_CLASS = 0x62726566  # "bref": the advisory lock's first key; the second is the schema's hash
WHAT = "another `briefing schedule`"
Alive = Callable[[], bool]


@contextmanager
def scheduler_lock(settings: Settings, stop: threading.Event, *, standby: bool) -> Iterator[Alive | None]:
    """Hold the scheduler lock; yield a liveness check, or None if stopped while standing by."""
    url = store_url(settings.store.url, settings.store.path)
    take = _advisory(settings) if is_postgresql(url) else _file(settings)
    said = False
    with ExitStack() as stack:
        while True:
            try:
                alive = take(stack)
                break
            except StoreError as exc:
                if not standby:
                    raise
                if not said:
                    log.info("standing by: %s; retrying every %d s", exc, settings.schedule.standby_seconds)
                    said = True
                if stop.wait(settings.schedule.standby_seconds):
                    yield None
                    return
        if said:
            log.warning("taking over as the active scheduler")
        yield alive


def _file(settings: Settings) -> Callable[[ExitStack], Alive]:
    def take(stack: ExitStack) -> Alive:
        stack.enter_context(hold(lock_for(settings.store, "schedule"), WHAT))
        return lambda: True

    return take


def _advisory(settings: Settings) -> Callable[[ExitStack], Alive]:
    url = store_url(settings.store.url, settings.store.path)

    def take(stack: ExitStack) -> Alive:
        engine, connection = connect(url, "cannot connect for the scheduler lock")
        try:
            _try_lock(connection, url_text=display(url))
        except BaseException:
            connection.close()
            engine.dispose()
            raise
        stack.callback(engine.dispose)
        stack.callback(connection.close)
        return _checker(connection)

    return take


def _try_lock(connection: Connection, url_text: str) -> None:
    connection.execute(text("SELECT set_config('application_name', :name, false)"),
                       {"name": f"briefing schedule pid {os.getpid()}"})
    key = {"cls": LOCK_CLASS}
    got = connection.execute(
        text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))"), key).scalar_one()
    if got:
        return
    holder = connection.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.classid = :cls AND l.objid = hashtext(current_schema())::oid"
        " AND l.granted"), key).scalar()
    pid = str(holder or "").rsplit(" ", 1)[-1] or "unknown"
    raise AlreadyRunning(f"{WHAT} is already running against this store (pid {pid}, PostgreSQL advisory lock on "
                     f"{url_text}); only one is active at a time: stop it first, or start this one with --standby")


def _checker(connection: Connection, every: float = 5.0) -> Alive:
    """A cheap check, at most every ``every`` seconds, that the lock's connection still stands."""
    last = [time.monotonic()]

    def alive() -> bool:
        if time.monotonic() - last[0] < every:
            return True
        last[0] = time.monotonic()
        try:
            connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError as exc:
            log.error("the scheduler lock's database connection was lost (%s): stopping", exc)
            return False

    return alive
