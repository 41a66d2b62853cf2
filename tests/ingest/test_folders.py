"""Folders: formats, encodings, incremental passes, crash safety."""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.ingest.folders import BATCH_FILES
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker, bbc_rows

TEXTS = {
    "utf-8": "Grüße aus Köln — “quoted” café. The rare-earth quota was cut by a fifth this week.",
    "cp1252": "The “quick” café — naïve résumé costs €5, said the trader in Orléans on Monday.",
    "latin-1": "Grüße aus Köln: Die Straße ist schön, sagt der Bürgermeister heute Morgen.",
    "cp1251": "Привет, мир! Это тестовый текст на русском языке для проверки кодировки.",
}


def inbox(make_config: ConfigMaker, tmp_path: Path, **sources: object) -> Settings:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return load_settings(make_config(sources={"folders": ["inbox"], **sources}), env={})


def stored_texts(store: Store) -> list[str]:
    return [article.text for article in store.articles(store.unpublished_article_ids())]


@pytest.mark.parametrize("encoding,data", [
    ("utf-8", TEXTS["utf-8"].encode("utf-8")),
    ("utf-8-bom", b"\xef\xbb\xbf" + TEXTS["utf-8"].encode("utf-8")),
    ("utf-16-bom", TEXTS["utf-8"].encode("utf-16")),
    ("utf-16-be-bom", b"\xfe\xff" + TEXTS["utf-8"].encode("utf-16-be")),
    ("cp1252", TEXTS["cp1252"].encode("cp1252")),
    ("latin-1", TEXTS["latin-1"].encode("latin-1")),
    ("cp1251", TEXTS["cp1251"].encode("cp1251")),
])
def test_text_encodings_are_read_correctly(encoding: str, data: bytes, make_config: ConfigMaker, tmp_path: Path,
                                          clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    settings = inbox(make_config, tmp_path)
    (settings.sources.folders[0] / "article.txt").write_bytes(data)
    store = Store.open(settings.store.path)
    with caplog.at_level(logging.INFO):
        assert collect(settings, store, clock).added == 1
    expected = TEXTS.get(encoding, TEXTS["utf-8"])
    assert stored_texts(store) == [expected]
    legacy = encoding in ("cp1252", "latin-1", "cp1251")
    assert any("not UTF-8; read as" in r.getMessage() for r in caplog.records) == legacy  # detected, not silent
    store.close()


def test_every_format(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox(make_config, tmp_path)
    folder = settings.sources.folders[0]
    (folder / "plain.txt").write_text(bbc_rows()[0]["text"], encoding="utf-8")
    lead, rest = bbc_rows()[1]["text"].split("\n\n", 1)
    (folder / "notes.md").write_text(f"# {bbc_rows()[1]['title']}\n\n**Lead:** _{lead}_\n\n{rest}", encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in bbc_rows()[2]["text"].split("\n\n"))
    (folder / "page.html").write_text(
        f"<html><head><title>{bbc_rows()[2]['title']}</title></head><body><nav><a href='/'>Home</a> | "
        f"<a href='/news'>News</a> | <a href='/sport'>Sport</a></nav><article><h1>{bbc_rows()[2]['title']}</h1>"
        f"{paragraphs}</article><div class='comments' id='comments'><h3>Comments</h3><p>First!!! Great "
        f"post, visit my site</p></div><footer>Copyright 2005 BBC | Terms | Privacy</footer></body></html>",
        encoding="utf-8")
    (folder / "one.json").write_text(json.dumps({"title": bbc_rows()[3]["title"], "url": "https://bbc.example/3",
                                                 "published": "2005-02-01T10:00:00", "text": bbc_rows()[3]["text"]}))
    (folder / "many.json").write_text(json.dumps([{"title": r["title"], "html": f"<p>{r['text']}</p>"}
                                                  for r in bbc_rows()[4:7]]))
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "nested.txt").write_text(bbc_rows()[7]["text"], encoding="utf-8")
    (folder / ".hidden.txt").write_text(bbc_rows()[8]["text"], encoding="utf-8")
    store = Store.open(settings.store.path)
    report = collect(settings, store, clock)
    assert (report.added, report.quarantined) == (8, ())
    articles = {a.title: a for a in store.articles(store.unpublished_article_ids())}
    page = articles[bbc_rows()[2]["title"]]
    assert "Home" not in page.text and "First!!!" not in page.text and "Copyright" not in page.text
    assert page.text.count("\n\n") >= len(bbc_rows()[2]["text"].split("\n\n")) - 1  # paragraphs kept
    dated = articles[bbc_rows()[3]["title"]]
    assert dated.url == "https://bbc.example/3" and dated.published is not None and dated.published.tzinfo
    notes = articles[bbc_rows()[1]["title"]].text
    assert "\n\nLead: The dollar has hit" in notes and "**" not in notes and "_" not in notes
    store.close()


def test_unknown_extensions_are_ignored_with_a_debug_line(make_config: ConfigMaker, tmp_path: Path,
                                                          clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    settings = inbox(make_config, tmp_path)
    (settings.sources.folders[0] / "report.pdf").write_bytes(b"%PDF-1.4")
    store = Store.open(settings.store.path)
    with caplog.at_level(logging.DEBUG, logger="briefing"):
        report = collect(settings, store, clock)
    assert (report.added, report.quarantined) == (0, ())
    (line,) = [r for r in caplog.records if "report.pdf" in r.getMessage()]
    assert line.levelno == logging.DEBUG and "not an article file type" in line.getMessage()
    store.close()


def test_an_unchanged_file_is_not_read_again(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox(make_config, tmp_path)
    path = settings.sources.folders[0] / "story.txt"
    path.write_text(bbc_rows()[0]["text"], encoding="utf-8")
    store = Store.open(settings.store.path)
    collect(settings, store, clock)
    # Same size, same mtime, different bytes: only a pass that reads the file could notice.
    stat = path.stat()
    path.write_text(bbc_rows()[0]["text"].replace("T", "X"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = collect(settings, store, clock)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert stored_texts(store) == [bbc_rows()[0]["text"]]
    store.close()


def test_symlink_loops_do_not_hang_the_scan(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox(make_config, tmp_path)
    folder = settings.sources.folders[0]
    (folder / "story.txt").write_text(bbc_rows()[0]["text"], encoding="utf-8")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 1
    store.close()


def test_a_missing_folder_is_recorded_and_the_others_read(make_config: ConfigMaker, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "story.txt").write_text(bbc_rows()[0]["text"], encoding="utf-8")
    settings = load_settings(make_config(sources={"folders": ["gone", "inbox"]}), env={})
    store = Store.open(settings.store.path)
    assert collect(settings, store, clock).added == 1
    gone = store.source("gone")
    assert gone is not None and gone.last_error == "folder does not exist"
    store.close()


@functools.cache
def sentences() -> list[str]:
    """The corpus' sentences longer than 40 characters, sorted."""
    return sorted({s.strip() + "." for row in bbc_rows() for s in row["text"].replace("\n", " ").split(". ")
                   if len(s) > 40})


def write_articles(folder: Path, count: int, suffix: str = ".txt") -> None:
    """``count`` distinct articles: 12 sentences drawn at random from the whole corpus."""
    chooser = random.Random(7)
    for index in range(count):
        picked = chooser.sample(sentences(), 12)
        text = " ".join(picked[:6]) + "\n\n" + " ".join(picked[6:])
        (folder / f"a{index:05d}{suffix}").write_text(text, encoding="utf-8")


def consistent(store: Store) -> None:
    """No half-written article: every file and source row points at a whole article."""
    db = store.database.raw
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM files WHERE article_id != '' AND article_id NOT IN "
                      "(SELECT id FROM articles)").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM article_sources WHERE article_id NOT IN "
                      "(SELECT id FROM articles)").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM articles WHERE id NOT IN "
                      "(SELECT article_id FROM article_sources)").fetchone()[0] == 0


@pytest.mark.sqlite_only
def test_an_interrupted_pass_keeps_whole_batches_and_the_next_pass_reads_the_rest(
        make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = inbox(make_config, tmp_path)
    write_articles(settings.sources.folders[0], 250)

    def interrupt(stage: str, done: int, total: int) -> None:
        if done == BATCH_FILES + 30:
            raise KeyboardInterrupt

    store = Store.open(settings.store.path)
    with pytest.raises(KeyboardInterrupt):
        collect(settings, store, clock, progress=interrupt)
    assert store.article_count() == BATCH_FILES  # the batch in flight was rolled back whole
    consistent(store)
    report = collect(settings, store, clock)
    assert (report.added, report.unchanged) == (250 - BATCH_FILES, BATCH_FILES)
    consistent(store)
    store.close()


@pytest.mark.sqlite_only
def test_a_killed_ingest_loses_nothing_stored_and_the_next_pass_finishes(make_config: ConfigMaker,
                                                                         tmp_path: Path) -> None:
    settings = inbox(make_config, tmp_path)
    write_articles(settings.sources.folders[0], 600, suffix=".html")
    command = [sys.executable, "-m", "briefing", "--config", str(settings.file), "ingest"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = sqlite3.connect(settings.store.path, timeout=30) if _wait_for(settings.store.path) else None
    assert watcher is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(watcher) < BATCH_FILES:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    watcher.close()
    store = Store.open(settings.store.path)
    stored = store.article_count()
    assert BATCH_FILES <= stored < 600 and stored % BATCH_FILES == 0
    consistent(store)
    store.close()
    finish = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert finish.returncode == 0, finish.stderr
    assert finish.stdout.startswith(f"added {600 - stored}, unchanged {stored},")
    store = Store.open(settings.store.path)
    assert store.article_count() == 600
    consistent(store)
    store.close()


def _wait_for(path: Path) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.01)
    return False


def _count(db: sqlite3.Connection) -> int:
    try:
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0
