"""RSS 2.0 and Atom feeds of the editions, written with feedgen.

One item per edition, newest first. The guid is the edition's absolute URL
(so isPermaLink is true); ``content:encoded`` carries the edition's web HTML.
``lastBuildDate``/``updated`` is the newest edition's generation time, so the
same editions always give the same bytes (golden files depend on it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone


from feedgen.feed import FeedGenerator

from briefing.models import Briefing
from briefing.render.environment import format_period


def build_feed(title: str, site_url: str, editions: Sequence[Briefing], content: Callable[[Briefing], str],
               *, self_name: str = "feed.xml") -> FeedGenerator:
    """A feed of ``editions`` (newest first); ``content`` gives each its HTML.

    ``self_name`` is the file the feed is published as (its rel="self" link).
    """
    generator = FeedGenerator()
    generator.load_extension("dc")
    generator.id(site_url)
    generator.title(title)
    generator.description(f"{title}: the week's stories, highlights, implications and questions to watch.")
    generator.language("en")
    # feedgen makes the channel <link> the last link added: self first, alternate last.
    generator.link(href=f"{site_url}{self_name}", rel="self")
    generator.link(href=site_url, rel="alternate")
    generator.generator("briefing")
    built = max((b.generated for b in editions), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    generator.lastBuildDate(built)
    generator.updated(built)
    for briefing in reversed(editions):  # feedgen lists the last added first
        entry = generator.add_entry()
        entry.id(briefing.url)
        entry.guid(briefing.url, permalink=True)
        entry.title(f"{briefing.title}: {briefing.edition.key} ({format_period(briefing.edition)})")
        entry.link(href=briefing.url)
        entry.published(briefing.generated)
        entry.updated(briefing.generated)
        entry.description(_summary(briefing))
        entry.content(content(briefing), type="CDATA")
    return generator


def _summary(briefing: Briefing) -> str:
    titles = "; ".join(s.title for s in briefing.stories[:5])
    count = len(briefing.stories)
    return f"{count} {'story' if count == 1 else 'stories'}: {titles}" if titles else "Nothing new this week."


