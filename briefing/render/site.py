"""Write the web archive, email previews and feeds under ``output.dir``.

Layout::

    out/index.html                 editions, newest first
    out/<edition>/index.html       the web version of an edition
    out/<edition>/email.html       the email exactly as sent (CSS inlined)
    out/<edition>/email.txt        its plain-text alternative
    out/articles/<id>.html         articles that have no web address of their own
    out/feed.xml, out/atom.xml     RSS 2.0 and Atom, one item per edition

Every path is built from validated edition keys and article ids and checked
to stay inside ``out/`` (symlinks resolved); files are written atomically
(temp file + rename) so a web server never serves half a page, and readable
by all (0644) so that it can serve them at all. Links between our own pages
are relative, so the archive works from any static file server.

What "atomically" guarantees: whatever happens to the build process (an
exception, SIGKILL, a full disk), a file holds either its old bytes or all of
its new ones, never a part, because its final name only ever appears by
renaming a complete temporary file of the same folder over it (``os.replace``).
There is no fsync: after a power cut a file the build had just renamed may be
older or empty, as the filesystem decides, and the next build, which compares
bytes, rewrites it. So writing thousands of article pages costs a create, a
write and a rename each.

A build does each piece of work once: an article page is rendered only for an
article that an edition of the archive links (a story's source or an "Also this
week" line; not every unpublished article the week brought), from one compiled
template whose shell is rendered once (``render/pages.py``), into a folder
checked once; an edition's feed HTML is rendered once for RSS and Atom; and a
file whose bytes are already on disk (same size, then same bytes) is left
alone (no rewrite, no new mtime: rsync and caches see nothing changed).
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment

from briefing.errors import RenderError
from briefing.layout import without_inline_boilerplate
from briefing.models import EDITION_KEY, Article, Briefing, RenderedEmail, Site
from briefing.render.environment import also_in_brief, format_period, overview, render, source_numbers
from briefing.render.feed import build_feed
from briefing.render.pages import BlockPages
from briefing.safety import http_url
from briefing.sentences import split_sentences

ARTICLE_ID = re.compile(r"^[0-9a-f]{16}\Z")
FILE_MODE = 0o644


def article_page(site_url: str, article_id: str) -> str:
    """Absolute URL of the archive page of an article with no link of its own."""
    return f"{site_url}articles/{article_id}.html"


def safe_path(root: Path, *parts: str) -> Path:
    """``root``/parts, refusing anything that would land outside ``root``."""
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base) or path == base:
        raise RenderError(f"refusing to write {path}: outside {base}")
    return path


def write_if_changed(path: Path, data: str | bytes) -> Path:
    """``write_file``, unless ``path`` already holds exactly these bytes."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return path
    except OSError:
        pass  # not there (or unreadable): write it
    return write_file(path, payload)


def write_file(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module's docstring for what that guarantees)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(str(path.parent), path.name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _replace(folder: str, name: str, payload: bytes) -> None:
    """``folder``/``name`` := ``payload``, by renaming a complete temporary file of ``folder`` over it."""
    temporary = os.path.join(folder, f".tmp-{os.getpid()}-{threading.get_ident()}-{name}")
    handle = _create(temporary)
    try:
        try:
            os.fchmod(handle, FILE_MODE)  # whatever the umask: a web server must be able to read it
            view = memoryview(payload)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)
        os.replace(temporary, os.path.join(folder, name))
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _create(temporary: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(temporary, flags, FILE_MODE)
    except FileExistsError:  # left by a killed process that had our pid: never renamed, so not a page
        os.unlink(temporary)
        return os.open(temporary, flags, FILE_MODE)


def _write_article_pages(root: Path, env: Environment, title: str, articles: Sequence[Article]) -> list[Path]:
    """A page for each of ``articles``: one template, the folder checked once, unchanged pages left alone."""
    if not articles:
        return []
    folder = safe_path(root, "articles")  # resolved once: it must not lead outside ``root``
    folder.mkdir(parents=True, exist_ok=True)
    pages = BlockPages(env, "article.html", ("title", "main"), title=title, root="../")
    written = []
    for article in articles:
        name = _article_name(article.id)
        written.append(_write_page(folder, name, _article_page(pages, article).encode("utf-8")))
    return written


def _write_page(folder: Path, name: str, payload: bytes) -> Path:
    """``write_if_changed`` for a file ``name`` of the resolved ``folder``, at a stat (and a read) when unchanged."""
    path = folder / name
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None and stat.S_ISLNK(found.st_mode):
        return write_if_changed(safe_path(folder, name), payload)  # resolved and refused if it leads outside
    if found is not None and found.st_size == len(payload):
        with suppress(OSError):
            if path.read_bytes() == payload:
                return path
    _replace(str(folder), name, payload)
    return path


def write_site(
    root: Path,
    env: Environment,
    *,
    title: str,
    site_url: str,
    editions: Sequence[Briefing],
    current: Briefing,
    email: RenderedEmail,
    articles: Sequence[Article],
    keep: int,
) -> Site:
    """Write every page for ``editions`` (newest first, ``current`` among them)."""
    written: list[Path] = []
    for briefing in editions:
        page = _edition_page(env, briefing, site_url)
        written.append(write_if_changed(_edition_path(root, briefing.edition.key, "index.html"), page))
    key = current.edition.key
    written.append(write_if_changed(_edition_path(root, key, "email.html"), email.html))
    written.append(write_if_changed(_edition_path(root, key, "email.txt"), email.text))
    linked = linked_article_ids(editions, site_url)
    # Only articles an edition links to this page (see article_page) get one.
    shown = [article for article in articles if article.id in linked and not http_url(article.url)]
    written += _write_article_pages(root, env, title, shown)
    written.append(write_if_changed(safe_path(root, "index.html"), _index_page(env, title, editions)))
    feed_editions = list(editions[:keep])
    items: dict[str, str] = {}  # each edition's HTML, rendered once for both feeds

    def feed_item(briefing: Briefing) -> str:
        key = briefing.edition.key
        if key not in items:
            items[key] = _feed_item(env, briefing, site_url)
        return items[key]

    for name in ("feed.xml", "atom.xml"):
        generator = build_feed(title, site_url, feed_editions, feed_item, self_name=name)
        document = generator.rss_str(pretty=True) if name == "feed.xml" else generator.atom_str(pretty=True)
        written.append(write_if_changed(safe_path(root, name), bytes(document)))
    return Site(root=root, files=tuple(written))


def linked_article_ids(editions: Sequence[Briefing], site_url: str) -> set[str]:
    """Ids of every article the editions reference or list under "Also this week" by its page here.

    A story's references carry the id (each may be a link to its page here); an ``AlsoItem``
    carries only its link, which is ``article_page(site_url, id)`` for an article without one.
    """
    linked = {ref.id for briefing in editions for story in briefing.stories for ref in story.articles}
    pages = article_page(site_url, "").removesuffix(".html")  # {site_url}articles/
    for briefing in editions:
        for item in briefing.also:
            if item.url.startswith(pages) and item.url.endswith(".html"):
                linked.add(item.url[len(pages):-len(".html")])
    return linked


def _edition_path(root: Path, key: str, name: str) -> Path:
    if not EDITION_KEY.match(key):
        raise RenderError(f"bad edition key {key!r}")
    return safe_path(root, key, name)


def _article_name(article_id: str) -> str:
    if not ARTICLE_ID.match(article_id):
        raise RenderError(f"bad article id {article_id!r}")
    return f"{article_id}.html"


def _edition_page(env: Environment, briefing: Briefing, site_url: str) -> str:
    return render(env, "edition.html", title=briefing.title, root="../", site_url=site_url, briefing=briefing,
                  period=format_period(briefing.edition), overview=overview(briefing),
                  number=source_numbers(briefing), also=briefing.also, also_more=0)


def _feed_item(env: Environment, briefing: Briefing, site_url: str) -> str:
    """The edition as a feed item: read in a feed reader like the email, so its "Also this week"
    is the email's (the first ``ALSO_IN_EMAIL`` lines, then a link to the rest on the web page),
    not the thousands of lines a broad topic's web page may list (20 such items made the feed
    documents tens of megabytes)."""
    return render(env, "feed_item.html", root=site_url, site_url=site_url, briefing=briefing,
                  period=format_period(briefing.edition), overview=overview(briefing),
                  number=source_numbers(briefing), **also_in_brief(briefing.also))


def _index_page(env: Environment, title: str, editions: Sequence[Briefing]) -> str:
    periods = {b.edition.key: format_period(b.edition) for b in editions}
    return render(env, "index.html", title=title, root="", editions=editions, periods=periods)


PARAGRAPH_CACHE_SIZE = 8_192


def _article_page(pages: BlockPages, article: Article) -> str:
    # One sentence a span, with the id a bullet's link names (``fragments.sentence_anchor``);
    # the inline page furniture the summariser never saw is left out here too.
    return pages.render(article=article, paragraphs=_paragraphs(article.text), original=http_url(article.url))


@lru_cache(maxsize=PARAGRAPH_CACHE_SIZE)
def _paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    """The sentences of each paragraph of ``text`` as its page shows them, once per distinct
    text in a process (a scheduler or web process writes the same pages again)."""
    return tuple(tuple(split_sentences(without_inline_boilerplate(p))) for p in text.split("\n") if p.strip())
