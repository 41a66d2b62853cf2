"""Typed, frozen values that travel between the pipeline's stages.

``Document`` (read from a file or a feed entry) -> ``Article`` (stored, with an
id) -> ``Story`` -> ``Briefing`` -> ``RenderedEmail`` -> ``DeliveryReport``.
Nothing else crosses a stage boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Document:
    """One article as a reader produced it, before it has an id."""

    source: str  # name of the folder or feed it came from
    origin: str  # file path or feed URL (for messages and quarantine)
    title: str
    text: str  # clean plain text, paragraphs separated by newlines
    url: str = ""  # link to the original; "" when the article has none
    published: datetime | None = None  # timezone-aware when known
    author: str = ""
    guid: str = ""


@dataclass(frozen=True)
class Sections:
    """An article split into the parts a briefing is made of."""

    title: str  # title line when the text had one, else ""
    highlights: tuple[str, ...]
    body: tuple[str, ...]
    implications: tuple[str, ...]
    questions: tuple[str, ...]
    closing: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """A stored article. ``id`` is derived from the normalised content."""

    id: str
    source: str
    title: str
    text: str
    url: str
    published: datetime | None
    ingested: datetime
    sections: Sections

    @property
    def when(self) -> datetime:
        """The time the article speaks for: published when known, else ingested."""
        return self.published or self.ingested


@dataclass(frozen=True)
class ArticleRef:
    """What a reader of the briefing sees of a source article."""

    id: str
    title: str
    url: str  # absolute http(s) link: the original, or its page in the archive
    source: str
    published: datetime | None


@dataclass(frozen=True)
class Point:
    """One bullet: a highlight, an implication or a question, with its sources."""

    text: str
    sources: tuple[str, ...]  # article ids, at least one


@dataclass(frozen=True)
class Story:
    """Articles about the same event or thread, told as bullets."""

    id: str
    title: str
    dek: str
    highlights: tuple[Point, ...]
    implications: tuple[Point, ...]
    questions: tuple[Point, ...]
    tags: tuple[str, ...]
    articles: tuple[ArticleRef, ...]
    update_of: str = ""  # edition key of the story this one continues, if any

    def article(self, article_id: str) -> ArticleRef:
        """The story's reference for ``article_id`` (used to link bullets)."""
        for ref in self.articles:
            if ref.id == article_id:
                return ref
        raise KeyError(article_id)


@dataclass(frozen=True)
class Edition:
    """An ISO week in the briefing's timezone, e.g. ``2026-W47``."""

    key: str
    start: datetime  # Monday 00:00 local, inclusive
    end: datetime  # next Monday 00:00 local, exclusive


@dataclass(frozen=True)
class Briefing:
    """One edition's content, ready to render."""

    title: str
    edition: Edition
    generated: datetime
    site_url: str
    stories: tuple[Story, ...]

    @property
    def article_count(self) -> int:
        return len({ref.id for story in self.stories for ref in story.articles})

    @property
    def source_count(self) -> int:
        return len({ref.source for story in self.stories for ref in story.articles})

    @property
    def url(self) -> str:
        """Absolute URL of this edition's web page."""
        return f"{self.site_url}{self.edition.key}/"


@dataclass(frozen=True)
class RenderedEmail:
    """The two bodies of one edition's email, before addressing."""

    subject: str
    html: str
    text: str
    preheader: str
    collapsed: int = 0  # stories shortened to title + link to fit the size limit


@dataclass(frozen=True)
class Site:
    """Files written under ``output.dir`` for one build."""

    root: Path
    files: tuple[Path, ...]


@dataclass(frozen=True)
class Delivery:
    """The outcome for one recipient."""

    recipient: str
    message_id: str
    status: str  # "sent" | "failed" | "pending" | "written"
    error: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    """What ``briefing send`` did (or, in a dry run, would do)."""

    edition: str
    stories: int
    articles: int
    recipients: int
    email_bytes: int
    dry_run: bool
    deliveries: tuple[Delivery, ...] = ()
    outbox: Path | None = None
    skipped_reason: str = ""  # non-empty when nothing was sent on purpose
    notes: tuple[str, ...] = field(default=())
    collapsed: int = 0  # stories shortened to title + link to keep the email under output.max_email_bytes

    def count(self, status: str) -> int:
        return sum(1 for d in self.deliveries if d.status == status)


@dataclass(frozen=True)
class Quarantined:
    """An item that could not be used, and why."""

    origin: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What one ingest pass did."""

    added: int = 0
    unchanged: int = 0
    duplicates: int = 0  # arrivals recorded as one more source of a stored article
    quarantined: tuple[Quarantined, ...] = ()
    feed_errors: tuple[Quarantined, ...] = ()
    updated: int = 0  # changed files / entries stored as a new version of their article
    feeds_fetched: int = 0  # feeds answered 200 and parsed
    feeds_not_modified: int = 0  # feeds answered 304: nothing parsed, nothing added
    pages_fetched: int = 0  # article pages fetched for teaser entries and stored as their full text
    pages_failed: int = 0  # article pages that failed (the teaser stays; the reason is on the page)
