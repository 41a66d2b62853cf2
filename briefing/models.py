"""Typed, frozen values that travel between the pipeline's stages.

``Document`` (read from a file or a feed entry) -> ``Article`` (stored, with an
id) -> ``Story`` -> ``Briefing`` -> ``RenderedEmail`` -> ``DeliveryReport``, and the
stages' reports (``IngestReport``, ``WritingReport``). The store's own rows
(``briefing.store``: ``EditionRow``, ``Subscriber``, ...) pass only between the
store and the stage that asked; no dict of unknown shape crosses a boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, get_args

# Statuses, checked by mypy (strict equality): what the store's status columns hold.
DeliveryStatus = Literal["sent", "failed", "pending", "written"]  # "written": to the outbox, a dry run
FINAL_DELIVERY: Final[frozenset[DeliveryStatus]] = frozenset({"sent", "failed"})  # never mailed this edition again
EditionStatus = Literal["sending", "sent"]  # claimed (recorded) and being mailed | every recipient final
SubscriberStatus = Literal["pending", "active", "unsubscribed", "bounced"]
SUBSCRIBER_STATUSES: Final[tuple[SubscriberStatus, ...]] = get_args(SubscriberStatus)

EDITION_KEY_PATTERN: Final = r"\d{4}-W\d{2}"  # an ISO week: 2026-W47 (also a folder name of the archive)
EDITION_KEY: Final = re.compile(rf"{EDITION_KEY_PATTERN}\Z")


@dataclass(frozen=True)
class Document:
    """One article as a reader produced it, before it has an id."""

    source: str  # name of the folder or feed it came from
    origin: str  # file path or feed URL (for messages and quarantine)
    title: str
    text: str  # clean plain text, paragraphs separated by newlines
    url: str = ""  # link to the original; "" when the article has none
    published: datetime | None = None  # timezone-aware when known
    guid: str = ""


@dataclass(frozen=True)
class Sections:
    """An article split into the parts a briefing is made of (by the summariser:
    ``summarise.sections.sections_of``; articles carry only their text)."""

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
    relevance: float = 1.0  # to the topic, 0..1 (briefing.topic); 1.0 without a topic


@dataclass(frozen=True)
class Point:
    """One bullet: a highlight, an implication or a question, with its sources."""

    text: str
    sources: tuple[str, ...]  # article ids, at least one
    # The sentence each source said it in, aligned with ``sources`` (for links to the
    # sentence: text fragments, archive anchors); () or "" = unknown, link the article.
    quotes: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # URLs the sentence carried, shown as links, not text

    def __post_init__(self) -> None:
        if not self.sources:  # a bullet nobody said cannot be linked, checked or trusted
            raise ValueError(f"a point needs at least one source article: {self.text[:60]!r}")

    def quote(self, article_id: str) -> str:
        """The sentence ``article_id`` said this point in, or ""."""
        for source, quote in zip(self.sources, self.quotes):
            if source == article_id:
                return quote
        return ""


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
class AlsoItem:
    """An on-topic story past the edition's budget: one line under "Also this week"."""

    title: str
    url: str  # absolute http(s) link, as in ``ArticleRef``
    source: str
    relevance: float


@dataclass(frozen=True)
class Edition:
    """An ISO week in the briefing's timezone, e.g. ``2026-W47``."""

    key: str
    start: datetime  # Monday 00:00 local, inclusive
    end: datetime  # next Monday 00:00 local, exclusive

    def __post_init__(self) -> None:
        if not EDITION_KEY.match(self.key):  # it names folders, URLs and the store's rows
            raise ValueError(f"edition key {self.key!r} is not an ISO week like 2026-W47")


@dataclass(frozen=True)
class Briefing:
    """One edition's content, ready to render."""

    title: str
    edition: Edition
    generated: datetime
    site_url: str
    stories: tuple[Story, ...]
    also: tuple[AlsoItem, ...] = ()  # on-topic stories past the budget, most important first
    off_topic: int = 0  # candidate articles left out as off topic (stored, never in an edition)

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
    status: DeliveryStatus
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
    words: int = 0  # words of the plain-text part (the reading budget, briefing.max_words)
    also: int = 0  # on-topic stories listed under "Also this week"
    off_topic: int = 0  # candidate articles left out as off topic
    writing: WritingReport | None = None  # what the model writer did (None: off, or a recorded edition)

    def count(self, status: DeliveryStatus) -> int:
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


@dataclass(frozen=True)
class Rejection:
    """A bullet (or title, dek) the model wrote that failed the check; the extractive one stood in."""

    story: str  # story id
    part: str  # "title" | "dek" | "highlights" | "implications" | "questions"
    text: str
    reason: str  # e.g. "number 47% is not in the cited articles"
    kind: str  # short category for the report: "number", "name", "source", "budget", "shape"


@dataclass(frozen=True)
class WritingReport:
    """What the optional model writer (``briefing.llm``) did for one edition."""

    model: str
    written: int = 0  # stories the model's answer was used for (wholly or in part)
    cached: int = 0  # ... of which the answer came from the store's cache, no request
    requests: int = 0  # HTTP requests sent (retries included)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallbacks: tuple[tuple[str, str], ...] = ()  # (story id, why) told by the extractive editor instead
    rejected: tuple[Rejection, ...] = ()

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
