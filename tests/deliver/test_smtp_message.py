"""What a reader's mail server receives: headers, MIME shape, and the dry run's faithful copy."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.deliver.message import message_id
from tests.conftest import store_rows
from tests.deliver.conftest import READERS, SettingsMaker, SmtpServer
from tests.test_pipeline import no_network  # noqa: F401  (fixture: every connect attempt fails the test)

SENDER = "Rare Earth Briefing <briefing@example.org>"


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_received_messages_pass_header_and_mime_checks(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                      clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port)
    pipeline.send(settings, dry_run=False, clock=clock)
    assert smtp_server.handler.addressees() == sorted(READERS)
    for received in smtp_server.handler.received:
        (recipient,) = received.recipients
        assert received.sender == "briefing@example.org"
        assert b"\r\n" in received.data and b"\n" not in received.data.replace(b"\r\n", b"")
        message = parse(received.data)
        for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                     "List-Unsubscribe-Post", "MIME-Version", "Content-Type"):
            assert len(message.get_all(name) or []) == 1, name
        assert message["From"] == SENDER and message["To"] == recipient
        assert message["Subject"].startswith("Rare Earth Briefing")
        assert parsedate_to_datetime(message["Date"]) == clock.now()
        assert message["Message-ID"] == message_id("2026-W47", recipient, SENDER)
        assert re.fullmatch(r"<2026-W47\.[0-9a-f]{20}@example\.org>", message["Message-ID"])
        assert message["List-Id"] == "Rare Earth Briefing <rare-earth-briefing.briefing.example.org>"
        assert message["List-Unsubscribe"] == ("<https://briefing.example.org/unsubscribe>, "
                                               "<mailto:leave@example.org?subject=unsubscribe>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        parts = list(message.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        for part in parts:
            assert part.get_content_charset() == "utf-8"
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
            body = part.get_content()
            assert "https://briefing.example.org/unsubscribe" in body  # the same link, visible
            assert "Highlights" in body or "HIGHLIGHTS" in body.upper()
        assert "<html" in parts[1].get_content().lower()
    ids = {parse(r.data)["Message-ID"] for r in smtp_server.handler.received}
    assert len(ids) == len(READERS)


def ledger_rows(settings_path: object) -> dict[str, int]:
    return {t: store_rows(settings_path, f"SELECT count(*) FROM {t}")[0][0]  # type: ignore[arg-type]
            for t in ("editions", "edition_articles", "deliveries", "articles")}


def test_dry_run_opens_no_socket_and_writes_no_ledger_rows(smtp_settings: SettingsMaker, clock: FixedClock,
                                                           no_network: list[object]) -> None:
    settings = smtp_settings(9)  # would be refused, were it ever tried
    report = pipeline.send(settings, dry_run=True, clock=clock)
    assert no_network == []
    assert report.count("written") == len(READERS) and report.count("sent") == 0
    assert ledger_rows(settings.store.path) == {"editions": 0, "edition_articles": 0, "deliveries": 0, "articles": 0}
    assert sorted(p.name for p in report.outbox.glob("*.eml")) == sorted(f"{r}.eml" for r in READERS)  # type: ignore[union-attr]


def without_date(data: bytes) -> bytes:
    """Blank the one header documented to differ between a dry run and the real send."""
    stripped, count = re.subn(rb"(?m)^Date: [^\r\n]*\r\n", b"Date: *\r\n", data)
    assert count == 1
    return stripped


def test_dry_run_bytes_equal_what_the_server_receives(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                      clock: FixedClock) -> None:
    settings = smtp_settings(smtp_server.port)
    dry = pipeline.send(settings, dry_run=True, clock=clock)
    later = FixedClock(clock.now() + timedelta(minutes=7))  # the real send happens a little later
    pipeline.send(settings, dry_run=False, clock=later)
    assert len(smtp_server.handler.received) == len(READERS)
    for received in smtp_server.handler.received:
        (recipient,) = received.recipients
        preview = (dry.outbox / f"{recipient}.eml").read_bytes()  # type: ignore[operator]
        assert preview != received.data  # the Date differs ...
        assert without_date(preview) == without_date(received.data)  # ... and nothing else
        assert parsedate_to_datetime(parse(received.data)["Date"]) == later.now()
