"""One incremental pass over the configured folders.

The scan is cheap on purpose: one ``os.scandir`` walk and one query for the
remembered (size, mtime) of every file, so a pass over 10,000 unchanged
files costs about what ``os.walk`` plus ``stat`` costs (see
``bench/ingest.py``). Only new or changed files are read.

Crash safety: files are written ``BATCH_FILES`` at a time, each batch in one
transaction together with the files' remembered (size, mtime). A crash or
kill loses at most the batch in flight, which was never remembered either,
so the next pass reads those files again; no article is ever half-written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.clock import Clock
from briefing.errors import QuarantineError
from briefing.ingest import neardup
from briefing.ingest.files import SUFFIXES, read_documents
from briefing.ingest.record import Progress, Tally, record_all
from briefing.models import Document, IngestReport, Quarantined
from briefing.settings import Settings
from briefing.store import Store

log = logging.getLogger(__name__)
# Files per transaction: large enough that a cold ingest is not bound by
# commits (fsync), small enough that a crash costs little re-reading.
BATCH_FILES = 100


@dataclass(frozen=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    source: str
    refusal: str = ""  # why the file may not be read (a link out of the folder ...), else ""


def ingest_folders(settings: Settings, store: Store, clock: Clock, *, progress: Progress | None = None) -> IngestReport:
    """Read every new or changed article file of every configured folder."""
    tally = Tally()
    changed = list(_changed_files(settings, store, clock, tally))
    quarantined = store.quarantined_origins() if changed else set()
    neardup.expect(len(changed))  # a cold folder of thousands: MinHash by numpy from the first batch
    for start in range(0, len(changed), BATCH_FILES):
        batch = changed[start : start + BATCH_FILES]
        with store.transaction():
            _ingest_batch(settings, store, clock, batch, quarantined, tally)
            if progress is not None:  # inside: an interrupt from the progress bar rolls back the batch
                for done in range(start + 1, start + len(batch) + 1):
                    progress("files", done, len(changed))
    with store.transaction():
        for folder in settings.sources.folders:
            if folder.is_dir():
                store.source_ok(folder_name(folder, settings.sources.folders), clock.now())
    return tally.report()


def folder_name(folder: Path, folders: Sequence[Path] = ()) -> str:
    """The folder's name; when another of ``folders`` has the same name, with as many
    parent folders as tell them apart ("a/seeds", "b/seeds"): two folders, two sources."""
    name = folder.name or str(folder)
    others = [f for f in folders if f != folder and (f.name or str(f)) == name]
    depth = 1
    while others and depth < len(folder.parts):
        depth += 1
        name = "/".join(folder.parts[-depth:])
        others = [f for f in others if "/".join(f.parts[-depth:]) == name]
    return name


def _changed_files(settings: Settings, store: Store, clock: Clock, tally: Tally) -> Iterator[FileState]:
    known = store.file_states()
    for folder in settings.sources.folders:
        source = folder_name(folder, settings.sources.folders)
        store.ensure_source(source, "folder", str(folder))
        if not folder.is_dir():
            log.warning("folder %s does not exist; check sources.folders in %s", folder, settings.file)
            store.source_failed(source, "folder does not exist", clock.now())
            continue
        for path, size, mtime_ns, refusal in sorted(entries(folder)):
            if known.get(path) == (size, mtime_ns):
                tally.unchanged += 1
            else:
                yield FileState(path, size, mtime_ns, source, refusal)


def scan(folder: Path) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every article file under ``folder`` that may be read."""
    for path, size, mtime_ns, refusal in entries(folder):
        if not refusal:
            yield path, size, mtime_ns


def entries(folder: Path) -> Iterator[tuple[str, int, int, str]]:
    """(path, size, mtime_ns, refusal) of every article file under ``folder``; hidden names skipped.

    Only regular files inside the folder are read. A symlink is fine while it
    points inside the folder (a symlinked sub-folder is visited once: no
    cycles); one that points outside it (``/etc/passwd``), is broken, or is not
    a regular file (a FIFO, a device) comes with a ``refusal``, and its own
    (lstat) size and mtime, so it is quarantined once and reported, not read.
    """
    root = os.path.realpath(folder)
    pending, seen = [str(folder)], {root}
    while pending:
        try:
            listed = list(os.scandir(pending.pop()))
        except OSError as exc:
            log.warning("cannot list %s: %s", exc.filename, exc.strerror)
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            try:
                yield from _entry(entry, root, seen, pending)
            except OSError as exc:  # vanished or unreadable between listing and stat
                log.debug("skipping %s: %s", entry.path, exc.strerror)


def _entry(entry: os.DirEntry[str], root: str, seen: set[str], pending: list[str]) -> Iterator[tuple[str, int, int, str]]:
    article = os.path.splitext(entry.name)[1].lower() in SUFFIXES
    refusal = ""
    if entry.is_symlink():
        real = os.path.realpath(entry.path)
        if not os.path.exists(real):
            refusal = f"a broken symbolic link (to {os.readlink(entry.path)})"
        elif os.path.commonpath([root, real]) != root:
            refusal = f"a symbolic link to {real}, outside the folder: not read (link to files inside it instead)"
    if not refusal and entry.is_dir():
        if not entry.is_symlink() or _first_visit(entry.path, seen):
            pending.append(entry.path)
        return
    if not article and not (refusal and entry.is_dir()):  # a linked-out folder is reported too
        log.debug("ignoring %s: not an article file type (%s)", entry.path, ", ".join(sorted(SUFFIXES)))
        return
    if not refusal and not entry.is_file():
        refusal = "not a regular file (a FIFO, socket or device): not read"
    stat = entry.stat(follow_symlinks=not refusal)
    yield entry.path, stat.st_size, stat.st_mtime_ns, refusal


def _first_visit(path: str, seen: set[str]) -> bool:
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True


def _ingest_batch(settings: Settings, store: Store, clock: Clock, batch: list[FileState], quarantined: set[str],
                  tally: Tally) -> None:
    """Read a batch of files into the store, or quarantine them; the caller holds the transaction.

    ``record_all`` stores the documents of all of them in a few statements; the files'
    (size, mtime) are remembered in one, and only files that were quarantined are released.
    """
    readable: list[tuple[FileState, list[Document]]] = []
    remembered: list[tuple[str, int, int, str]] = []
    for state in batch:
        try:
            if state.refusal:
                raise QuarantineError(state.path, state.refusal)
            readable.append((state, read_documents(Path(state.path), state.source, settings.sources.max_file_bytes)))
        except QuarantineError as exc:
            log.warning("quarantined %s: %s", exc.origin, exc.reason)
            store.quarantine(exc.origin, state.source, exc.reason, clock.now())
            remembered.append((state.path, state.size, state.mtime_ns, ""))
            tally.quarantined.append(Quarantined(exc.origin, exc.reason))
    recorded = iter(record_all(store, [d for _, documents in readable for d in documents], clock.now))
    for state, documents in readable:
        first = ""
        for _ in documents:
            outcome = next(recorded)
            tally.count(outcome)
            first = first or outcome.article_id
        remembered.append((state.path, state.size, state.mtime_ns, first))
    store.release_all([state.path for state, _ in readable if state.path in quarantined])
    store.remember_files(remembered)
