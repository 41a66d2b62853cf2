"""Article files: .txt, .md, .html/.htm and .json, read into ``Document`` values.

Every way a file can be unusable raises ``QuarantineError`` (and nothing
else) with a reason a person can act on; the caller quarantines it and goes
on. The reasons: empty file, file over ``sources.max_file_bytes``, binary
file, undecodable text, invalid JSON or JSON of the wrong shape, and no
article text (e.g. an HTML page of nothing but navigation).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefing.errors import QuarantineError
from briefing.ingest.text import (
    UndecodableError,
    decode,
    html_title,
    html_to_text,
    markdown_to_text,
    normalise_text,
)
from briefing.models import Document

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json"})


def read_documents(path: Path, source: str, max_bytes: int) -> list[Document]:
    """The article(s) in one file. A JSON file may hold a list of articles."""
    origin = str(path)
    data = _read_bytes(path, max_bytes)
    try:
        text = decode(data, origin)
    except UndecodableError as exc:
        kind = "binary file, not text" if exc.binary else "undecodable text"
        raise QuarantineError(origin, f"{kind}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_documents(text, origin, source)
    if suffix in (".html", ".htm"):
        body, title = html_to_text(text), html_title(text)
    elif suffix in (".md", ".markdown"):
        body, title = markdown_to_text(text), ""
    else:
        body, title = normalise_text(text), ""
    if not body.strip():
        raise QuarantineError(origin, "no article text in the file")
    return [Document(source=source, origin=origin, title=title, text=body)]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise QuarantineError(str(path), f"file is {size} bytes, over the {max_bytes}-byte cap (sources.max_file_bytes)")
        if size == 0:
            raise QuarantineError(str(path), "empty file")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise QuarantineError(str(path), f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:  # it grew after the size check
        raise QuarantineError(str(path), f"file is over the {max_bytes}-byte cap (sources.max_file_bytes)")
    return data


def _json_documents(text: str, origin: str, source: str) -> list[Document]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuarantineError(origin, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise QuarantineError(origin, "invalid JSON: nested too deeply") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise QuarantineError(origin, "JSON list holds no articles")
    if len(items) == 1:
        return [_json_document(items[0], origin, source)]
    documents = []
    for index, item in enumerate(items):
        try:
            documents.append(_json_document(item, f"{origin}#{index}", source))
        except QuarantineError as exc:  # quarantine the file, naming the item
            raise QuarantineError(origin, f"item {index}: {exc.reason}") from None
    return documents


def _json_document(item: Any, origin: str, source: str) -> Document:
    expected = 'an object like {"title": "...", "url": "...", "published": "2025-07-02", "text": "..."}'
    if not isinstance(item, dict):
        raise QuarantineError(origin, f"JSON article must be {expected}")
    fields = {key: item.get(key) for key in ("title", "url", "text", "html", "published")}
    wrong = [key for key, value in fields.items() if value is not None and not isinstance(value, str)]
    if wrong:
        raise QuarantineError(origin, f"JSON field(s) {', '.join(wrong)} must be strings; expected {expected}")
    if fields["text"]:
        body = normalise_text(str(fields["text"]))
    elif fields["html"]:
        body = html_to_text(str(fields["html"]))
    else:
        raise QuarantineError(origin, f"JSON article has neither text nor html; expected {expected}")
    if not body:
        raise QuarantineError(origin, "no article text in the JSON article")
    return Document(
        source=source, origin=origin, title=(fields["title"] or "").strip(), text=body,
        url=(fields["url"] or "").strip(), published=parse_time(fields["published"]),
    )


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 date or datetime; naive values are taken as UTC. None if absent or bad."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
