"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepted.

``Recorder`` answers RCPT from a per-address script (e.g. ``["451 4.3.0 later"]``
then 250) and can run a hook at MAIL (to kill the client, say). ``smtp_server``
starts one on a free port (``Controller(port=0)`` does not work) and
``smtp_settings`` points a fresh configuration at it.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from briefing.settings import Settings, load_settings
from tests.conftest import ConfigMaker, store_rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    data: bytes  # the DATA bytes exactly as they came over the wire (dots unstuffed)


@dataclass
class Recorder:
    """An aiosmtpd handler: keeps every accepted message, answers as scripted."""

    received: list[Received] = field(default_factory=list)
    script: dict[str, list[str]] = field(default_factory=dict)  # RCPT replies to give before 250
    rcpt_seen: list[str] = field(default_factory=list)
    on_mail: Callable[[int], str | None] | None = None  # (messages so far) -> a reply, or None for 250
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.on_mail is not None:
            reply = self.on_mail(len(self.received))
            if reply:
                return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        with self.lock:
            self.rcpt_seen.append(address)
            replies = self.script.get(address)
            if replies:
                return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def addressees(self) -> list[str]:
        return sorted(a for r in self.received for a in r.recipients)


@dataclass
class SmtpServer:
    handler: Recorder
    port: int


ServerStarter = Callable[..., SmtpServer]


@pytest.fixture
def start_smtp() -> Iterator[ServerStarter]:
    """Start aiosmtpd servers on free ports (keyword arguments go to ``Controller``)."""
    controllers: list[Controller] = []

    def start(**kwargs: Any) -> SmtpServer:
        handler = Recorder()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        controllers.append(controller)
        return SmtpServer(handler, controller.port)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp: ServerStarter) -> SmtpServer:
    return start_smtp()


READERS = tuple(f"reader{n}@example.org" for n in range(1, 6))

SettingsMaker = Callable[..., Settings]


@pytest.fixture
def smtp_settings(make_config: ConfigMaker) -> SettingsMaker:
    """Settings sending to ``port`` (fast retries), with ``READERS`` unless told otherwise."""

    def make(port: int, recipients: tuple[str, ...] = READERS, env: dict[str, str] | None = None,
             **overrides: dict[str, Any]) -> Settings:
        smtp = {"host": "127.0.0.1", "port": port, "retries": 2, "retry_delay": 0.01, "timeout": 10}
        smtp.update(overrides.pop("smtp", {}))
        email = {"recipients": list(recipients), "unsubscribe_mailto": "leave@example.org"}
        email.update(overrides.pop("email", {}))
        return load_settings(make_config(smtp=smtp, email=email, **overrides), env=env or {})

    return make


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made by the openssl command line."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return Certificate(cert, key)


def briefing_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", "--config", str(config), *args]


def briefing_process(config: Path, *args: str) -> subprocess.Popen[str]:
    """``python -m briefing --config CONFIG ARGS`` as a real child process."""
    return subprocess.Popen(briefing_command(config, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def delivered(store: Path) -> dict[str, str]:
    """recipient -> status over every edition in the store at ``store``."""
    return {str(row[0]): str(row[1]) for row in store_rows(store, "SELECT recipient, status FROM deliveries")}
