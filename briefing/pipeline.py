"""The pipeline, top to bottom: collect -> store -> select -> summarise -> render -> deliver.

``build`` runs the first five stages and writes the site; ``send`` adds
delivery. A dry run is the same code on an in-memory copy of the store, with
feeds left unfetched (no network) and the ``OutboxMailer`` writing ``.eml``
files: the store on disk is never touched.

Exactly-once: an edition (ISO week) is claimed in one transaction together
with its article list and content, so a resumed send mails the very same
edition, and each recipient is marked only after the server accepted it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from briefing.clock import Clock, SystemClock, edition_for
from briefing.deliver.mailer import Mailer, OutboxMailer, SmtpMailer
from briefing.deliver.message import build_message
from briefing.errors import DeliveryError
from briefing.ingest import collect
from briefing.models import Article, ArticleRef, Briefing, Delivery, DeliveryReport, Edition, IngestReport, RenderedEmail, Site
from briefing.render.email import render_email
from briefing.render.environment import make_environment
from briefing.render.site import article_page, write_site
from briefing.serialise import briefing_from_json, briefing_to_json
from briefing.settings import Settings
from briefing.store import Store
from briefing.summarise.edition import summarise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Build:
    """What the first five stages produced."""

    briefing: Briefing
    email: RenderedEmail
    site: Site
    ingest: IngestReport
    new_articles: int  # articles in this edition not sent before
    claimed: bool  # the edition was already recorded in the store


def build(settings: Settings, store: Store, clock: Clock, *, fetch_feeds: bool = True) -> Build:
    """Collect, store, select, summarise and render the current edition."""
    report = collect(settings, store, clock, fetch_feeds=fetch_feeds)
    edition = edition_for(clock.now(), settings.briefing.timezone)
    stored = store.edition(edition.key)
    if stored is not None and stored.content:
        briefing = briefing_from_json(json.loads(stored.content))
        articles = store.articles(store.edition_article_ids(edition.key))
    else:
        articles = store.articles(store.unpublished_article_ids())
        briefing = make_briefing(settings, edition, articles, clock.now())
    env = make_environment(settings.output.templates, settings.output.site_url)
    email = render_email(briefing, env, unsubscribe_url=unsubscribe_url(settings), max_bytes=settings.output.max_email_bytes)
    site = write_site(
        settings.output.dir, env, title=settings.briefing.title, site_url=settings.output.site_url,
        editions=_archive(store, briefing), current=briefing, email=email, articles=articles,
        keep=settings.output.keep_editions,
    )
    return Build(briefing, email, site, report, len(articles), stored is not None)


def make_briefing(settings: Settings, edition: Edition, articles: list[Article], now: datetime) -> Briefing:
    def make_ref(article: Article) -> ArticleRef:
        url = article.url if article.url.startswith(("http://", "https://")) else ""
        return ArticleRef(
            id=article.id, title=article.title, source=article.source, published=article.published,
            url=url or article_page(settings.output.site_url, article.id),
        )

    stories = summarise(articles, make_ref, settings.briefing.max_stories)
    return Briefing(title=settings.briefing.title, edition=edition, generated=now,
                    site_url=settings.output.site_url, stories=stories)


def send(settings: Settings, *, dry_run: bool, clock: Clock | None = None, mailer: Mailer | None = None) -> DeliveryReport:
    """Build the current edition and mail it to every recipient who has not had it."""
    clock = clock or SystemClock()
    disk = Store.open(settings.store.path)
    store = disk.snapshot() if dry_run else disk
    try:
        result = build(settings, store, clock, fetch_feeds=not dry_run)
        briefing = result.briefing
        if not result.claimed and result.new_articles == 0 and not settings.briefing.send_empty:
            reason = f"edition {briefing.edition.key} has no new articles and briefing.send_empty is false"
            log.info("not sending: %s", reason)
            return _report(result, dry_run, (), None, reason)
        if not result.claimed:
            content = json.dumps(briefing_to_json(briefing), ensure_ascii=False, sort_keys=True)
            ids = [ref.id for story in briefing.stories for ref in story.articles]
            store.claim_edition(briefing.edition.key, ids or [], content, clock.now())
        outbox = settings.output.dir / "outbox" / briefing.edition.key
        with mailer or (OutboxMailer(outbox) if dry_run else SmtpMailer(settings.smtp)) as active:
            deliveries = _deliver(settings, store, clock, active, result)
        if all(d.status in ("sent", "written") for d in deliveries):
            store.finish_edition(briefing.edition.key, "sent", clock.now())
        return _report(result, dry_run, deliveries, outbox if dry_run else None, "")
    finally:
        if store is not disk:
            store.close()
        disk.close()


def _deliver(settings: Settings, store: Store, clock: Clock, mailer: Mailer, result: Build) -> tuple[Delivery, ...]:
    key = result.briefing.edition.key
    done = store.delivery_status(key)
    deliveries = []
    for recipient in settings.email.recipients:
        if done.get(recipient) in ("sent", "failed"):
            continue
        message = build_message(
            result.email, edition=key, title=settings.briefing.title, site_url=settings.output.site_url,
            sender=settings.email.sender, recipient=recipient, unsubscribe_url=unsubscribe_url(settings),
            unsubscribe_mailto=settings.email.unsubscribe_mailto, date=clock.now(),
        )
        try:
            mailer.send(message, recipient)
        except DeliveryError as exc:
            status = "pending" if exc.temporary else "failed"
            log.warning("%s: %s (%s)", key, exc, status)
            store.record_delivery(key, recipient, message["Message-ID"], status, str(exc), clock.now())
            deliveries.append(Delivery(recipient, message["Message-ID"], status, str(exc)))
            continue
        status = "written" if isinstance(mailer, OutboxMailer) else "sent"
        store.record_delivery(key, recipient, message["Message-ID"], "sent", "", clock.now())
        deliveries.append(Delivery(recipient, message["Message-ID"], status))
    return tuple(deliveries)


def _archive(store: Store, current: Briefing) -> list[Briefing]:
    """Every recorded edition plus the current one, newest first."""
    editions = {row.key: briefing_from_json(json.loads(row.content)) for row in store.editions() if row.content}
    editions[current.edition.key] = current
    return [editions[key] for key in sorted(editions, reverse=True)]


def unsubscribe_url(settings: Settings) -> str:
    return settings.email.unsubscribe_url or f"{settings.output.site_url}unsubscribe"


def _report(result: Build, dry_run: bool, deliveries: tuple[Delivery, ...], outbox: Path | None, reason: str) -> DeliveryReport:
    briefing = result.briefing
    return DeliveryReport(
        edition=briefing.edition.key, stories=len(briefing.stories), articles=briefing.article_count,
        recipients=len(deliveries), email_bytes=len(result.email.html.encode("utf-8")),
        dry_run=dry_run, deliveries=deliveries, outbox=outbox, skipped_reason=reason,
    )
