"""Exclusive locks on files beside the store: one sender and one scheduler at a time.

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

from briefing.errors import StoreError


def lock_path(store: Path, role: str) -> Path:
    """``var/briefing.db`` -> ``var/briefing.<role>.lock``."""
    return store.with_name(f"{store.stem}.{role}.lock")


@contextmanager
def hold(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at ``path`` or raise ``StoreError`` naming the process that has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise StoreError(f"{what} is already running against this store (pid {holder}, lock {path}); "
                             "only one may run at a time: stop the other one first") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
