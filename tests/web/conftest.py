"""The web application for real: uvicorn on a free 127.0.0.1 port, aiosmtpd behind it.

``site`` is a project folder (seeds, store, output) whose ``output.site_url``
is the server's own address, so the links in confirmation mails and editions
lead back to it, and whose SMTP settings point at a recording aiosmtpd
server. The server runs in a thread with a ``FixedClock`` the test may move
(``site.clock.moment = ...``) to expire a link or reach the next week.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from briefing.clock import FixedClock
from briefing.settings import Settings, load_settings
from briefing.store import Store, Subscriber
from briefing.web.server import WebServer
from tests.conftest import FIXED_NOW, ConfigMaker
from tests.deliver.conftest import Recorder, SmtpServer, free_port, smtp_server, start_smtp  # noqa: F401  (fixtures)

SECRET = "web-tests-secret-0123456789abcdef"
CONFIGURED = ("reader@example.org", "stays@example.org")  # email.recipients of the test project


@dataclass
class Site:
    settings: Settings
    server: WebServer
    smtp: Recorder
    clock: FixedClock
    url: str

    def client(self, **headers: str) -> httpx.Client:
        """A plain HTTP client that fails the test on any ``Set-Cookie``: the app sets none."""
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, follow_redirects=False,
                            event_hooks={"response": [_no_cookies]})

    def subscriber(self, address: str) -> Subscriber | None:
        store = Store.open(self.settings.store.path)
        try:
            return store.subscriber(address)
        finally:
            store.close()

    def mails_to(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages aiosmtpd accepted for ``address``, waiting until there are ``count``."""
        deadline = time.monotonic() + timeout
        while len(self.smtp.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [parse(received.data) for received in self.smtp.to(address)]

    def confirmations(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """The confirmation mails to ``address``, waiting until there are ``count``."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.mails_to(address, 0) if m["Subject"].startswith("Confirm your subscription")]
            if len(mails) >= count or time.monotonic() > deadline:
                return mails
            time.sleep(0.02)

    def confirmation_link(self, address: str, nth: int = 1) -> str:
        """The link in the ``nth`` confirmation mail to ``address`` (it must arrive)."""
        mails = self.confirmations(address, nth)
        assert len(mails) >= nth, f"no confirmation mail number {nth} for {address}"
        body = mails[nth - 1].get_body(("plain",))
        assert body is not None
        found = re.findall(r"http://127\.0\.0\.1:\d+/confirm\?token=\S+", body.get_content())
        assert len(found) == 1
        return str(found[0])


def _no_cookies(response: httpx.Response) -> None:
    assert "set-cookie" not in response.headers, f"{response.request.url} set a cookie"


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


SiteMaker = Callable[..., Site]


@pytest.fixture
def make_site(make_config: ConfigMaker, smtp_server: SmtpServer) -> Iterator[SiteMaker]:  # noqa: F811
    """Start the web application for a fresh project; keyword arguments override settings sections."""
    servers: list[tuple[WebServer, threading.Thread]] = []

    def make(**overrides: dict[str, Any]) -> Site:
        port = free_port()
        sections: dict[str, dict[str, Any]] = {
            "output": {"site_url": f"http://127.0.0.1:{port}/"},
            "briefing": {"send_empty": True},
            "email": {"recipients": list(CONFIGURED)},
            "smtp": {"host": "127.0.0.1", "port": smtp_server.port, "retries": 0, "timeout": 10},
            "web": {"port": port, "rate_limit": 5},
        }
        for section, table in overrides.items():
            sections.setdefault(section, {}).update(table)
        settings = load_settings(make_config(**sections), env={"BRIEFING_SECRET_KEY": SECRET})
        clock = FixedClock(FIXED_NOW)
        server = WebServer(settings, clock=clock)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        return Site(settings, server, smtp_server.handler, clock, server.url)

    yield make
    for server, thread in servers:
        server.stop()
        thread.join(timeout=10)


@pytest.fixture
def site(make_site: SiteMaker) -> Site:
    return make_site()


def shots_folder(settings: Settings) -> Path:
    folder = settings.output.dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
