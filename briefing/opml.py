"""OPML subscription lists: read (``sources.opml``) and write (``briefing feeds export``).

Reading uses defusedxml: a DTD, an entity declaration or an external
reference is refused, nothing is fetched. Every ``<outline>`` with an
``xmlUrl`` is a feed, however deeply folders nest; its name is ``title``,
else ``text``; the folders it sits in are kept as its ``folder`` path (for
export and ``feeds list``). Writing gives OPML 2.0 as Feedly, Inoreader and
Miniflux import it: ``<outline type="rss" text title xmlUrl [htmlUrl]>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException


class OpmlError(ValueError):
    """The file is not a readable OPML subscription list (the message says why)."""


@dataclass(frozen=True)
class Subscription:
    url: str
    name: str
    folder: str = ""  # "News/Mining" for an outline inside two folders


def read_opml(path: Path, max_bytes: int = 10_000_000) -> list[Subscription]:
    """The feeds an OPML file lists; ``OpmlError`` when it cannot be read as OPML."""
    try:
        if path.stat().st_size > max_bytes:
            raise OpmlError(f"{path} is larger than {max_bytes} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_opml(data, str(path))


def parse_opml(data: bytes, name: str = "OPML") -> list[Subscription]:
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"{name}: refused: the file declares a DTD or entities ({type(exc).__name__})") from None
    except ElementTree.ParseError as exc:
        raise OpmlError(f"{name}: not well-formed XML ({exc})") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{name}: not OPML (the root element is <{_local(root.tag)}>, not <opml>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{name}: OPML without a <body>")
    found = list(_outlines(body, ()))
    return list({item.url: item for item in reversed(found)}.values())[::-1]  # first listing of a URL wins


def _outlines(parent: ElementTree.Element, folders: tuple[str, ...]) -> Iterator[Subscription]:
    for outline in parent:
        if _local(outline.tag) != "outline":
            continue
        label = (outline.get("title") or outline.get("text") or "").strip()
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            if urlsplit(url).scheme in ("http", "https"):
                yield Subscription(url=url, name=label or urlsplit(url).netloc, folder="/".join(folders))
        else:
            yield from _outlines(outline, (*folders, label) if label else folders)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def write_opml(subscriptions: Iterable[Subscription], *, title: str, created: datetime) -> bytes:
    """OPML 2.0: one outline per feed, inside its folder outlines."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {"": body}
    for item in subscriptions:
        parent = _folder(folders, item.folder)
        ElementTree.SubElement(parent, "outline", type="rss", text=item.name, title=item.name, xmlUrl=item.url)
    ElementTree.indent(root)
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + written + b"\n"


def _folder(folders: dict[str, ElementTree.Element], path: str) -> ElementTree.Element:
    if path in folders:
        return folders[path]
    parent_path, _, label = path.rpartition("/")
    parent = _folder(folders, parent_path)
    folders[path] = ElementTree.SubElement(parent, "outline", text=label, title=label)
    return folders[path]
