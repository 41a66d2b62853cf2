"""Crashes and stops of a real ``briefing send`` process: nobody gets an edition twice."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable

from briefing.settings import Settings
from tests.deliver.conftest import READERS, SettingsMaker, SmtpServer, briefing_process, delivered


def interrupted_send(server: SmtpServer, settings: Settings, accepted: int,
                     interrupt: Callable[[subprocess.Popen[str]], str | None]) -> tuple[int, str]:
    """Run ``briefing send`` as a child; once ``accepted`` messages are in, ``interrupt`` it at the next MAIL."""
    children: list[subprocess.Popen[str]] = []

    def at_mail(count: int) -> str | None:
        return interrupt(children[0]) if count == accepted else None

    server.handler.on_mail = at_mail
    children.append(briefing_process(settings.file, "send"))
    _, err = children[0].communicate(timeout=60)
    server.handler.on_mail = None
    return children[0].returncode, err


def test_killed_after_k_of_n_then_resumed_sends_exactly_n(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    """SIGKILL (no clean-up at all) when message k+1 starts: k were accepted and recorded."""
    settings = smtp_settings(smtp_server.port)
    k = 2

    def kill(child: subprocess.Popen[str]) -> str:
        child.kill()
        return "451 4.3.0 going away"

    code, _ = interrupted_send(smtp_server, settings, k, kill)
    assert code == -signal.SIGKILL
    assert len(smtp_server.handler.received) == k
    assert delivered(settings.store.path) == {r: "sent" for r in READERS[:k]}

    resumed = briefing_process(settings.file, "send")
    out, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err
    assert f"recipients:  {len(READERS) - k} ({len(READERS) - k} sent" in out
    assert smtp_server.handler.addressees() == sorted(READERS)  # N in total, each once
    assert delivered(settings.store.path) == {r: "sent" for r in READERS}


def test_sigterm_stops_send_between_recipients(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    """SIGTERM while message k+1 is in flight: it completes and is recorded; the rest wait."""
    settings = smtp_settings(smtp_server.port)
    k = 1

    def terminate(child: subprocess.Popen[str]) -> None:
        child.send_signal(signal.SIGTERM)

    code, err = interrupted_send(smtp_server, settings, k, terminate)
    assert code == 3, err
    assert "SIGTERM received: stopping after the current recipient" in err
    assert "stopped on request (SIGTERM/SIGINT)" in err
    assert len(smtp_server.handler.received) == k + 1
    assert delivered(settings.store.path) == {r: "sent" for r in READERS[:k + 1]}  # nothing half-recorded

    rest = briefing_process(settings.file, "send")
    rest.communicate(timeout=60)
    assert rest.returncode == 0
    assert smtp_server.handler.addressees() == sorted(READERS)
