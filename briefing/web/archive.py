"""The archive pages and feeds of ``output.dir``, served as a plain web server would.

Files only: a folder answers with its ``index.html`` (a folder named without
its slash is redirected to it, so relative links hold), never with a
listing; a path that resolves outside ``output.dir`` (``..``, encoded dots,
symlinks) is not found. Two things under ``output.dir`` are never served,
since the app may face the internet: the dry-run ``outbox/`` (every
recipient's address and personal unsubscribe link) and dot-files.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
HIDDEN = ("outbox",)  # top-level folders of output.dir that are not published
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}


def archive_target(root: Path, path: str) -> Path | None:
    """The file or folder under ``root`` that the URL path names, or None when it may not be served."""
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts) or (parts and parts[0] in HIDDEN):
        return None
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root) or not target.exists():
        return None
    return target


async def archive(request: Request) -> Response:
    root: Path = request.app.state.archive_root
    path = request.url.path
    target = archive_target(root, path)
    if target is not None and target.is_dir():
        if not path.endswith("/"):
            return RedirectResponse(request.url.replace(path=path + "/"), status_code=301, headers=HEADERS)
        target = archive_target(root, path + "index.html")
    if target is None or not target.is_file():
        return PlainTextResponse("Not found", status_code=404, headers=HEADERS)
    media_type = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type, headers=HEADERS)
