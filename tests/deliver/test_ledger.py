"""The ledger against a real SMTP server: each recipient gets each edition exactly once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from briefing import pipeline
from briefing.cli import cli
from briefing.clock import FixedClock
from briefing.db.locks import hold, lock_for
from briefing.errors import AlreadyRunning
from briefing.settings import Settings
from briefing.store import Store
from tests.conftest import store_rows
from tests.deliver.conftest import READERS, Recorder, SettingsMaker, SmtpServer, free_port


def ledger(settings: Settings) -> dict[str, tuple[str, int, str]]:
    """recipient -> (status, attempts, last_error) for edition 2026-W47."""
    rows = store_rows(settings.store.path,
                      "SELECT recipient, status, attempts, last_error FROM deliveries WHERE edition = '2026-W47'")
    return {r: (s, a, e) for r, s, a, e in rows}


def edition_status(settings: Settings) -> str | None:
    rows = store_rows(settings.store.path, "SELECT status FROM editions WHERE key = '2026-W47'")
    return str(rows[0][0]) if rows else None


def test_sending_twice_gives_n_messages_not_2n(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port)
    first = pipeline.send(settings, dry_run=False, clock=clock)
    second = pipeline.send(settings, dry_run=False, clock=FixedClock(clock.now() + timedelta(hours=1)))
    assert first.count("sent") == len(READERS)
    assert second.recipients == 0 and second.skipped_reason == ""
    assert smtp_server.handler.addressees() == sorted(READERS)
    assert ledger(settings) == {r: ("sent", 1, "") for r in READERS}
    assert edition_status(settings) == "sent"


def test_a_550_is_recorded_failed_while_the_others_arrive(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                          clock: FixedClock) -> None:
    bad = READERS[1]
    smtp_server.handler.script[bad] = ["550 5.1.1 no such mailbox"]
    settings = smtp_settings(smtp_server.port)
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert smtp_server.handler.addressees() == sorted(set(READERS) - {bad})
    assert report.count("sent") == len(READERS) - 1 and report.count("failed") == 1
    (failure,) = [d for d in report.deliveries if d.status == "failed"]
    assert failure.recipient == bad and "550 5.1.1 no such mailbox" in failure.error
    assert ledger(settings)[bad] == ("failed", 1, failure.error)
    assert smtp_server.handler.rcpt_seen.count(bad) == 1  # permanent: not retried
    # A permanent failure is final for this edition: the next run sends nothing.
    again = pipeline.send(settings, dry_run=False, clock=clock)
    assert again.recipients == 0 and smtp_server.handler.rcpt_seen.count(bad) == 1
    assert edition_status(settings) == "sent"


def test_451_then_250_delivers_once(smtp_server: SmtpServer, smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    slow = READERS[0]
    smtp_server.handler.script[slow] = ["451 4.3.0 try again later"]
    settings = smtp_settings(smtp_server.port)
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("sent") == len(READERS)
    assert len(smtp_server.handler.to(slow)) == 1
    assert smtp_server.handler.rcpt_seen.count(slow) == 2
    status, attempts, _ = ledger(settings)[slow]
    assert (status, attempts) == ("sent", 2)


def test_temporary_failures_exhaust_retries_then_stay_pending(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                             clock: FixedClock) -> None:
    slow = READERS[2]
    smtp_server.handler.script[slow] = ["452 4.2.2 mailbox full"] * 3  # retries = 2: three attempts
    settings = smtp_settings(smtp_server.port)
    started = clock.now()
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert clock.waits == [0.01, 0.02]  # the backoff, through the clock: retry_delay, then twice that
    assert clock.now() - started == timedelta(seconds=0.03)
    assert report.count("pending") == 1 and report.count("sent") == len(READERS) - 1
    assert ledger(settings)[slow] == ("pending", 3, f"{slow}: 452 4.2.2 mailbox full")
    assert edition_status(settings) == "sending"
    # The next run retries only the pending one, which now gets through.
    again = pipeline.send(settings, dry_run=False, clock=clock)
    assert [d.recipient for d in again.deliveries] == [slow] and again.count("sent") == 1
    assert smtp_server.handler.addressees() == sorted(READERS)
    assert ledger(settings)[slow][:2] == ("sent", 4)
    assert edition_status(settings) == "sent"


def test_connection_refused_leaves_everything_pending_and_says_so(smtp_settings: SettingsMaker) -> None:
    port = free_port()  # nothing listens here
    settings = smtp_settings(port)
    result = CliRunner().invoke(cli, ["--config", str(settings.file), "send"])
    assert result.exit_code == 3
    assert f"recipients:  {len(READERS)} (0 sent, 0 written, {len(READERS)} pending, 0 failed)" in result.stdout
    assert f"cannot connect to SMTP server 127.0.0.1:{port}" in result.stderr
    assert f"{len(READERS)} recipient(s) left pending for the next run" in result.stderr
    rows = ledger(settings)
    assert all(status == "pending" for status, _, _ in rows.values())
    assert not any(status == "sent" for status, _, _ in rows.values())


def test_connection_refused_then_server_back_sends_all_once(smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    port = free_port()
    settings = smtp_settings(port)
    down = pipeline.send(settings, dry_run=False, clock=clock)
    assert down.count("pending") == len(READERS) and down.notes
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        up = pipeline.send(settings, dry_run=False, clock=clock)
    finally:
        controller.stop()
    assert up.count("sent") == len(READERS)
    assert handler.addressees() == sorted(READERS)


def test_rate_limit_spaces_messages(smtp_server: SmtpServer, smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port, recipients=READERS[:3], smtp={"rate_per_minute": 300})  # 0.2 s apart
    started = clock.now()
    pipeline.send(settings, dry_run=False, clock=clock)
    assert len(smtp_server.handler.received) == 3
    assert clock.waits == [0.2, 0.2]  # through the clock, none before the first message
    assert clock.now() - started == timedelta(seconds=0.4)


def test_stop_request_ends_between_recipients(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                              clock: FixedClock) -> None:
    """The stop event is set while message 2 is in flight: it completes and is recorded, no third starts."""
    stop = threading.Event()

    def stop_during_second(count: int) -> None:
        if count == 1:
            stop.set()

    smtp_server.handler.on_mail = stop_during_second  # type: ignore[assignment]
    settings = smtp_settings(smtp_server.port)
    report = pipeline.send(settings, dry_run=False, clock=clock, stop=stop)
    assert len(smtp_server.handler.received) == 2
    assert report.count("sent") == 2 and report.count("pending") == len(READERS) - 2
    assert "stopped on request" in report.notes[0]
    assert {r: s for r, (s, _, _) in ledger(settings).items()} == {READERS[0]: "sent", READERS[1]: "sent"}
    rest = pipeline.send(settings, dry_run=False, clock=clock)
    assert rest.count("sent") == len(READERS) - 2
    assert smtp_server.handler.addressees() == sorted(READERS)


def test_edition_without_new_articles_is_not_sent_and_the_log_says_why(
    smtp_server: SmtpServer, smtp_settings: SettingsMaker, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = smtp_settings(smtp_server.port, recipients=READERS[:2])
    pipeline.send(settings, dry_run=False, clock=clock)
    next_week = FixedClock(clock.now() + timedelta(days=7))
    with caplog.at_level(logging.INFO, logger="briefing"):
        report = pipeline.send(settings, dry_run=False, clock=next_week)
    assert report.edition == "2026-W48" and report.recipients == 0
    assert "2026-W48 has no new articles and briefing.send_empty is false" in report.skipped_reason
    assert any("not sending: edition 2026-W48 has no new articles" in r.getMessage() for r in caplog.records)
    assert len(smtp_server.handler.received) == 2
    # With briefing.send_empty the empty edition does go out.
    eager = Settings(**{**settings.__dict__, "briefing": type(settings.briefing)(
        **{**settings.briefing.__dict__, "send_empty": True})})
    sent = pipeline.send(eager, dry_run=False, clock=next_week)
    assert sent.edition == "2026-W48" and sent.count("sent") == 2
    assert len(smtp_server.handler.received) == 4


def test_send_to_one_address_is_a_test_copy_outside_the_ledger(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(smtp_server.port)
    result = CliRunner().invoke(cli, ["--config", str(settings.file), "send", "--to", "Editor@Example.org"])
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.handler.received
    assert received.recipients == ("Editor@example.org",)
    assert b"Subject: [test] Rare Earth Briefing" in received.data
    assert store_rows(settings.store.path, "SELECT count(*) FROM deliveries")[0][0] == 0
    assert store_rows(settings.store.path, "SELECT count(*) FROM editions")[0][0] == 0
    bad = CliRunner().invoke(cli, ["--config", str(settings.file), "send", "--to", "nobody"])
    assert bad.exit_code == 2 and "not a valid email address" in bad.output


@pytest.mark.sqlite_only  # PostgreSQL lets several senders share an edition (tests/db)
def test_a_second_sender_is_refused_while_one_is_sending(smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    settings = smtp_settings(free_port())
    busy = r"another `briefing send` is already running against this store \(pid \d+"
    Store.open_settings(settings.store).close()  # the store exists: whatever a refused sender wrote would show
    with hold(lock_for(settings.store, "send"), "another `briefing send`"), pytest.raises(AlreadyRunning, match=busy):
        pipeline.send(settings, dry_run=False, clock=clock)
    assert ledger(settings) == {}
    assert store_rows(settings.store.path, "SELECT count(*) FROM editions") == [(0,)]  # nothing claimed either

