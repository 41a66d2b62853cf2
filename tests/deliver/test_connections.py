"""``smtp.connections``: several SMTP sessions share one send, each recipient still mailed once."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from briefing import pipeline
from briefing.clock import FixedClock
from tests.deliver.conftest import Recorder, SettingsMaker, briefing_process, delivered, free_port

MANY = tuple(f"reader{n:02d}@example.org" for n in range(1, 25))


@dataclass
class Sessions(Recorder):
    """A ``Recorder`` that also notes which client connection (peer) each message came over."""

    peers: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sessions() -> Iterator[tuple[Sessions, int]]:
    handler = Sessions()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_three_connections_send_each_recipient_once(sessions: tuple[Sessions, int], smtp_settings: SettingsMaker,
                                                    clock: FixedClock) -> None:
    handler, port = sessions
    settings = smtp_settings(port, recipients=MANY, smtp={"connections": 3})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert [d.recipient for d in report.deliveries] == list(MANY)  # in the audience's order
    assert report.count("sent") == len(MANY) and not report.notes
    assert handler.addressees() == sorted(MANY)
    assert len(set(handler.peers)) > 1  # more than one session carried them
    assert delivered(settings.store.path) == {r: "sent" for r in MANY}
    again = pipeline.send(settings, dry_run=False, clock=clock)
    assert again.recipients == 0 and len(handler.received) == len(MANY)


def test_a_refusal_on_one_connection_leaves_the_others_going(sessions: tuple[Sessions, int],
                                                             smtp_settings: SettingsMaker, clock: FixedClock) -> None:
    handler, port = sessions
    handler.script[MANY[5]] = ["550 5.1.1 no such mailbox"]
    handler.script[MANY[9]] = ["451 4.3.0 later"]
    settings = smtp_settings(port, recipients=MANY, smtp={"connections": 4})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("failed") == 1 and report.count("sent") == len(MANY) - 1
    assert handler.addressees() == sorted(set(MANY) - {MANY[5]})


def test_connection_refused_on_every_connection_leaves_all_pending(smtp_settings: SettingsMaker,
                                                                   clock: FixedClock) -> None:
    settings = smtp_settings(free_port(), recipients=MANY, smtp={"connections": 3})
    report = pipeline.send(settings, dry_run=False, clock=clock)
    assert report.count("pending") == len(MANY) and [d.recipient for d in report.deliveries] == list(MANY)
    assert len(report.notes) == 1 and f"{len(MANY)} recipient(s) left pending" in report.notes[0]


def test_the_rate_limit_holds_for_the_whole_send(sessions: tuple[Sessions, int], smtp_settings: SettingsMaker,
                                                 clock: FixedClock) -> None:
    handler, port = sessions
    settings = smtp_settings(port, recipients=MANY[:4], smtp={"connections": 2, "rate_per_minute": 300})  # 0.2 s

    class WaitsForReal(FixedClock):
        """The fixed moment (the edition), with real waits: the pacing is measured on the wall clock."""

        def wait(self, stop: threading.Event, seconds: float) -> bool:
            self.waits.append(seconds)
            return stop.wait(seconds)

    paced = WaitsForReal(clock.now())
    started = time.monotonic()
    pipeline.send(settings, dry_run=False, clock=paced)
    assert time.monotonic() - started >= 0.35  # 4 messages, two sessions each 0.4 s apart
    assert paced.waits == [0.4, 0.4]  # each session waits once, twice the single-connection interval
    assert handler.addressees() == sorted(MANY[:4])


def interrupted(handler: Sessions, config: Any, accepted: int, how: signal.Signals) -> subprocess.Popen[str]:
    children: list[subprocess.Popen[str]] = []

    def at_mail(count: int) -> str | None:
        if count >= accepted and children[0].poll() is None:
            children[0].send_signal(how)
            return "451 4.3.0 going away"
        return None

    handler.on_mail = at_mail
    children.append(briefing_process(config, "send"))
    children[0].communicate(timeout=60)
    handler.on_mail = None
    return children[0]


def test_sigterm_with_three_connections_then_resume_sends_exactly_n(sessions: tuple[Sessions, int],
                                                                    smtp_settings: SettingsMaker) -> None:
    handler, port = sessions
    settings = smtp_settings(port, recipients=MANY, smtp={"connections": 3, "retries": 0})
    child = interrupted(handler, settings.file, 4, signal.SIGTERM)
    assert child.returncode == 3
    sent = {r for r, s in delivered(settings.store.path).items() if s == "sent"}
    assert sent == set(handler.addressees())  # every accepted message recorded, nothing else
    resumed = briefing_process(settings.file, "send")
    resumed.communicate(timeout=60)
    assert resumed.returncode == 0
    assert handler.addressees() == sorted(MANY)  # N in total, each once
    assert delivered(settings.store.path) == {r: "sent" for r in MANY}


def test_sigkill_with_three_connections_resends_at_most_one_per_connection(sessions: tuple[Sessions, int],
                                                                           smtp_settings: SettingsMaker) -> None:
    handler, port = sessions
    settings = smtp_settings(port, recipients=MANY, smtp={"connections": 3})
    child = interrupted(handler, settings.file, 4, signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL
    accepted = set(handler.addressees())
    recorded = {r for r, s in delivered(settings.store.path).items() if s == "sent"}
    assert recorded <= accepted and len(accepted - recorded) <= 3 - 1  # the killing session had none in flight
    resumed = briefing_process(settings.file, "send")
    resumed.communicate(timeout=60)
    assert resumed.returncode == 0
    copies = Counter(handler.addressees())
    assert set(copies) == set(MANY) and sum(copies.values()) - len(MANY) <= 3 - 1
    assert delivered(settings.store.path) == {r: "sent" for r in MANY}
