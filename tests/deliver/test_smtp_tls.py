"""SMTP security modes against real TLS servers: STARTTLS with login, and implicit TLS."""

from __future__ import annotations

from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from briefing import pipeline
from briefing.clock import FixedClock
from tests.deliver.conftest import READERS, Certificate, ServerStarter, SettingsMaker, delivered

PASSWORD = "correct horse"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"briefing", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def trusted(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Certificate:
    """Make the self-signed certificate the one trusted CA (the mailer verifies certificates)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    return certificate


def test_starttls_with_login(start_smtp: ServerStarter, smtp_settings: SettingsMaker, trusted: Certificate,
                             clock: FixedClock) -> None:
    server = start_smtp(tls_context=trusted.server_context(), require_starttls=True,
                        authenticator=authenticator, auth_required=True)
    settings = smtp_settings(server.port, recipients=READERS[:2], smtp={"security": "starttls", "username": "briefing"},
                             env={"BRIEFING_SMTP_PASSWORD": PASSWORD})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("sent") == 2
    assert server.handler.addressees() == sorted(READERS[:2])


def test_wrong_password_fails_the_session_not_the_recipients(start_smtp: ServerStarter, smtp_settings: SettingsMaker,
                                                             trusted: Certificate, clock: FixedClock) -> None:
    server = start_smtp(tls_context=trusted.server_context(), require_starttls=True,
                        authenticator=authenticator, auth_required=True)
    settings = smtp_settings(server.port, recipients=READERS[:2], smtp={"security": "starttls", "username": "briefing"},
                             env={"BRIEFING_SMTP_PASSWORD": "wrong"})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("pending") == 2 and report.count("failed") == 0
    assert "SMTP login to 127.0.0.1" in report.deliveries[0].error and "BRIEFING_SMTP_PASSWORD" in report.notes[0]
    assert server.handler.received == []
    assert set(delivered(settings.store.path).values()) == {"pending"}


def test_implicit_tls(start_smtp: ServerStarter, smtp_settings: SettingsMaker, trusted: Certificate,
                      clock: FixedClock) -> None:
    server = start_smtp(ssl_context=trusted.server_context())
    settings = smtp_settings(server.port, recipients=READERS[:2], smtp={"security": "ssl"})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("sent") == 2
    assert server.handler.addressees() == sorted(READERS[:2])


def test_untrusted_certificate_is_refused(start_smtp: ServerStarter, smtp_settings: SettingsMaker,
                                          certificate: Certificate, clock: FixedClock) -> None:
    server = start_smtp(ssl_context=certificate.server_context())
    settings = smtp_settings(server.port, recipients=READERS[:1], smtp={"security": "ssl"})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("pending") == 1 and "CERTIFICATE_VERIFY_FAILED" in report.deliveries[0].error
    assert server.handler.received == []
