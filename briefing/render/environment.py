"""The jinja2 environment shared by every renderer.

Autoescape is on for HTML and XML templates, undefined names fail loudly
(``StrictUndefined``), so a template typo is a ``RenderError``, not a blank;
every value printed passes ``strip_control`` and every link an article
supplies goes through the ``href`` filter, which lets only http(s) through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from briefing.errors import RenderError
from briefing.models import AlsoItem, Briefing, Edition
from briefing.render.fragments import sentence_anchor, sentence_spans, sentence_url
from briefing.safety import http_url, strip_control
from briefing.summarise.budget import ALSO_IN_EMAIL

# What an unusable link becomes: a harmless link to the top of the page.
NO_LINK = "#"


def make_environment(templates: Path, site_url: str) -> Environment:
    if not templates.is_dir():
        raise RenderError(f"templates folder {templates} does not exist; set output.templates or reinstall briefing")
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters["date"] = format_date
    env.filters["href"] = lambda url, root="": href(url, site_url, root)
    env.filters["anchor"] = sentence_anchor
    env.filters["spans"] = lambda paragraph: sentence_spans(tuple(paragraph))  # a paragraph as its spans
    env.filters["in_order"] = lambda ids, numbers: sorted(ids, key=numbers.__getitem__)  # [1] [3], not [3] [1]
    env.filters["host"] = lambda url: urlsplit(http_url(url)).hostname or url
    env.globals["sentence_url"] = lambda story, point, article_id: sentence_url(story, point, article_id, site_url)
    return env


def render(env: Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(lang="en", **context)
    except TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc


def _printable(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return strip_control(value)
    return value


def format_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def format_period(edition: Edition) -> str:
    """"16–22 Nov 2026" for the ISO week (its last day is the Sunday)."""
    first, last = edition.start, edition.end - timedelta(days=1)
    if first.year != last.year:
        return f"{format_date(first)} – {format_date(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {format_date(last)}"
    return f"{first.day}–{format_date(last)}"


def overview(briefing: Briefing, collapsed: int = 0) -> str:
    """The "this week" line: how many stories, articles and sources, and what is shortened."""
    stories, articles, sources = len(briefing.stories), briefing.article_count, briefing.source_count
    if not stories:
        return "nothing new came in."
    text = (f"{stories} {_plural(stories, 'story', 'stories')} from {articles} {_plural(articles, 'article', 'articles')}"
            f" and {sources} {_plural(sources, 'source', 'sources')}.")
    if collapsed:
        text += (" The last story is listed in brief at the end; read it in full on the web." if collapsed == 1 else
                 f" The last {collapsed} are listed in brief at the end; read them in full on the web.")
    if briefing.also:
        count = len(briefing.also)
        text += f" {count} more {_plural(count, 'story', 'stories')} under \"Also this week\"."
    return text


def also_in_brief(also: Sequence[AlsoItem]) -> dict[str, Any]:
    """The "Also this week" lines of the email and the feed item, as their templates take them:
    the first ``ALSO_IN_EMAIL`` (``also``) and how many more the web page lists (``also_more``)."""
    return {"also": also[:ALSO_IN_EMAIL], "also_more": max(0, len(also) - ALSO_IN_EMAIL)}


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def href(url: str, site_url: str, root: str = "") -> str:
    """A link safe to print: http(s) only; with ``root``, our own pages become relative.

    Relative links let the archive work from any static server and from disk.
    """
    url = http_url(url)
    if not url:
        return NO_LINK
    if root and url.startswith(site_url):
        path, hash_mark, fragment = url[len(site_url):].partition("#")
        if path.endswith("/") or not path:
            path += "index.html"  # a plain file server or a browser on disk needs the file name
        return root + path + hash_mark + fragment
    return url


def source_numbers(briefing: Briefing) -> dict[str, dict[str, int]]:
    """For each story, its articles numbered from 1 (the [n] after each bullet)."""
    return {s.id: {ref.id: n for n, ref in enumerate(s.articles, start=1)} for s in briefing.stories}
