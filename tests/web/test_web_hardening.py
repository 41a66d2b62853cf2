"""Issue 13, items 1, 5 and 13, through the real application under uvicorn.

- a sign-up posted by another site's page is refused (cross-site request forgery);
- redirects are built from ``output.site_url``, never from the request's ``Host``;
- archive pages and feeds carry the app's protective headers;
- only the files briefing writes are served, whatever else ``output.dir`` holds;
- an ``output.dir`` that holds the store or the settings, or is a system folder, is refused;
- a look-alike address is refused by the form as by every other way in.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.errors import ConfigError
from briefing.settings import load_settings
from tests.conftest import FIXED_NOW, ConfigMaker
from tests.web.conftest import Site

EVIL = "https://evil.example"


@pytest.fixture
def built(site: Site) -> Site:
    pipeline.send(site.settings, dry_run=True, clock=FixedClock(FIXED_NOW))
    return site


def test_a_sign_up_from_another_sites_page_is_refused(site: Site) -> None:
    own = site.url.rstrip("/")
    with site.client() as client:
        for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": EVIL + "/page.html"},
                        {"Origin": EVIL, "Referer": site.url + "subscribe"}):
            answer = client.post("/subscribe", data={"email": "victim@example.org"}, headers=headers)
            assert answer.status_code == 403, headers
            assert f"{site.url}subscribe" in answer.text
        assert client.post("/subscribe", data={"email": "own@example.org"}, headers={"Origin": own}).status_code == 200
        assert client.post("/subscribe", data={"email": "ref@example.org"},
                           headers={"Referer": site.url + "subscribe"}).status_code == 200
    time.sleep(0.3)  # a confirmation would have gone out after the answer
    assert site.subscriber("victim@example.org") is None and not site.smtp.to("victim@example.org")
    assert site.subscriber("own@example.org") is not None


def test_a_look_alike_address_is_refused_by_the_form(site: Site) -> None:
    with site.client() as client:
        answer = client.post("/subscribe", data={"email": "p\u0430ypal@example.org"})
    assert answer.status_code == 400 and "before the @-sign" in answer.text
    assert site.subscriber("p\u0430ypal@example.org") is None


def test_redirects_come_from_site_url_not_from_host(built: Site) -> None:
    with built.client(Host="evil.example") as client:
        moved = client.get("/2026-W47")
    assert moved.status_code == 301
    assert moved.headers["location"] == f"{built.settings.output.site_url}2026-W47/"


def test_archive_pages_and_feeds_carry_the_protective_headers(built: Site) -> None:
    article = next((built.settings.output.dir / "articles").glob("*.html")).name
    with built.client() as client:
        for path in ("/", "/2026-W47/", "/2026-W47/email.html", f"/articles/{article}", "/feed.xml", "/atom.xml",
                     "/missing.html"):
            answer = client.get(path)
            assert answer.status_code == (404 if path == "/missing.html" else 200), path
            policy = answer.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, path
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["x-frame-options"] == "DENY", path


def test_only_the_files_briefing_writes_are_served(built: Site) -> None:
    out = built.settings.output.dir
    (out / "briefing.db").write_bytes(b"SQLite format 3\x00" + b"subscribers" * 100)
    (out / "briefing.send.lock").write_text("123", "utf-8")
    (out / "notes.txt").write_text("private notes", "utf-8")
    (out / "2026-W47" / "draft.html").write_text("<p>draft</p>", "utf-8")
    (out / "articles" / "0123456789abcdef.html.bak").write_text("old", "utf-8")
    (out / "2026-W47" / "copy.html").symlink_to(out / "briefing.db")
    (out / "feed.xml").unlink()
    (out / "feed.xml").symlink_to(out / "notes.txt")  # a published name pointing at something else
    with built.client() as client:
        for path in ("/briefing.db", "/briefing.send.lock", "/notes.txt", "/2026-W47/draft.html",
                     "/articles/0123456789abcdef.html.bak", "/2026-W47/copy.html", "/feed.xml", "/outbox/"):
            assert client.get(path).status_code == 404, path
        assert client.get("/atom.xml").status_code == 200


@pytest.mark.parametrize("overrides, problem", [
    pytest.param({"output": {"dir": "var"}}, "holds the store", marks=pytest.mark.sqlite_only),
    pytest.param({"output": {"dir": "."}}, "holds the store", marks=pytest.mark.sqlite_only),
    ({"output": {"dir": "/"}}, "is a system folder"),
    ({"output": {"dir": "/etc"}}, "is a system folder"),
    ({"store": {"path": "../elsewhere/b.db"}, "output": {"dir": "."}}, "holds the settings file"),
])
def test_an_output_dir_that_would_publish_the_store_or_a_system_folder_is_refused(
        make_config: ConfigMaker, overrides: dict[str, dict[str, str]], problem: str) -> None:
    config = make_config(**overrides)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert "[output.dir]" in str(caught.value) and problem in str(caught.value)
    run = subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), "serve", "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "[output.dir]" in run.stderr and "Traceback" not in run.stderr


def test_a_store_that_turns_unusable_while_serving_answers_503_not_500(site: Site) -> None:
    from briefing.store import Store

    with Store.open(site.settings.store.path) as store:
        store.database.run("UPDATE alembic_version SET version_num = '9999'")
    with site.client() as client:
        answer = client.post("/subscribe", data={"email": "late@example.org"})
    assert answer.status_code == 503 and "Please try again later" in answer.text
    assert answer.headers["retry-after"] == "300" and "frame-ancestors 'none'" in answer.headers["content-security-policy"]
