"""The whole pipeline on the seeds: a dry run and the CLI's machine-readable outputs."""

from __future__ import annotations

import email
import json
import socket
import subprocess
import sys
from email import policy
from pathlib import Path

import feedparser
import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.settings import Settings, load_settings
from tests.conftest import ConfigMaker, store_rows


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any attempt to open a network connection fails the test."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def rows(db: Path, table: str) -> int:
    return int(store_rows(db, f"SELECT count(*) FROM {table}")[0][0])


def test_dry_run_writes_the_eml_and_site_and_changes_nothing(
    settings: Settings, clock: FixedClock, no_network: list[object]
) -> None:
    report = pipeline.send(settings, dry_run=True, clock=clock)
    assert no_network == []
    assert (report.edition, report.stories, report.articles, report.recipients) == ("2026-W47", 1, 5, 1)
    assert report.count("written") == 1 and report.dry_run
    # The store exists (opened, migrated) but holds nothing: no articles, editions or deliveries.
    for table in ("articles", "editions", "deliveries", "edition_articles"):
        assert rows(settings.store.path, table) == 0
    out = settings.output.dir
    for name in ("index.html", "feed.xml", "atom.xml", "2026-W47/index.html", "2026-W47/email.html", "2026-W47/email.txt"):
        assert (out / name).is_file(), name
    eml = out / "outbox" / "2026-W47" / "reader@example.org.eml"
    assert report.outbox == eml.parent
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "reader@example.org" and message["Message-ID"] and message["Date"]
    assert "Highlights" in message.get_body(("html",)).get_content()


def test_dry_run_twice_gives_the_same_outbox(settings: Settings, clock: FixedClock) -> None:
    pipeline.send(settings, dry_run=True, clock=clock)
    eml = settings.output.dir / "outbox" / "2026-W47" / "reader@example.org.eml"
    first = eml.read_bytes()
    pipeline.send(settings, dry_run=True, clock=clock)
    assert eml.read_bytes() == first


def test_feed_parses(settings: Settings, clock: FixedClock) -> None:
    pipeline.send(settings, dry_run=True, clock=clock)
    parsed = feedparser.parse((settings.output.dir / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    assert parsed.version == "rss20"
    assert [e.link for e in parsed.entries] == ["https://briefing.example.org/2026-W47/"]


def test_empty_edition_is_not_sent(make_config: ConfigMaker, tmp_path: Path, clock: FixedClock) -> None:
    (tmp_path / "empty").mkdir()
    settings = load_settings(make_config(sources={"folders": ["empty"]}), env={})
    report = pipeline.send(settings, dry_run=True, clock=clock)
    assert report.recipients == 0
    assert "no new articles" in report.skipped_reason


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_build_json_and_status_json(make_config: ConfigMaker) -> None:
    config = make_config()
    built = cli(config, "build", "--json")
    assert built.returncode == 0, built.stderr
    data = json.loads(built.stdout)
    assert data["edition"].startswith("20") and "-W" in data["edition"]
    (story,) = data["stories"]
    assert {"title", "highlights", "implications", "questions", "articles"} <= set(story)
    assert {"text", "sources", "quotes", "links"} == set(story["highlights"][0])
    assert {"id", "title", "url", "source"} <= set(story["articles"][0])
    status = cli(config, "status", "--json")
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    assert state["articles"] == 5 and state["quarantined"] == 0
    assert {"name", "url", "last_error"} <= set(state["sources"][0])
    assert state["editions"] == []


def test_cli_dry_run_report(make_config: ConfigMaker) -> None:
    run = cli(make_config(), "send", "--dry-run")
    assert run.returncode == 0, run.stderr
    for label in ("DRY RUN", "edition:", "stories:     1", "articles:    5", "recipients:  1", "email size:", "outbox:"):
        assert label in run.stdout


@pytest.mark.parametrize("command", ["ingest", "build", "send", "status"])
def test_every_command_has_help(command: str) -> None:
    run = subprocess.run([sys.executable, "-m", "briefing", command, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Usage:" in run.stdout
