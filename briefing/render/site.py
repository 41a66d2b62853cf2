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

A build does each piece of work once: an article page is rendered only for an
article that an edition of the archive links (not for every unpublished
article the week brought), and a file whose bytes are already on disk is left
alone (no rewrite, no new mtime: rsync and caches see nothing changed).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment

from briefing.errors import RenderError
from briefing.layout import BOILERPLATE_INLINE
from briefing.models import EDITION_KEY, Article, Briefing, RenderedEmail, Site
from briefing.render.environment import format_period, overview, render, source_numbers
from briefing.render.feed import build_feed
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
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.chmod(temporary, FILE_MODE)  # mkstemp makes 0600: a web server could not read it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
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
    linked = linked_article_ids(editions)
    for article in articles:
        # Only articles an edition links to this page (see article_page) get one.
        if article.id in linked and not http_url(article.url):
            written.append(write_if_changed(_article_path(root, article.id), _article_page(env, article, title)))
    written.append(write_if_changed(safe_path(root, "index.html"), _index_page(env, title, editions)))
    feed_editions = list(editions[:keep])
    for name in ("feed.xml", "atom.xml"):
        generator = build_feed(title, site_url, feed_editions, lambda b: _feed_item(env, b, site_url), self_name=name)
        document = generator.rss_str(pretty=True) if name == "feed.xml" else generator.atom_str(pretty=True)
        written.append(write_if_changed(safe_path(root, name), bytes(document)))
    return Site(root=root, files=tuple(written))


def linked_article_ids(editions: Sequence[Briefing]) -> set[str]:
    """Ids of every article the editions reference (each reference may be a link to its page here)."""
    return {ref.id for briefing in editions for story in briefing.stories for ref in story.articles}


def _edition_path(root: Path, key: str, name: str) -> Path:
    if not EDITION_KEY.match(key):
        raise RenderError(f"bad edition key {key!r}")
    return safe_path(root, key, name)


def _article_path(root: Path, article_id: str) -> Path:
    if not ARTICLE_ID.match(article_id):
        raise RenderError(f"bad article id {article_id!r}")
    return safe_path(root, "articles", f"{article_id}.html")


def _edition_page(env: Environment, briefing: Briefing, site_url: str) -> str:
    return render(env, "edition.html", title=briefing.title, root="../", site_url=site_url, briefing=briefing,
                  period=format_period(briefing.edition), overview=overview(briefing),
                  number=source_numbers(briefing))


def _feed_item(env: Environment, briefing: Briefing, site_url: str) -> str:
    return render(env, "feed_item.html", root=site_url, site_url=site_url, briefing=briefing,
                  period=format_period(briefing.edition), overview=overview(briefing),
                  number=source_numbers(briefing))


def _index_page(env: Environment, title: str, editions: Sequence[Briefing]) -> str:
    periods = {b.edition.key: format_period(b.edition) for b in editions}
    return render(env, "index.html", title=title, root="", editions=editions, periods=periods)


def _clean_line(line: str) -> str:
    for pattern in BOILERPLATE_INLINE:
        line = pattern.sub("", line)
    return line


def _article_page(env: Environment, article: Article, title: str) -> str:
    # One sentence a span, with the id a bullet's link names (``fragments.sentence_anchor``);
    # the inline page furniture the summariser never saw is left out here too.
    paragraphs = [split_sentences(_clean_line(p)) for p in article.text.split("\n") if p.strip()]
    return render(env, "article.html", title=title, root="../", article=article, paragraphs=paragraphs,
                  original=http_url(article.url))
