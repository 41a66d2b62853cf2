"""The jinja2 environment shared by every renderer.

Autoescape is on for HTML templates and undefined names fail loudly
(``StrictUndefined``), so a template typo is a ``RenderError``, not a blank.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from briefing.errors import RenderError
from briefing.models import Briefing, Edition


def make_environment(templates: Path, site_url: str) -> Environment:
    if not templates.is_dir():
        raise RenderError(f"templates folder {templates} does not exist; set output.templates or reinstall briefing")
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["local"] = lambda url, root: local_link(url, site_url, root)
    return env


def render(env: Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(lang="en", **context)
    except TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc


def format_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def format_period(edition: Edition) -> str:
    """"17–23 Nov 2026" for the ISO week (its last day is the Sunday)."""
    first, last = edition.start, edition.end - timedelta(days=1)
    if first.year != last.year:
        return f"{format_date(first)} – {format_date(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {format_date(last)}"
    return f"{first.day}–{format_date(last)}"


def local_link(url: str, site_url: str, root: str) -> str:
    """A link to our own site made relative, so the archive works from any static server."""
    if url.startswith(site_url):
        rest = url[len(site_url) :]
        return root + (rest + "index.html" if rest.endswith("/") or not rest else rest)
    return url


def source_numbers(briefing: Briefing) -> dict[str, dict[str, int]]:
    """For each story, its articles numbered from 1 (the [n] after each bullet)."""
    return {s.id: {ref.id: n for n, ref in enumerate(s.articles, start=1)} for s in briefing.stories}
