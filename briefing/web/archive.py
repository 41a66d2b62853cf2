"""The archive pages and feeds of ``output.dir``, served as a plain web server would.

Only what briefing itself writes there is served (``PUBLISHED``): the index,
``feed.xml``, ``atom.xml``, each edition's ``index.html``, ``email.html`` and
``email.txt``, and ``articles/<id>.html``. Whatever else the folder holds (a
database, a lock, the dry-run ``outbox/`` with every recipient's address and
personal unsubscribe link, dot-files, a file someone copied there) is not
found, and so is a path that resolves outside ``output.dir`` or to another
name (``..``, encoded dots, symlinks). A folder answers with its
``index.html`` (a folder named without its slash is redirected to it, at
``output.site_url``, never at the request's ``Host``), never with a listing.
Every answer carries the same protective headers as the app's own pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from briefing.models import EDITION_KEY_PATTERN

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
EDITION = EDITION_KEY_PATTERN
PUBLISHED = re.compile(rf"(?:index\.html|feed\.xml|atom\.xml|{EDITION}/(?:index|email)\.html|{EDITION}/email\.txt"
                       r"|articles/[0-9a-f]{16}\.html)\Z")
FOLDERS = re.compile(rf"(?:{EDITION})?\Z")  # the root and the edition folders answer with their index.html
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
}


def archive_target(root: Path, path: str) -> Path | None:
    """The published file or folder under ``root`` that the URL path names, or None when it may not be served."""
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts):
        return None
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root) or not target.exists():
        return None
    relative = target.relative_to(root).as_posix() if target != root else ""
    if relative != "/".join(parts):  # a symlink to another name, even inside output.dir
        return None
    allowed = FOLDERS if target.is_dir() else PUBLISHED
    return target if allowed.match(relative) else None


async def archive(request: Request) -> Response:
    root: Path = request.app.state.archive_root
    path = request.url.path
    target = archive_target(root, path)
    if target is not None and target.is_dir():
        if not path.endswith("/"):
            location = request.app.state.site_url + path.lstrip("/") + "/"
            return RedirectResponse(location, status_code=301, headers=HEADERS)
        target = archive_target(root, path + "index.html")
    if target is None or not target.is_file():
        return PlainTextResponse("Not found", status_code=404, headers=HEADERS)
    media_type = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers=HEADERS)
