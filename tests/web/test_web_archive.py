"""The archive and feeds through the web application, and `briefing serve` as a user runs it.

The same promises the static preview server made (files only, a folder's
index.html, nothing outside output.dir), plus two for a server that may
face the internet: the dry-run outbox and dot-files are never served.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import feedparser
import httpx
import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.settings import load_settings
from tests.conftest import FIXED_NOW, ConfigMaker
from tests.web.conftest import SECRET, Site


@pytest.fixture
def built(site: Site) -> Site:
    """The site with the seeds' edition written under output.dir (and a dry-run outbox)."""
    pipeline.send(site.settings, dry_run=True, clock=FixedClock(FIXED_NOW))
    return site


def raw_status(site: Site, path: str, method: str = "GET") -> int:
    """Send ``path`` exactly as given (clients would normalise the dots away)."""
    connection = http.client.HTTPConnection("127.0.0.1", site.server.socket.getsockname()[1], timeout=5)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_serves_the_archive_and_the_feeds(built: Site) -> None:
    with built.client() as client:
        index = client.get("/")
        assert index.status_code == 200 and index.headers["content-type"] == "text/html; charset=utf-8"
        assert "2026-W47/index.html" in index.text
        feed = client.get("/feed.xml")
        assert feed.headers["content-type"] == "application/xml; charset=utf-8"
        parsed = feedparser.parse(feed.content)
        assert parsed.bozo == 0 and parsed.entries
        assert client.get("/atom.xml").status_code == 200
        assert client.get("/2026-W47/").status_code == 200  # a folder answers with its index.html
        moved = client.get("/2026-W47")
        assert moved.status_code == 301 and moved.headers["location"].endswith("/2026-W47/")
        assert client.head("/2026-W47/index.html").status_code == 200
        assert index.headers["x-content-type-options"] == "nosniff"


def test_refuses_listings_escapes_writes_the_outbox_and_dot_files(built: Site) -> None:
    out = built.settings.output.dir
    (out.parent / "secret.txt").write_text("secret", "utf-8")
    (out / ".env").write_text("BRIEFING_SECRET_KEY=x", "utf-8")
    assert (out / "outbox" / "2026-W47" / "reader@example.org.eml").is_file()
    with built.client() as client:
        assert client.get("/articles/").status_code == 404  # no index.html there: no listing either
        assert client.get("/outbox/2026-W47/reader@example.org.eml").status_code == 404
        assert client.get("/outbox/").status_code == 404
        assert client.get("/.env").status_code == 404
        assert client.post("/index.html").status_code == 405
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/2026-W47/../../secret.txt"):
        assert raw_status(built, path) == 404, path


def test_a_symlink_out_of_the_folder_is_not_followed(built: Site, tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "index.html").write_text("private", "utf-8")
    os.symlink(private / "index.html", built.settings.output.dir / "leak.html")
    os.symlink(private, built.settings.output.dir / "leakdir")
    with built.client() as client:
        assert client.get("/leak.html").status_code == 404
        assert client.get("/leakdir/").status_code == 404


def serve_process(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "briefing", "--config", str(config), "serve", "--port", "0"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_briefing_serve_runs_the_application_until_stopped(make_config: ConfigMaker) -> None:
    config = make_config()
    pipeline.send(load_settings(config, env={}), dry_run=True, clock=FixedClock(FIXED_NOW))
    process = serve_process(config, {**os.environ, "BRIEFING_SECRET_KEY": SECRET})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert match, line
        with httpx.Client(base_url=match.group(1), timeout=5) as client:
            assert client.get("/2026-W47/index.html").status_code == 200
            assert client.get("/subscribe").status_code == 200
            assert client.post("/subscribe", data={"email": "x@"}).status_code == 400
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_briefing_serve_refuses_to_start_without_the_secret(make_config: ConfigMaker) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_SECRET_KEY"}
    process = serve_process(make_config(), env)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2 and stdout == ""
    assert "BRIEFING_SECRET_KEY is not set" in stderr and "secrets.token_urlsafe" in stderr
    short = serve_process(make_config(), {**env, "BRIEFING_SECRET_KEY": "short"})
    assert short.communicate(timeout=30)[1].count("shorter than 16 characters") == 1 and short.returncode == 2


def test_briefing_serve_on_a_taken_port_is_an_error_not_a_usage_error(make_config: ConfigMaker) -> None:
    """``ClickException.exit_code`` is honoured: a busy address exits 1 (2 is for usage and settings)."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "briefing", "--config", str(make_config()), "serve", "--port", str(port)]
        run = subprocess.run(command, capture_output=True, text=True, timeout=60,
                             env={**os.environ, "BRIEFING_SECRET_KEY": SECRET})
    finally:
        taken.close()
    assert run.returncode == 1, run.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in run.stderr and "Traceback" not in run.stderr
