"""``briefing serve``: the web application under uvicorn, on ``web.host``:``web.port``.

The socket is bound and listening before uvicorn starts, so port 0 works
(the URL printed holds the port the system picked), "address in use" is
reported before anything else happens, and a client may connect as soon as
the URL is printed. Uvicorn's access log is off: request lines would
write every confirm and unsubscribe token into the log. ``X-Forwarded-For``
is believed only from 127.0.0.1 (a reverse proxy on the same machine), so
the rate limit counts real clients behind it and nobody else can pose as one.
"""

from __future__ import annotations

import logging
import socket

import uvicorn

from briefing.clock import Clock
from briefing.settings import Settings
from briefing.store import Store
from briefing.web.app import make_app
from briefing.web.confirmation import MailerFactory

log = logging.getLogger(__name__)

BACKLOG = 2048  # uvicorn's default


class WebServer:
    """One server: ``run`` blocks until SIGINT/SIGTERM (main thread) or ``stop``."""

    def __init__(self, settings: Settings, port: int | None = None, *, clock: Clock | None = None,
                 mailer: MailerFactory | None = None) -> None:
        app = make_app(settings, clock, mailer)  # first: no secret, no socket
        with Store.open_settings(settings.store):  # as every command: migrate, or refuse a newer store (exit 1)
            pass
        if not settings.output.dir.is_dir():
            log.warning("%s does not exist yet: archive pages answer 404 until `briefing build`", settings.output.dir)
        host = settings.web.host
        self.socket = listen(host, settings.web.port if port is None else port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.socket.getsockname()[1]}/"
        self.server = uvicorn.Server(uvicorn.Config(
            app, lifespan="off", access_log=False, log_config=None, server_header=False,
            proxy_headers=True, forwarded_allow_ips="127.0.0.1", timeout_graceful_shutdown=5,
        ))

    @property
    def started(self) -> bool:
        return bool(self.server.started)

    def run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        self.server.should_exit = True


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host``:``port``.

    Listening at once means a client that connects as soon as the URL is
    printed waits in the backlog until uvicorn accepts, rather than being refused.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
