"""`briefing serve`: output.dir on 127.0.0.1, files only, nothing outside it."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import feedparser
import pytest

from briefing.errors import RenderError
from briefing.render.preview import PreviewServer, make_server
from tests.render.conftest import SeedsSite


@pytest.fixture
def served(seeds_site: SeedsSite) -> Iterator[PreviewServer]:
    server = make_server(seeds_site.out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def status(url: str, method: str = "GET") -> int:
    try:
        with urlopen(Request(url, method=method), timeout=5) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def raw_status(server: PreviewServer, path: str) -> int:
    """GET ``path`` exactly as given (urllib would normalise the dots away)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_listens_on_loopback_only(served: PreviewServer) -> None:
    assert served.server_address[0] == "127.0.0.1"


def test_serves_the_archive_and_the_feeds(served: PreviewServer) -> None:
    with urlopen(served.url, timeout=5) as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"2026-W47/index.html" in response.read()
    with urlopen(f"{served.url}feed.xml", timeout=5) as response:
        parsed = feedparser.parse(response.read())
    assert parsed.bozo == 0 and parsed.entries
    assert status(f"{served.url}2026-W47/") == 200  # a folder answers with its index.html


def test_refuses_listings_escapes_and_writes(served: PreviewServer, seeds_site: SeedsSite) -> None:
    (seeds_site.out.parent / "secret.txt").write_text("secret", "utf-8")
    assert status(f"{served.url}articles/") == 404  # no index.html there: no listing either
    assert raw_status(served, "/../secret.txt") == 404
    assert raw_status(served, "/%2e%2e/secret.txt") == 404
    assert raw_status(served, "/..%2fsecret.txt") == 404
    assert status(f"{served.url}index.html", method="POST") == 501


def test_a_symlink_out_of_the_folder_is_not_followed(seeds_site: SeedsSite, tmp_path: Path) -> None:
    (tmp_path / "private.txt").write_text("private", "utf-8")
    link = seeds_site.out / "leak.txt"
    os.symlink(tmp_path / "private.txt", link)
    server = make_server(seeds_site.out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert status(f"{server.url}leak.txt") == 404
    finally:
        server.shutdown()
        server.server_close()
        link.unlink()


def test_a_missing_folder_is_an_error_not_an_empty_site(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="briefing build"):
        make_server(tmp_path / "nothing", 0)


def test_the_command_serves_until_stopped(seeds_site: SeedsSite) -> None:
    command = [sys.executable, "-m", "briefing", "--config", str(seeds_site.settings.file), "serve", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert match, line + (process.stderr.read() if process.poll() is not None and process.stderr else "")
        assert status(match.group(1) + "2026-W47/index.html") == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
