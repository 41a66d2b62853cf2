"""Collect: read the configured folders (and feeds) into the store.

A pass walks every folder, skips files whose (size, mtime) the store has seen,
reads the rest into ``Document`` values, turns each into an ``Article`` (id =
hash of the normalised text, sections split once) and inserts it; the same
text ingested twice is one article. An unreadable item is quarantined with
its reason and the pass goes on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from briefing.clock import Clock
from briefing.errors import QuarantineError
from briefing.ingest.files import SUFFIXES, read_documents
from briefing.models import Article, Document, IngestReport, Quarantined, Sections
from briefing.settings import Settings
from briefing.store import Store
from briefing.summarise.sections import split_sections
from briefing.summarise.sentences import split_sentences

log = logging.getLogger(__name__)
TITLE_MAX_CHARS = 120


def article_id(text: str) -> str:
    """Stable id from the content: case, punctuation and spacing do not matter."""
    normal = " ".join(re.findall(r"\w+", text.casefold()))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


def to_article(document: Document, ingested: datetime) -> Article:
    sections = split_sections(document.text)
    return Article(
        id=article_id(document.text),
        source=document.source,
        title=derive_title(document.title, sections),
        text=document.text,
        url=document.url,
        published=document.published,
        ingested=ingested,
        sections=sections,
    )


def derive_title(given: str, sections: Sections) -> str:
    """The given title, the text's title line, or its first highlight or sentence, shortened."""
    title = given.strip() or sections.title
    if not title:
        lead = sections.highlights or sections.body or sections.implications or ("Untitled",)
        title = (split_sentences(lead[0]) or ["Untitled"])[0]
    return shorten(title.rstrip(".").strip(), TITLE_MAX_CHARS)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a clause or word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in (" — ", "—", ": ", "; ", ", "):
        position = cut.rfind(mark)
        if position >= limit // 2:
            return cut[:position].rstrip(" ,;:—")
    return cut.rsplit(" ", 1)[0].rstrip(" ,;:—") + "…"


def ingest_folders(settings: Settings, store: Store, clock: Clock) -> IngestReport:
    """One pass over every configured folder."""
    added = unchanged = duplicates = 0
    quarantined: list[Quarantined] = []
    for folder in settings.sources.folders:
        source = folder.name or str(folder)
        store.ensure_source(source, "folder", str(folder))
        if not folder.is_dir():
            log.warning("folder %s does not exist; check sources.folders in %s", folder, settings.file)
            store.source_failed(source, "folder does not exist", clock.now())
            continue
        for path in _article_files(folder):
            stat = path.stat()
            if store.file_state(str(path)) == (stat.st_size, stat.st_mtime_ns):
                unchanged += 1
                continue
            try:
                documents = read_documents(path, source, settings.sources.max_file_bytes)
            except QuarantineError as exc:
                log.warning("quarantined %s: %s", exc.origin, exc.reason)
                with store.transaction():
                    store.quarantine(exc.origin, source, exc.reason, clock.now())
                    store.remember_file(str(path), stat.st_size, stat.st_mtime_ns, "")
                quarantined.append(Quarantined(exc.origin, exc.reason))
                continue
            with store.transaction():
                for document in documents:
                    article = to_article(document, clock.now())
                    if store.add_article(article, origin=document.origin, guid=document.guid):
                        added += 1
                    else:
                        duplicates += 1
                store.release(str(path))
                store.remember_file(str(path), stat.st_size, stat.st_mtime_ns, article.id)
        store.source_ok(source, clock.now())
    return IngestReport(added=added, unchanged=unchanged, duplicates=duplicates, quarantined=tuple(quarantined))


def _article_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() in SUFFIXES:
            yield path
        else:
            log.debug("ignoring %s: not an article file type (%s)", path, ", ".join(sorted(SUFFIXES)))


def collect(settings: Settings, store: Store, clock: Clock, *, fetch_feeds: bool = True) -> IngestReport:
    """Folders, then feeds (unless ``fetch_feeds`` is false: the dry run opens no connection)."""
    report = ingest_folders(settings, store, clock)
    if settings.sources.feeds and not fetch_feeds:
        log.info("feeds not fetched (no network in a dry run); stored feed articles are used")
    return report
