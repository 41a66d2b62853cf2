"""Exclusive locks on files beside the store: one sender and one scheduler at a time.

The lock is beside the database file actually opened (``database_file``),
however the settings name it.

Two processes sending the same edition at once would both see a recipient as
not yet served and both mail them, so the ledger's exactly-once needs a single
writer. ``fcntl.flock`` is held by the open file, released by the kernel when
the process dies (even by SIGKILL): a crash never leaves a stale lock behind,
so the file is never deleted (deleting it would race a process opening it).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.db.engine import sqlite_file, store_url
from briefing.errors import AlreadyRunning

if TYPE_CHECKING:
    from briefing.settings import StoreSettings


def lock_path(store: Path, role: str) -> Path:
    """``var/briefing.db`` -> ``var/briefing.<role>.lock``."""
    return store.with_name(f"{store.stem}.{role}.lock")


def database_file(store: StoreSettings) -> Path:
    """The SQLite file the settings actually open, symlinks resolved.

    ``store.url = "sqlite:///.../var/b.db"`` and ``store.path = "var/b.db"`` (or
    a path through a symlinked folder) are one database: its locks must be one
    lock, so they are named after this file, never after ``store.path`` as
    written. (PostgreSQL has no file: its scheduler lock is an advisory lock on
    the server, ``briefing.db.leader``; its senders share by row claims.)
    """
    file = sqlite_file(store_url(store.url, store.path))
    return (file or store.path).resolve()


def lock_for(store: StoreSettings, role: str) -> Path:
    """The lock file of ``role`` ("send", "schedule") for the database ``store`` opens."""
    return lock_path(database_file(store), role)


@contextmanager
def hold(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at ``path`` or raise ``AlreadyRunning`` naming the process that has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AlreadyRunning(f"{what} is already running against this store (pid {holder}, lock {path}); "
                             "only one may run at a time: stop the other one first") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
