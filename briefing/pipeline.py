"""The pipeline, top to bottom: collect -> store -> select -> summarise -> render -> deliver.

``build`` runs the first five stages and writes the site; ``send`` adds
delivery. A dry run is the same code on an in-memory copy of the store (on
PostgreSQL: inside a transaction that is always rolled back), with
feeds left unfetched (no network) and the ``OutboxMailer`` writing ``.eml``
files: the store on disk is never touched.

Exactly-once: an edition (ISO week) is claimed in one transaction together
with its article list and content, so a resumed send mails the very same
edition, and each recipient is marked only after the server accepted it
(``briefing.deliver.ledger``): on SQLite one sender at a time, behind a file
lock; on PostgreSQL several senders share the recipients, each claimed by one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from briefing import subscribers
from briefing.clock import Clock, SystemClock, edition_for
from briefing.db.engine import shares_senders
from briefing.db.locks import hold, lock_for
from briefing.deliver import ledger
from briefing.deliver.mailer import Mailer, OutboxMailer, SmtpMailer
from briefing.ingest import collect
from briefing.models import (
    Article,
    ArticleRef,
    Briefing,
    DeliveryReport,
    Edition,
    IngestReport,
    RenderedEmail,
    WritingReport,
)
from briefing.render.email import render_email
from briefing.render.environment import make_environment
from briefing.render.site import article_page, write_site
from briefing.safety import http_url
from briefing.serialise import edition_from_content
from briefing.settings import SECRET_ENV, Settings
from briefing.store import Store
from briefing.summarise.budget import count_words
from briefing.summarise.ranking import plan_edition
from briefing.summarise.story import StoryBudget
from briefing.summarise.updates import mark_updates
from briefing.tokens import Tokens
from briefing.topic import Relevance, Topic, full_text_keeper, load_topic

if TYPE_CHECKING:
    from briefing.llm.writer import ModelWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Build:
    """What the first five stages produced."""

    briefing: Briefing
    email: RenderedEmail
    ingest: IngestReport
    new_articles: int  # articles in this edition not sent before
    already_recorded: bool  # the edition was in the store before this build
    writing: WritingReport | None = None  # what the model writer did; None: off, or the edition was recorded


def build(settings: Settings, store: Store, clock: Clock, *, fetch_feeds: bool = True) -> Build:
    """Collect, store, select, summarise and render the current edition."""
    topic = load_topic(settings.topic)  # exemplars read once: for the full-text fetch and for the edition
    report = collect(settings, store, clock, fetch_feeds=fetch_feeds, keep=full_text_keeper(topic))
    edition = edition_for(clock.now(), settings.briefing.timezone)
    stored = store.edition(edition.key)
    recorded = _recorded(store)
    writer: ModelWriter | None = None  # the model writer while llm.base_url is set (imported only then: httpx)
    if edition.key in recorded:
        briefing = recorded[edition.key]
        articles = store.articles(store.edition_article_ids(edition.key))
    else:
        candidates = store.articles(store.unpublished_article_ids())
        relevance = score_articles(settings, candidates, topic)
        articles = [a for a in candidates if relevance[a.id].on_topic]  # the others stay stored, unpublished
        since = last_edition_time(store, edition.key)
        off_topic = sum(1 for a in candidates if not relevance[a.id].on_topic and not arrived_before(a, since))
        if len(candidates) - len(articles) > off_topic:
            log.info("topic: %d off-topic articles stored before the last edition stay waiting, not counted again",
                     len(candidates) - len(articles) - off_topic)
        if settings.llm.enabled:
            from briefing.llm.writer import make_writer

            writer = make_writer(settings.llm, store, clock)
        briefing = make_briefing(settings, edition, articles, clock.now(), earlier=list(recorded.values()),
                                 relevance={k: r.score for k, r in relevance.items()},
                                 off_topic=off_topic, writer=writer)
    env = make_environment(settings.output.templates, settings.output.site_url)
    email = render_email(briefing, env, unsubscribe_url=unsubscribe_url(settings), max_bytes=settings.output.max_email_bytes)
    write_site(
        settings.output.dir, env, title=settings.briefing.title, site_url=settings.output.site_url,
        editions=_archive(recorded, briefing), current=briefing, email=email, articles=articles,
        keep=settings.output.keep_editions,
    )
    return Build(briefing, email, report, len(articles), stored is not None,
                 writer.report if writer is not None else None)


def score_articles(settings: Settings, articles: Sequence[Article], topic: Topic | None = None) -> dict[str, Relevance]:
    """Each article's relevance to the topic (everything is on topic without one), by id."""
    topic = topic or load_topic(settings.topic)
    scores = topic.score_many(articles)
    off = sum(1 for r in scores if not r.on_topic)
    if topic.enabled:
        log.info("topic: %d of %d candidate articles on topic, %d off topic", len(scores) - off, len(scores), off)
    return {article.id: relevance for article, relevance in zip(articles, scores, strict=True)}


def last_edition_time(store: Store, key: str) -> datetime | None:
    """When the newest edition before ``key`` was recorded; None before the first.

    Off-topic articles stored before then were that edition's to report: the current
    edition counts (``Briefing.off_topic``) only those that arrived since. The older
    ones stay stored and are scored again at every build, so a changed topic can still
    take them in; ``briefing articles --off-topic`` lists them marked "earlier".
    """
    times = [_aware(datetime.fromisoformat(row.created_at)) for row in store.editions()
             if row.key < key and row.created_at]
    return max(times, default=None)


def arrived_before(article: Article, since: datetime | None) -> bool:
    """The article was stored by ``since`` (when the last edition was recorded), so that edition left it out."""
    return since is not None and _aware(article.ingested) <= since


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """An article waiting for an edition, with its relevance to the topic."""

    article: Article
    relevance: Relevance
    earlier: bool = False  # stored before the last edition (which left it out), see ``last_edition_time``


def candidates(settings: Settings, store: Store, clock: Clock | None = None) -> list[Candidate]:
    """Every stored article not yet in an edition, scored, most relevant first (``briefing articles``)."""
    articles = store.articles(store.unpublished_article_ids())
    scores = score_articles(settings, articles)
    clock = clock or SystemClock()
    since = last_edition_time(store, edition_for(clock.now(), settings.briefing.timezone).key)
    found = [Candidate(a, scores[a.id], arrived_before(a, since)) for a in articles]
    return sorted(found, key=lambda c: (-c.relevance.score, -c.article.when.timestamp(), c.article.id))


def make_briefing(settings: Settings, edition: Edition, articles: list[Article], now: datetime,
                  earlier: Sequence[Briefing] = (), relevance: dict[str, float] | None = None,
                  off_topic: int = 0, writer: ModelWriter | None = None) -> Briefing:
    """The edition of ``articles`` (all on topic): ranked, told within the budget, the rest as "Also"."""
    scores = relevance or {}

    def make_ref(article: Article) -> ArticleRef:
        url = http_url(article.url)  # javascript:, data:, file: ... never become a link
        return ArticleRef(
            id=article.id, title=article.title, source=article.source, published=article.published,
            url=url or article_page(settings.output.site_url, article.id), relevance=scores.get(article.id, 1.0),
        )

    budget = StoryBudget(settings.briefing.max_highlights, settings.briefing.max_implications,
                         settings.briefing.max_questions)
    plan = plan_edition(articles, make_ref, scores, now, max_stories=settings.briefing.max_stories,
                        max_words=settings.briefing.max_words, budget=budget)
    stories = mark_updates(plan.stories, earlier)
    if writer is not None:  # the optional model writer: checked against the sources, extractive fallback
        stories = writer.write(stories, articles)
    return Briefing(title=settings.briefing.title, edition=edition, generated=now,
                    site_url=settings.output.site_url, stories=stories,
                    also=plan.also, off_topic=off_topic)


def send(settings: Settings, *, dry_run: bool, clock: Clock | None = None, mailer: Mailer | None = None,
         stop: threading.Event | None = None) -> DeliveryReport:
    """Build the current edition and mail it to every recipient who has not had it."""
    clock = clock or SystemClock()
    sender = nullcontext() if dry_run or shares_senders(settings.store) else hold(
        lock_for(settings.store, "send"), "another `briefing send`")
    with sender, _open_store(settings, rehearse=dry_run) as store:
        result = build(settings, store, clock, fetch_feeds=not dry_run)
        key = result.briefing.edition.key
        if not result.already_recorded and result.new_articles == 0 and not settings.briefing.send_empty:
            reason = f"edition {key} has no new articles and briefing.send_empty is false"
            log.info("not sending: %s", reason)
            return _report(result, dry_run, ledger.SendOutcome(()), None, reason)
        if not result.already_recorded and not ledger.claim(store, result.briefing, clock.now()):
            result = build(settings, store, clock, fetch_feeds=False)  # another sender claimed it first: use theirs
        outbox = settings.output.dir / "outbox" / key
        mailing = _mailing(settings, result, store, clock, dry_run=dry_run)
        with mailer or (OutboxMailer(outbox) if dry_run else SmtpMailer(settings.smtp)) as active:
            outcome = ledger.deliver(mailing, store, active, clock, stop or threading.Event())
        ledger.finish(store, subscribers.recipients(settings, store), key, clock.now())  # less who left meanwhile
        return _report(result, dry_run, outcome, outbox if dry_run else None, "")


def send_test(settings: Settings, address: str, *, clock: Clock | None = None, mailer: Mailer | None = None) -> DeliveryReport:
    """Mail the current edition to ``address`` alone, marked as a test; the ledger is not touched."""
    clock = clock or SystemClock()
    with _open_store(settings, rehearse=True) as store:
        result = build(settings, store, clock)
        with mailer or SmtpMailer(settings.smtp) as active:
            delivery = ledger.send_test_copy(_mailing(settings, result, store, clock), active, address, clock)
        return _report(result, False, ledger.SendOutcome((delivery,)), None, "")


@contextmanager
def _open_store(settings: Settings, *, rehearse: bool) -> Iterator[Store]:
    """The store on disk, or an in-memory copy of it that is thrown away afterwards."""
    store = disk = Store.open_settings(settings.store)
    if rehearse:
        try:
            store = disk.rehearse()
        finally:
            disk.close()
    try:
        yield store
    finally:
        store.close()


def _mailing(settings: Settings, result: Build, store: Store, clock: Clock, *, dry_run: bool = False) -> ledger.Mailing:
    """The edition's email, its audience (config + active subscribers, never a suppressed
    address) and, with ``BRIEFING_SECRET_KEY`` set, each recipient's own unsubscribe link."""
    tokens = None
    if settings.web.secret_key:
        tokens = Tokens(settings.web.secret_key, clock, settings.subscribers.confirm_days)
    else:
        log.log(logging.INFO if dry_run else logging.WARNING, "env %s is not set: unsubscribe links carry no "
                "token, so one-click unsubscribe cannot work (set it as for `briefing serve`)", SECRET_ENV)
    return ledger.Mailing(result.briefing.edition.key, result.email, settings, unsubscribe_url(settings),
                          recipients=subscribers.recipients(settings, store), tokens=tokens)


def _recorded(store: Store) -> dict[str, Briefing]:
    """Every edition recorded in the store, by key, newest first."""
    return {row.key: edition_from_content(row.content) for row in store.editions() if row.content}


def _archive(recorded: dict[str, Briefing], current: Briefing) -> list[Briefing]:
    """Every recorded edition plus the current one, newest first."""
    editions = {**recorded, current.edition.key: current}
    return [editions[key] for key in sorted(editions, reverse=True)]


def unsubscribe_url(settings: Settings) -> str:
    return settings.email.unsubscribe_url or f"{settings.output.site_url}unsubscribe"


def _report(result: Build, dry_run: bool, outcome: ledger.SendOutcome, outbox: Path | None, reason: str) -> DeliveryReport:
    briefing = result.briefing
    return DeliveryReport(
        edition=briefing.edition.key, stories=len(briefing.stories), articles=briefing.article_count,
        recipients=len(outcome.deliveries), email_bytes=len(result.email.html.encode("utf-8")),
        dry_run=dry_run, deliveries=outcome.deliveries, outbox=outbox, skipped_reason=reason,
        notes=outcome.notes, collapsed=result.email.collapsed, words=count_words(result.email.text),
        also=len(briefing.also), off_topic=briefing.off_topic, writing=result.writing,
    )
