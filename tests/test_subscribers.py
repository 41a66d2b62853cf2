"""Subscribers in the store and on the command line: statuses, the merge with the settings, CSV.

Suppression wins everywhere: an unsubscribed or bounced address is never a
recipient, whether the settings list it, it is added or it is imported again.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from briefing import pipeline, subscribers
from briefing.clock import FixedClock
from briefing.deliver.mailer import OutboxMailer
from briefing.errors import SubscriberError
from briefing.settings import Settings, load_settings
from briefing.store import SCHEMA_VERSION, Store
from tests.conftest import FIXED_NOW, ConfigMaker

NOW = FIXED_NOW


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = Store.open(settings.store.path)
    yield opened
    opened.close()


def test_statuses_times_and_source_are_stored(store: Store) -> None:
    nonce = subscribers.sign_up(store, "Ada@Example.org", NOW, source="web")
    row = store.subscriber("ada@example.org")  # one person, whatever the case
    assert row is not None and (row.address, row.status, row.source, row.created_at) == (
        "Ada@Example.org", "pending", "web", NOW.isoformat())
    assert row.nonce == nonce and row.confirmed_at == ""
    later = NOW + timedelta(hours=2)
    assert subscribers.confirm(store, "ada@example.org", nonce, later) == "confirmed"
    row = store.subscriber("ADA@example.org")
    assert row is not None and (row.status, row.confirmed_at, row.nonce) == ("active", later.isoformat(), "")
    assert subscribers.unsubscribe(store, "ada@example.org", later + timedelta(days=1))
    row = store.subscriber("ada@example.org")
    assert row is not None and (row.status, row.unsubscribed_at) == ("unsubscribed", (later + timedelta(days=1)).isoformat())
    assert [s.address for s in store.subscribers("unsubscribed")] == ["Ada@Example.org"]


@pytest.mark.sqlite_only  # reads PRAGMAs of the SQLite file
def test_the_subscribers_table_is_a_new_migration(settings: Settings, store: Store) -> None:
    with sqlite3.connect(settings.store.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = {row[1] for row in db.execute("PRAGMA table_info(subscribers)")}
    assert {"address", "status", "source", "created_at", "updated_at", "confirmed_at", "unsubscribed_at"} <= columns


def test_recipients_merge_settings_and_active_subscribers_minus_suppressed(make_config: ConfigMaker) -> None:
    configured = ["a@example.org", "c@example.org", "Left@example.org", "dead@example.org"]
    settings = load_settings(make_config(email={"recipients": configured}), env={})
    store = Store.open(settings.store.path)
    try:
        subscribers.add(store, "b@example.org", NOW)
        subscribers.add(store, "A@example.org", NOW)  # the same person as a configured one
        subscribers.sign_up(store, "pending@example.org", NOW)
        subscribers.unsubscribe(store, "left@example.org", NOW)
        subscribers.unsubscribe(store, "dead@example.org", NOW, status="bounced")
        assert subscribers.recipients(settings, store) == ("a@example.org", "c@example.org", "b@example.org")
        listed = {row.address: (row.status, row.source) for row in subscribers.listing(settings, store)}
        assert listed["c@example.org"] == ("active", "config") and listed["b@example.org"] == ("active", "cli")
        assert listed["A@example.org"] == ("active", "cli") and "a@example.org" not in listed
        assert listed["left@example.org"] == ("unsubscribed", "unsubscribe link")
    finally:
        store.close()


def test_suppression_wins_over_add_import_and_sign_up(store: Store, tmp_path: Path) -> None:
    subscribers.unsubscribe(store, "gone@example.org", NOW)
    assert subscribers.add(store, "gone@example.org", NOW) == "suppressed"
    file = tmp_path / "list.csv"
    file.write_text("email,status\ngone@example.org,active\n", "utf-8")
    assert subscribers.import_csv(store, file, NOW).suppressed == 1
    assert subscribers.sign_up(store, "gone@example.org", NOW)  # a confirmation is due, but ...
    assert store.subscriber("gone@example.org").status == "unsubscribed"  # type: ignore[union-attr]  # ... not yet


def test_a_send_never_reaches_a_suppressed_configured_address(make_config: ConfigMaker) -> None:
    settings = load_settings(make_config(email={"recipients": ["keep@example.org", "gone@example.org"]}), env={})
    store = Store.open(settings.store.path)
    try:
        subscribers.unsubscribe(store, "gone@example.org", NOW)
    finally:
        store.close()
    report = pipeline.send(settings, dry_run=True, clock=FixedClock(NOW))
    assert [d.recipient for d in report.deliveries] == ["keep@example.org"]
    assert sorted(p.name for p in report.outbox.glob("*.eml")) == ["keep@example.org.eml"]  # type: ignore[union-attr]


class LeavingOutbox(OutboxMailer):
    """Writes .eml files; while the first is written, ``leaver`` unsubscribes (on a connection of its own)."""

    def __init__(self, folder: Path, store: Path, leaver: str) -> None:
        super().__init__(folder)
        self.store, self.leaver = store, leaver

    def send(self, message: EmailMessage, recipient: str) -> None:
        if not self.written:
            other = Store.open(self.store)
            try:
                subscribers.unsubscribe(other, self.leaver, NOW)
            finally:
                other.close()
        super().send(message, recipient)


def test_whoever_leaves_during_a_send_is_not_mailed_and_the_edition_still_finishes(make_config: ConfigMaker,
                                                                                    tmp_path: Path) -> None:
    people = ["first@example.org", "leaver@example.org", "last@example.org"]
    settings = load_settings(make_config(email={"recipients": people}), env={})
    mailer = LeavingOutbox(tmp_path / "sent", settings.store.path, "leaver@example.org")
    report = pipeline.send(settings, dry_run=False, clock=FixedClock(NOW), mailer=mailer)
    assert [p.name for p in mailer.written] == ["first@example.org.eml", "last@example.org.eml"]
    assert [d.recipient for d in report.deliveries] == ["first@example.org", "last@example.org"]
    store = Store.open(settings.store.path)
    try:
        assert store.edition("2026-W47").status == "sent"  # type: ignore[union-attr]
    finally:
        store.close()


def test_a_malformed_address_is_refused(store: Store) -> None:
    with pytest.raises(SubscriberError, match="not a valid email address"):
        subscribers.normalise("not an address")


def test_import_reports_bad_rows_by_line_and_imports_the_rest(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "people.csv"
    file.write_text(
        "name,email,status\n"  # line 1: header, the address is the second column
        "Ada,ada@example.org,\n"
        "Bob,not-an-address,\n"  # line 3
        "Cy,cy@example.org,active\n"
        "\n"
        "Di,,\n"  # line 6: no address
        "Ed,ed@example.org,pending\n"  # line 7: cannot be imported
        '"Fay, the second","fay@example.org",bounced\n'
        "Ada again,ADA@example.org,\n", "utf-8")
    report = subscribers.import_csv(store, file, NOW)
    assert [line for line, reason in report.bad] == [3, 6, 7]
    assert "not a valid email address" in report.bad[0][1] and "pending" in report.bad[2][1]
    assert (report.added, report.unchanged, report.suppressed) == (2, 1, 1)
    assert {s.address: s.status for s in store.subscribers()} == {
        "ada@example.org": "active", "cy@example.org": "active", "fay@example.org": "bounced"}
    assert store.subscriber("cy@example.org").source == "import people.csv"  # type: ignore[union-attr]


def test_an_undecodable_file_is_one_error_naming_it(store: Store, tmp_path: Path) -> None:
    file = tmp_path / "latin.csv"
    file.write_bytes(b"caf\xe9@example.org\n")
    with pytest.raises(SubscriberError, match="latin.csv"):
        subscribers.import_csv(store, file, NOW)


def test_export_then_import_elsewhere_keeps_everyone_and_every_suppression(store: Store, make_config: ConfigMaker,
                                                                          tmp_path: Path) -> None:
    subscribers.add(store, "a@example.org", NOW)
    subscribers.unsubscribe(store, "b@example.org", NOW)
    subscribers.unsubscribe(store, "c@example.org", NOW, status="bounced")
    out = io.StringIO()
    assert subscribers.export_csv(store, out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["address"], r["status"]) for r in rows] == [
        ("a@example.org", "active"), ("b@example.org", "unsubscribed"), ("c@example.org", "bounced")]
    file = tmp_path / "export.csv"
    file.write_text(out.getvalue(), "utf-8")
    other = Store.open(tmp_path / "other.db")
    try:
        assert subscribers.import_csv(other, file, NOW).bad == ()
        assert {s.address: s.status for s in other.subscribers()} == {r["address"]: r["status"] for r in rows}
    finally:
        other.close()


# --- the command line, as a user runs it ------------------------------------------


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), "subscribers", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_add_list_remove_import_export(make_config: ConfigMaker, tmp_path: Path) -> None:
    config = make_config(email={"recipients": ["reader@example.org"]})
    added = run(config, "add", "new@example.org", "Other@Example.org")
    assert added.returncode == 0 and "new@example.org: added" in added.stdout
    assert run(config, "add", "fine@example.org", "bad address").returncode == 2  # nothing is added then
    removed = run(config, "remove", "other@example.org")
    assert removed.returncode == 0 and "other@example.org: unsubscribed" in removed.stdout
    again = run(config, "add", "other@example.org")
    assert again.returncode == 3 and "not added" in again.stderr

    file = tmp_path / "in.csv"
    file.write_text("email\nok@example.org\nbroken@\nok2@example.org\n", "utf-8")
    imported = run(config, "import", str(file))
    assert imported.returncode == 3 and "2 added" in imported.stdout
    assert f"{file}, line 3:" in imported.stderr and "broken@" in imported.stderr

    listed = json.loads(run(config, "list", "--json").stdout)
    assert {(r["address"], r["status"], r["source"]) for r in listed} == {
        ("new@example.org", "active", "cli"), ("Other@example.org", "unsubscribed", "cli"),
        ("ok@example.org", "active", "import in.csv"), ("ok2@example.org", "active", "import in.csv"),
        ("reader@example.org", "active", "config")}
    active = run(config, "list", "--status", "active")
    assert active.returncode == 0 and "Other@example.org" not in active.stdout and "4 subscribers" in active.stderr

    exported = run(config, "export", "-o", str(tmp_path / "out.csv"))
    assert exported.returncode == 0
    lines = (tmp_path / "out.csv").read_text("utf-8").splitlines()
    assert lines[0] == "address,status,source,created_at,confirmed_at,unsubscribed_at" and len(lines) == 5
    assert run(config, "export").stdout.splitlines() == lines


def test_cli_import_of_a_missing_file_is_a_usage_error(make_config: ConfigMaker, tmp_path: Path) -> None:
    result = run(make_config(), "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 2 and "does not exist" in result.stderr
