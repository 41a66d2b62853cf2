"""A small static file server for ``output.dir``: ``briefing serve``.

For previewing the archive and subscribing a feed reader on this machine,
not for the public: it listens on 127.0.0.1 only, answers GET and HEAD,
serves files (a folder's ``index.html``, never a listing) and refuses any
path that resolves outside ``output.dir``, symlinks included. It serves what
``briefing build`` wrote, exactly as a plain web server would, so it also
shows that the archive's relative links hold.
"""

from __future__ import annotations

import logging
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

from briefing.errors import RenderError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


_TYPES = {
    **SimpleHTTPRequestHandler.extensions_map,
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".eml": "message/rfc822",
}


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_port}/"


class _Handler(SimpleHTTPRequestHandler):
    root: Path

    extensions_map = _TYPES

    def send_head(self) -> Any:
        target = Path(self.translate_path(self.path)).resolve()
        if not target.is_relative_to(self.root):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def list_directory(self, path: str | Any) -> BytesIO | None:
        self.send_error(404, "Not found")  # no listings: only what the archive links to
        return None

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(root: Path, port: int) -> PreviewServer:
    """A server for ``root`` on 127.0.0.1:``port`` (0: any free port); call ``serve_forever``."""
    if not root.is_dir():
        raise RenderError(f"{root} does not exist yet: run `briefing build` first")
    resolved = root.resolve()
    handler = type("PreviewHandler", (_Handler,), {"root": resolved})
    return PreviewServer((HOST, port), partial(handler, directory=str(resolved)))
