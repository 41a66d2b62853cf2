"""RSS 2.0 and Atom feeds of the editions, written with feedgen.

One item per edition, newest first. The guid is the edition's URL as it was
first published (stored with the edition), so it never changes; it is a
permalink only while it still is the edition's address under the configured
``output.site_url``. The RSS ``<description>`` is HTML-escaped text (readers
render it as HTML); Atom's ``<summary type="text">`` is the text. ``content:encoded`` (Atom: ``content type="html"``)
carries the edition's web HTML, passed through ``clean_html``. Every date
comes from the editions themselves, ``lastBuildDate``/``updated`` being the
newest edition's generation time: the same editions give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

from feedgen.feed import FeedGenerator

from briefing.models import Briefing
from briefing.render.environment import format_period
from briefing.safety import clean_html, strip_control

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def build_feed(title: str, site_url: str, editions: Sequence[Briefing], content: Callable[[Briefing], str],
               *, self_name: str = "feed.xml") -> FeedGenerator:
    """A feed of ``editions`` (newest first); ``content`` gives each its HTML.

    ``self_name`` is the file the feed is published as (its rel="self" link).
    """
    generator = FeedGenerator()
    generator.id(site_url)
    generator.title(strip_control(title))
    generator.author(name=strip_control(title))  # Atom wants an author; RSS skips one without email
    generator.description(f"{strip_control(title)}: the week's stories, highlights, implications and questions to watch.")
    generator.language("en")
    # feedgen makes the channel <link> the last link added: self first, alternate last.
    generator.link(href=f"{site_url}{self_name}", rel="self")
    generator.link(href=site_url, rel="alternate")
    generator.generator("briefing")
    built = _seconds(max((b.generated for b in editions), default=EPOCH))
    generator.lastBuildDate(built)
    generator.updated(built)
    for briefing in reversed(editions):  # feedgen lists the last added first
        _add_entry(generator, site_url, briefing, content(briefing))
    return generator


def _add_entry(generator: FeedGenerator, site_url: str, briefing: Briefing, html: str) -> None:
    address = f"{site_url}{briefing.edition.key}/"
    entry = generator.add_entry()
    entry.id(briefing.url)
    entry.guid(briefing.url, permalink=briefing.url == address)
    entry.title(strip_control(f"{briefing.title}: {briefing.edition.key} ({format_period(briefing.edition)})"))
    entry.link(href=address)
    entry.published(_seconds(briefing.generated))
    entry.updated(_seconds(briefing.generated))
    summary = _summary(briefing)
    # RSS readers take <description> as HTML: text from feeds (a story title may be
    # "<img src=x onerror=...>") is escaped for HTML first, then by feedgen for XML.
    # Atom says what its <summary> is: type="text", the plain text itself.
    entry.description(escape(summary, quote=False))
    entry.summary(summary, type="text")
    entry.content(clean_html(html), type="html")  # after description(): it replaces what that set for Atom


def _summary(briefing: Briefing) -> str:
    titles = "; ".join(s.title for s in briefing.stories[:5])
    count = len(briefing.stories)
    text = f"{count} {'story' if count == 1 else 'stories'}: {titles}" if titles else "Nothing new this week."
    return strip_control(text)


def _seconds(moment: datetime) -> datetime:
    """Feeds carry whole seconds (RFC 822 has no fractions; Atom's would only be noise)."""
    return moment.replace(microsecond=0)
