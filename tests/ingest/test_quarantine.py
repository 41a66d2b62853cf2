"""Every quarantine reason: a clear reason, one log line, listed by status, exit code 3, nothing else lost."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.settings import Settings, load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker
from tests.ingest.conftest import FeedServer

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(64)
GOOD = "Rare earth prices rose again this week as exporters cut quotas.\n\nAnalysts expect more.\n"

# file name, bytes, what the reason must say
BAD_FILES = [
    ("empty.txt", b"", "empty file"),
    ("picture.txt", PNG, "binary file, not text"),
    ("huge.txt", b"word " * 400, "over the 1000-byte cap (sources.max_file_bytes)"),
    ("broken-bom.txt", b"\xef\xbb\xbfGood start \xff\xfe\xfa then garbage", "undecodable text: invalid utf-8-sig"),
    ("odd-utf16.txt", b"\xff\xfe" + "Hello".encode("utf-16-le") + b"\x00", "undecodable text: invalid utf-16"),
    ("not-json.json", b'{"title": "x", ', "invalid JSON"),
    ("wrong-shape.json", json.dumps({"title": 5, "text": ["a"]}).encode(), "must be strings"),
    ("no-text.json", json.dumps({"title": "Only a title"}).encode(), "neither text nor html"),
    ("scalar.json", b"42", "JSON article must be an object"),
    ("bad-item.json", json.dumps([{"title": "ok", "text": GOOD}, "oops"]).encode(), "item 1: JSON article must be"),
    ("nav-only.html", (b"<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
                       b"<script>track()</script></body></html>"), "no article text"),
    ("blank.md", b"\n\n   \n", "no article text"),
]


def folder_settings(make_config: ConfigMaker, tmp_path: Path, **sources: object) -> Settings:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return load_settings(make_config(sources={"folders": ["inbox"], "max_file_bytes": 1000, **sources}), env={})


@pytest.mark.parametrize("name,data,reason", BAD_FILES, ids=[item[0] for item in BAD_FILES])
def test_each_bad_file_is_quarantined_with_its_reason_and_the_pass_goes_on(
        name: str, data: bytes, reason: str, make_config: ConfigMaker, tmp_path: Path,
        clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    settings = folder_settings(make_config, tmp_path)
    inbox = settings.sources.folders[0]
    (inbox / "good.txt").write_text(GOOD, encoding="utf-8")
    (inbox / name).write_bytes(data)
    store = Store.open(settings.store.path)
    with caplog.at_level(logging.INFO):
        report = collect(settings, store, clock)
    assert report.added == 1  # the good file next to it
    (item,) = report.quarantined
    assert item.origin == str(inbox / name) and reason in item.reason
    (entry,) = store.quarantined()
    assert (entry.origin, entry.source, entry.reason) == (str(inbox / name), "inbox", item.reason)
    named = [r for r in caplog.records if str(inbox / name) in r.getMessage() and r.levelno >= logging.WARNING]
    assert len(named) == 1 and "quarantined" in named[0].getMessage()
    assert (inbox / name).read_bytes() == data  # the file itself is left as it was
    store.close()


def test_a_quarantined_file_is_not_read_again_until_it_changes(
        make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    settings = folder_settings(make_config, tmp_path)
    broken = settings.sources.folders[0] / "later.txt"
    broken.write_bytes(b"")
    store = Store.open(settings.store.path)
    assert len(collect(settings, store, clock).quarantined) == 1
    again = collect(settings, store, clock)
    assert again.quarantined == () and again.unchanged == 1
    broken.write_text(GOOD, encoding="utf-8")
    fixed = collect(settings, store, clock)
    assert fixed.added == 1 and store.quarantined() == []
    store.close()


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_exit_code_says_whether_anything_was_quarantined_and_status_lists_it(
        make_config: ConfigMaker, tmp_path: Path, feed_server: FeedServer) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data, _ in BAD_FILES:
        (inbox / name).write_bytes(data)
    not_a_feed = feed_server.file("/page", b"<html><body><p>A web page</p></body></html>", content_type="text/html")
    config = make_config(sources={"folders": ["inbox"], "max_file_bytes": 1000,
                                  "feeds": [{"url": not_a_feed, "name": "page"}]})
    run = run_cli(config, "ingest")
    assert run.returncode == 3, run.stderr
    assert "quarantined 13" in run.stdout
    status = json.loads(run_cli(config, "status", "--json").stdout)
    assert status["quarantined"] == 13
    assert {q["origin"] for q in status["quarantine"]} == {str(inbox / n) for n, _, _ in BAD_FILES} | {not_a_feed}
    page = next(s for s in status["sources"] if s["name"] == "page")
    assert page["last_error"].startswith("not an RSS or Atom feed") and {"name", "url", "last_error"} <= set(page)
    text = run_cli(config, "status").stdout
    assert f"quarantined {inbox / 'empty.txt'}: empty file" in text
    assert f"source page [feed] {not_a_feed}: failing (1x, last " in text
    # Nothing new is quarantined on the next run: exit 0, the list stays.
    clean = run_cli(config, "ingest")
    assert clean.returncode == 3  # the feed is still not a feed
    inbox_only = make_config(sources={"folders": ["inbox"], "max_file_bytes": 1000, "feeds": []})
    assert run_cli(inbox_only, "ingest").returncode == 0
    assert json.loads(run_cli(inbox_only, "status", "--json").stdout)["quarantined"] == 13


def test_cli_ingest_draws_no_progress_when_stderr_is_not_a_terminal(make_config: ConfigMaker) -> None:
    run = run_cli(make_config(), "ingest")
    assert run.returncode == 0
    assert run.stderr == ""
    assert run.stdout.startswith("added 5,")


def test_cli_ingest_draws_progress_on_a_terminal(make_config: ConfigMaker) -> None:
    import os
    import pty

    config = make_config()
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "briefing", "--config", str(config), "ingest"],
                               stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0
    assert b"reading files" in drawn and b"5/5" in drawn


def test_collect_reports_progress_to_a_callback(settings: Settings, clock: FixedClock) -> None:
    calls: list[tuple[str, int, int]] = []
    store = Store.open(settings.store.path)
    collect(settings, store, clock, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [("files", n, 5) for n in range(1, 6)]
    store.close()

