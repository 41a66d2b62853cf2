"""The command line: the only place that prints and chooses exit codes.

Exit codes: 0 success; 1 a run failed (store, render or delivery error);
2 bad settings or usage; 3 the run finished but quarantined input or had a
feed fail (ingest), or left recipients undelivered (send).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefing import __version__
from briefing.clock import SystemClock
from briefing.errors import BriefingError, ConfigError
from briefing.models import SUBSCRIBER_STATUSES, DeliveryReport, IngestReport, WritingReport
from briefing.settings import CONFIG_ENV, Settings, load_settings

if TYPE_CHECKING:
    from briefing.store import Store

EXIT_ERROR, EXIT_USAGE, EXIT_INCOMPLETE = 1, 2, 3


class Context:
    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "-c", type=click.Path(path_type=Path, dir_okay=False), envvar=CONFIG_ENV,
              help=f"Settings file (default: env {CONFIG_ENV}, else the bundled config/briefing.toml).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(__version__, prog_name="briefing")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, verbose: int, quiet: bool) -> None:
    """Weekly topic briefings from folders of articles and RSS/Atom feeds."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="briefing: %(levelname)s: %(message)s", stream=sys.stderr)
    # trafilatura logs an ERROR for every page it finds no tree in; ingest already
    # says what it did with such a file (read its blocks, or quarantined it).
    logging.getLogger("trafilatura").setLevel(logging.DEBUG if verbose >= 2 else logging.CRITICAL)
    ctx.obj = Context(config)


@cli.command()
@click.pass_obj
def ingest(obj: Context) -> None:
    """Read the configured folders and feeds once into the store.

    Exits with 3 when some input was quarantined or a feed failed (see
    `briefing status`). On a terminal a progress bar is drawn on stderr.
    """
    from briefing.ingest import collect
    from briefing.store import Store
    from briefing.topic import full_text_keeper

    with Store.open_settings(obj.settings.store) as store, _progress_bars() as progress:
        report = collect(obj.settings, store, SystemClock(), progress=progress,
                         keep=full_text_keeper(obj.settings.topic))
    _print_ingest(report)
    if report.quarantined or report.feed_errors:
        sys.exit(EXIT_INCOMPLETE)


@contextmanager
def _progress_bars() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback drawing one bar per stage on stderr; None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    with ExitStack() as stack:
        bars: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = stack.enter_context(
                    click.progressbar(length=total, label=f"reading {stage}", show_pos=True, file=sys.stderr))
            bars[stage].update(done - bars[stage].pos)

        yield update


def _print_ingest(report: IngestReport, prefix: str = "") -> None:
    click.echo(f"{prefix}added {report.added}, unchanged {report.unchanged}, duplicates {report.duplicates}, "
               f"quarantined {len(report.quarantined)}, feed errors {len(report.feed_errors)}, "
               f"updated {report.updated}, feeds fetched {report.feeds_fetched}, "
               f"feeds not modified {report.feeds_not_modified}, pages fetched {report.pages_fetched}, "
               f"pages failed {report.pages_failed}")
    for item in (*report.quarantined, *report.feed_errors):
        click.echo(f"  {item.origin}: {item.reason}", err=True)


@cli.command()
@click.option("--polling", is_flag=True, help="Poll the folders every second instead of using inotify "
              "(for network file systems; also the automatic fallback when inotify is unavailable).")
@click.pass_obj
def watch(obj: Context, polling: bool) -> None:
    """Run until stopped: ingest new or changed files within seconds, poll feeds every sources.poll_minutes.

    SIGINT (Ctrl-C) or SIGTERM stops it after the pass in progress, exit code 0.
    Each pass that found something prints one summary line.
    """
    import threading
    from datetime import datetime

    from briefing.deliver.ledger import stop_on_signals
    from briefing.ingest.watch import watch as watch_folders
    from briefing.store import Store
    from briefing.topic import full_text_keeper

    def announce(name: str) -> None:
        click.echo(f"briefing: {name} received: stopping", err=True)

    def echo_pass(kind: str, report: IngestReport) -> None:
        if report.added or report.updated or report.duplicates or report.quarantined or report.feed_errors:
            _print_ingest(report, prefix=f"{datetime.now():%H:%M:%S} {kind}: ")

    with stop_on_signals(threading.Event(), announce) as stop:
        click.echo(f"briefing: watching {len(obj.settings.sources.folders)} folder(s) and "
                   f"{len(obj.settings.sources.feeds)} feed(s); Ctrl-C stops", err=True)
        with Store.open_settings(obj.settings.store) as store:
            watch_folders(obj.settings, store, SystemClock(), stop, polling=polling, on_pass=echo_pass,
                          keep=full_text_keeper(obj.settings.topic))


NO_LLM_HELP = "Tell every story with the extractive editor alone: no request to llm.base_url."


def _without_model(settings: Settings, no_llm: bool) -> Settings:
    """``settings`` with the model writer off (``--no-llm``)."""
    from dataclasses import replace

    return replace(settings, llm=replace(settings.llm, base_url="")) if no_llm else settings


def _print_writing(writing: WritingReport | None) -> None:
    """What the model writer did: stories written, bullets rejected and why, stories it fell back on."""
    if writing is None:
        return
    from collections import Counter

    kinds = Counter(r.kind for r in writing.rejected)
    why = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
    click.echo(f"model writer: {writing.written} stories written by {writing.model} ({writing.cached} from the cache), "
               f"{len(writing.fallbacks)} told extractively; {writing.requests} requests, {writing.tokens} tokens; "
               f"{len(writing.rejected)} bullets rejected" + (f" ({why})" if why else ""))
    for story, reason in writing.fallbacks[:20]:
        click.echo(f"  story {story}: extractive: {reason}", err=True)
    for rejection in writing.rejected[:20]:
        click.echo(f"  story {rejection.story}: {rejection.part} rejected: {rejection.reason}: "
                   f"{rejection.text[:100]!r}", err=True)
    hidden = max(0, len(writing.fallbacks) - 20) + max(0, len(writing.rejected) - 20)
    if hidden:
        click.echo(f"  ... and {hidden} more", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the edition as JSON.")
@click.option("--no-llm", is_flag=True, help=NO_LLM_HELP)
@click.pass_obj
def build(obj: Context, as_json: bool, no_llm: bool) -> None:
    """Ingest, summarise and render the current edition under output.dir; send nothing.

    With llm.base_url set, the model writes the heaviest stories (checked against
    their sources; see the README); the report says how many and what it rejected.
    """
    from briefing import pipeline
    from briefing.serialise import briefing_to_json
    from briefing.store import Store

    settings = _without_model(obj.settings, no_llm)
    with Store.open_settings(settings.store) as store:
        result = pipeline.build(settings, store, SystemClock())
    if as_json:
        click.echo(json.dumps(briefing_to_json(result.briefing), ensure_ascii=False, indent=2))
        return
    b = result.briefing
    click.echo(f"edition {b.edition.key}: {len(b.stories)} stories from {b.article_count} articles")
    click.echo(f"also this week: {len(b.also)} more on-topic stories listed; off topic: {b.off_topic} articles left out")
    click.echo(f"reading: {_reading(result.email.text, obj.settings)}")
    click.echo(f"web page: {obj.settings.output.dir / b.edition.key / 'index.html'}")
    click.echo(f"email preview: {obj.settings.output.dir / b.edition.key / 'email.html'}")
    if result.email.collapsed:
        click.echo(f"email shortened: {result.email.collapsed} lower-weight stories as title + link only "
                   f"(output.max_email_bytes = {obj.settings.output.max_email_bytes})")
    _print_writing(result.writing)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Write the .eml files that would go out under output.dir/outbox/; "
              "no network, nothing recorded.")
@click.option("--to", "address", metavar="ADDRESS", help="Send one test copy to ADDRESS only; the ledger is not touched.")
@click.option("--no-llm", is_flag=True, help=NO_LLM_HELP)
@click.pass_obj
def send(obj: Context, dry_run: bool, address: str | None, no_llm: bool) -> None:
    """Send the current edition to every recipient who has not had it.

    SIGTERM or Ctrl-C stops between two recipients; the rest stay pending for the next run.
    A dry run computes what a real send would send, so with llm.base_url set it may
    ask the model endpoint (--no-llm: it does not).
    """
    import threading

    from briefing import pipeline
    from briefing.addresses import check_address
    from briefing.deliver.ledger import stop_on_signals

    if address is not None:
        if dry_run:
            raise click.UsageError("--to and --dry-run do not go together")
        try:
            address = check_address(address)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None
        report = pipeline.send_test(_without_model(obj.settings, no_llm), address)
    else:
        with stop_on_signals(threading.Event()) as stop:
            report = pipeline.send(_without_model(obj.settings, no_llm), dry_run=dry_run, stop=stop)
    _print_report(report, obj.settings)
    if report.count("pending") or report.count("failed"):
        sys.exit(EXIT_INCOMPLETE)


def _print_report(report: DeliveryReport, settings: Settings) -> None:
    out = settings.output.dir
    if report.dry_run:
        click.echo("DRY RUN: nothing was sent, the store is unchanged.")
    rows: list[tuple[str, Any]] = [
        ("edition", report.edition),
        ("stories", report.stories),
        ("articles", report.articles),
        ("recipients", f"{report.recipients} ({report.count('sent')} sent, {report.count('written')} written, "
                       f"{report.count('pending')} pending, {report.count('failed')} failed)"),
        ("also", f"{report.also} more on-topic stories listed under \"Also this week\""),
        ("off topic", f"{report.off_topic} articles left out (`briefing articles --off-topic`)"),
        ("reading", _reading_words(report.words, settings)),
        ("email size", f"{report.email_bytes / 1024:.1f} KB HTML"),
        ("web page", out / report.edition / "index.html"),
        ("feed", out / "feed.xml"),
    ]
    if report.collapsed:
        rows.append(("shortened", f"{report.collapsed} lower-weight stories as title + link only: the full email "
                                  f"was over output.max_email_bytes ({settings.output.max_email_bytes} bytes)"))
    if report.outbox is not None:
        rows.append(("outbox", f"{report.outbox} ({report.count('written')} .eml files)"))
    if report.skipped_reason:
        rows.append(("not sent", report.skipped_reason))
    for label, value in rows:
        click.echo(f"{label + ':':<12} {value}")
    problems = [d for d in report.deliveries if d.error]
    for delivery in problems[:20]:
        click.echo(f"  {delivery.recipient}: {delivery.status}: {delivery.error}", err=True)
    if len(problems) > 20:
        click.echo(f"  ... and {len(problems) - 20} more", err=True)
    for note in report.notes:
        click.echo(f"briefing: {note}", err=True)
    _print_writing(report.writing)


def _reading(text: str, settings: Settings) -> str:
    from briefing.summarise.budget import count_words

    return _reading_words(count_words(text), settings)


def _reading_words(words: int, settings: Settings) -> str:
    from briefing.summarise.budget import WORDS_PER_MINUTE, reading_minutes

    over = " (over briefing.max_words: the lead story alone is longer)" if words > settings.briefing.max_words else ""
    return (f"{words:,} words in the plain-text email, about {max(1, round(reading_minutes(words)))} min at "
            f"{WORDS_PER_MINUTE} words a minute (budget {settings.briefing.max_words:,}){over}")


@cli.command()
@click.option("--off-topic", "off_topic", is_flag=True, help="Only the articles the topic leaves out.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def articles(obj: Context, off_topic: bool, as_json: bool) -> None:
    """Articles waiting for the next edition, with their relevance to the topic and why.

    Scored against [topic] as configured now, most relevant first; with
    --off-topic only those under topic.threshold, which never enter an edition
    (they stay stored: a changed topic can take them in). Those stored before
    the last edition was made are marked "(earlier)": that edition counted them,
    the current one does not. Nothing is fetched.
    """
    from briefing import pipeline
    from briefing.store import Store

    with Store.open_settings(obj.settings.store) as store:
        found = pipeline.candidates(obj.settings, store)
    shown = [c for c in found if not (off_topic and c.relevance.on_topic)]
    if as_json:
        click.echo(json.dumps([
            {"id": c.article.id, "title": c.article.title, "source": c.article.source, "url": c.article.url,
             "published": c.article.published.isoformat() if c.article.published else None,
             "relevance": c.relevance.score, "on_topic": c.relevance.on_topic, "reason": c.relevance.reason,
             "earlier": c.earlier}
            for c in shown], ensure_ascii=False, indent=2))
        return
    for c in shown:
        mark = ("on " if c.relevance.on_topic else "off") + (" (earlier)" if c.earlier else "")
        click.echo(f"{c.relevance.score:.2f} {mark} {c.article.id}  {c.article.title[:70]}  [{c.article.source}]")
        click.echo(f"     {c.relevance.reason}")
    off = sum(1 for c in found if not c.relevance.on_topic)
    earlier = sum(1 for c in found if c.earlier and not c.relevance.on_topic)
    click.echo(f"{len(found)} articles waiting: {len(found) - off} on topic, {off} off topic "
               f"({earlier} of them stored before the last edition; topic.threshold = "
               f"{obj.settings.topic.threshold:g})", err=True)


@cli.command()
@click.option("--standby", is_flag=True,
              help="If another scheduler is active, wait and take over when it stops (schedule.standby_seconds).")
@click.pass_obj
def schedule(obj: Context, standby: bool) -> None:
    """Run in the foreground: the weekly send and the feed polling.

    Sends at schedule.day schedule.time in briefing.timezone, polls feeds every
    sources.poll_minutes, and on start sends this week's edition at once if its
    time has passed and it is not fully sent. SIGTERM or Ctrl-C stops cleanly
    between two recipients. One scheduler per store: a second one exits with 1,
    unless started with --standby: then it waits and takes over within
    schedule.standby_seconds when the active one dies.
    """
    from briefing import schedule as scheduling

    if logging.getLogger().level <= logging.WARNING:  # unattended: say what it does unless -q
        logging.getLogger("briefing").setLevel(min(logging.getLogger().level, logging.INFO))
    scheduling.run(obj.settings, standby=standby)


@cli.command()
@click.option("--check", is_flag=True, help="Only say whether the store is at this briefing's schema (exit 1 if not).")
@click.pass_obj
def migrate(obj: Context, check: bool) -> None:
    """Bring the store's schema to this briefing's version (Alembic migrations).

    Every command also migrates on start; run this first when several
    processes share a PostgreSQL store. A store written by a newer briefing
    is refused.
    """
    from briefing.db.migrate import status, upgrade_store

    before, after = status(obj.settings.store) if check else upgrade_store(obj.settings.store)
    if check and before != after:
        click.echo(f"store schema {before or 'empty'}; this briefing needs {after}: run `briefing migrate`")
        raise SystemExit(1)
    click.echo(f"store schema: {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Articles, quarantined input, sources and editions in the store."""
    from briefing.ingest.fulltext import page_counts, page_problems
    from briefing.pipeline import candidates
    from briefing.store import Store

    with Store.open_settings(obj.settings.store) as store:
        quarantined = store.quarantined()
        waiting = candidates(obj.settings, store)
        on = sum(1 for c in waiting if c.relevance.on_topic)
        earlier = sum(1 for c in waiting if c.earlier and not c.relevance.on_topic)
        pages: dict[str, Any] = {"counts": page_counts(store), "problems": [
            {"url": p.url, "source": p.document.source, "title": p.document.title, "status": p.status,
             "reason": p.reason, "attempts": p.attempts} for p in page_problems(store)]}
        data: dict[str, Any] = {
            "articles": store.article_count(),
            "quarantined": len(quarantined),
            "quarantine": [{"origin": q.origin, "source": q.source, "reason": q.reason, "at": q.at} for q in quarantined],
            "sources": [{"name": s.name, "kind": s.kind, "url": s.url, "last_error": s.last_error,
                         "last_error_at": s.last_error_at, "failures": s.failures, "disabled": s.disabled}
                        for s in store.sources()],
            "editions": [{"key": e.key, "status": e.status, "sent_at": e.sent_at} for e in store.editions()],
            "current": {"on_topic": on, "off_topic": len(waiting) - on - earlier, "off_topic_earlier": earlier},
            "pages": pages,
        }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"store: {obj.settings.store.url or obj.settings.store.path}")
    click.echo(f"articles: {data['articles']}   quarantined: {data['quarantined']}")
    click.echo(f"current edition (articles not yet in an edition): {on} on topic, {len(waiting) - on - earlier} off topic"
               f" ({earlier} more off topic, stored before the last edition)"
               + ("" if obj.settings.topic.enabled else " (no [topic] configured: everything is on topic)"))
    for q in data["quarantine"]:
        click.echo(f"  quarantined {q['origin']}: {q['reason']}")
    for s in data["sources"]:
        state = f"disabled: {s['last_error']}" if s["disabled"] else (
            f"failing ({s['failures']}x, last {s['last_error_at']}): {s['last_error']}" if s["last_error"] else "ok")
        click.echo(f"source {s['name']} [{s['kind']}] {s['url']}: {state}")
    for e in data["editions"]:
        click.echo(f"edition {e['key']}: {e['status']} {e['sent_at']}")
    counts = pages["counts"]
    if counts:
        click.echo("full-text pages: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for p in pages["problems"]:
        kept = "teaser kept" if p["status"] == "failed" else f"teaser kept, retried next pass ({p['attempts']} tries)"
        click.echo(f"  page {p['url']} [{p['source']}]: {p['reason']} ({kept})")


@cli.group()
def subscribers() -> None:
    """The subscriber list in the store (plus email.recipients from the settings).

    Statuses: pending (signed up, not confirmed), active, unsubscribed, bounced.
    An unsubscribed or bounced address never gets another edition, even when
    added, imported or listed in the settings again; only signing up on the
    web and confirming lifts that.
    """


def _subscriber_store(settings: Settings) -> Store:
    """The store, opened for a `with` block (imported here to keep `--help` fast)."""
    from briefing.store import Store

    return Store.open_settings(settings.store)


def _addresses(addresses: tuple[str, ...], *, stored: bool = False) -> list[str]:
    """Every address normalised, or a usage error naming the first bad one (nothing is changed)."""
    from briefing.subscribers import normalise

    try:
        return [normalise(address, stored=stored) for address in addresses]
    except BriefingError as exc:
        raise click.BadParameter(str(exc), param_hint="ADDRESS") from None


@subscribers.command("list")
@click.option("--status", type=click.Choice(SUBSCRIBER_STATUSES), help="Only these.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def subscribers_list(obj: Context, status: str | None, as_json: bool) -> None:
    """Every subscriber with status, source and times; configured recipients show as source "config"."""
    from briefing.subscribers import EXPORT_COLUMNS, SUPPRESSED, listing

    with _subscriber_store(obj.settings) as store:
        rows = listing(obj.settings, store, status or "")
    if as_json:
        click.echo(json.dumps([{k: getattr(row, k) for k in EXPORT_COLUMNS} for row in rows], indent=2))
        return
    for row in rows:
        since = row.unsubscribed_at if row.status in SUPPRESSED else row.confirmed_at or row.created_at
        click.echo(f"{row.address:<40} {row.status:<12} {since[:10] or '-':<10}  {row.source}")
    counts = {s: sum(1 for row in rows if row.status == s) for s in ("active", "pending", "unsubscribed", "bounced")}
    click.echo(f"{len(rows)} subscribers: " + ", ".join(f"{n} {s}" for s, n in counts.items()), err=True)


@subscribers.command("add")
@click.argument("addresses", metavar="ADDRESS...", nargs=-1, required=True)
@click.pass_obj
def subscribers_add(obj: Context, addresses: tuple[str, ...]) -> None:
    """Make addresses active at once, without a confirmation (you vouch for their consent).

    An unsubscribed or bounced address is not re-added (exit 3): the person
    must sign up again and confirm.
    """
    from briefing import subscribers as library

    refused = 0
    with _subscriber_store(obj.settings) as store:
        for address in _addresses(addresses):
            outcome = library.add(store, address, SystemClock().now())
            if outcome == "suppressed":
                refused += 1
                click.echo(f"{address}: not added: it unsubscribed or bounced, and that wins; "
                           "it can sign up again on the web and confirm", err=True)
            else:
                click.echo(f"{address}: {outcome}")
    if refused:
        sys.exit(EXIT_INCOMPLETE)


@subscribers.command("remove")
@click.argument("addresses", metavar="ADDRESS...", nargs=-1, required=True)
@click.option("--bounced", is_flag=True, help="Record them as bounced (dead mailbox) rather than unsubscribed.")
@click.pass_obj
def subscribers_remove(obj: Context, addresses: tuple[str, ...], bounced: bool) -> None:
    """Stop sending to addresses, for good: they are kept as suppressed, so no config or import brings them back."""
    from briefing import subscribers as library

    status = "bounced" if bounced else "unsubscribed"
    with _subscriber_store(obj.settings) as store:
        for address in _addresses(addresses, stored=True):
            changed = library.unsubscribe(store, address, SystemClock().now(), status=status, source="cli")
            click.echo(f"{address}: {status}" if changed else f"{address}: already suppressed")


@subscribers.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_obj
def subscribers_import(obj: Context, file: Path) -> None:
    """Add the addresses of a CSV file as active; bad rows are reported by line number (exit 3), the rest imported.

    The address is the column headed "email" or "address" (else the first);
    an optional "status" column may say active, unsubscribed or bounced, as
    `briefing subscribers export` writes.
    """
    from briefing.subscribers import import_csv

    with _subscriber_store(obj.settings) as store:
        report = import_csv(store, file, SystemClock().now())
    click.echo(f"imported {file}: {report.added} added, {report.unchanged} already active, "
               f"{report.suppressed} suppressed (never mailed), {len(report.bad)} bad rows")
    for line, reason in report.bad:
        click.echo(f"  {file}, line {line}: {reason}", err=True)
    if report.bad:
        sys.exit(EXIT_INCOMPLETE)


@subscribers.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout).")
@click.pass_obj
def subscribers_export(obj: Context, output: Path | None) -> None:
    """Write every stored subscriber, suppressed ones too, as CSV (what `import` reads back)."""
    from briefing.subscribers import export_csv

    with _subscriber_store(obj.settings) as store:
        if output is None:
            export_csv(store, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = export_csv(store, handle)
    click.echo(f"wrote {count} subscribers to {output}", err=True)


@cli.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=None,
              help="Port to listen on (default: web.port; 0 picks a free one).")
@click.pass_obj
def serve(obj: Context, port: int | None) -> None:
    """Run the web application: the archive and feeds of output.dir, sign-up and unsubscribe.

    Listens on web.host (default 127.0.0.1). Pages: /subscribe (double opt-in),
    /confirm, /unsubscribe (one click, RFC 8058); everything else is the archive
    `briefing build` wrote. Needs env BRIEFING_SECRET_KEY (the same as for
    `briefing send`) and refuses to start without it. SIGTERM or Ctrl-C stops.
    """
    from briefing.errors import SubscriberError
    from briefing.web.server import WebServer

    settings = obj.settings
    try:
        server = WebServer(settings, port)
    except SubscriberError as exc:  # no usable link secret: the configuration must change (exit 2)
        raise _Misconfigured(str(exc)) from None
    except OSError as exc:  # the address is taken or not ours: exit 1
        where = f"{settings.web.host}:{settings.web.port if port is None else port}"
        raise click.ClickException(f"cannot serve on {where}: {exc.strerror or exc}") from None
    click.echo(f"serving {settings.output.dir} at {server.url}  (feed: {server.url}feed.xml; "
               f"sign-up: {server.url}subscribe; Ctrl-C stops)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass


@cli.group()
def feeds() -> None:
    """Feed subscriptions: list them, export them as OPML, discover a site's feeds."""


def _feed_rows(settings: Settings) -> list[dict[str, Any]]:
    from briefing.ingest.poll import feed_names
    from briefing.store import Store

    with Store.open_settings(settings.store) as store:
        states = {state.name: state for state in store.sources() if state.kind == "feed"}
    rows = []
    for (name, url), feed in zip(feed_names(settings.sources.feeds), settings.sources.feeds, strict=True):
        state = states.get(name)
        if state is None or not (state.last_error or state.etag or state.last_modified or state.failures):
            status = "new" if state is None else "ok"
        else:
            status = "disabled" if state.disabled else ("failing" if state.last_error else "ok")
        rows.append({
            "name": name, "url": url, "origin": feed.origin, "folder": feed.folder, "state": status,
            "last_error": state.last_error if state else "", "last_error_at": state.last_error_at if state else "",
            "failures": state.failures if state else 0, "full_text": feed.full_text or settings.sources.full_text,
            "private": bool(feed.auth or feed.headers),
        })
    return rows


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def feeds_list(obj: Context, as_json: bool) -> None:
    """Every configured feed (sources.feeds and the OPML files) with its origin, state and last error."""
    rows = _feed_rows(obj.settings)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        error = f": {row['last_error']}" if row["last_error"] else ""
        click.echo(f"{row['name']:<30} {row['state']:<8} {row['url']}  [{row['origin']}]{error}")
    click.echo(f"{len(rows)} feeds", err=True)


@feeds.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout).")
@click.pass_obj
def feeds_export(obj: Context, output: Path | None) -> None:
    """Write every configured feed as OPML 2.0 (Feedly, Inoreader and Miniflux import it)."""
    from briefing.opml import Subscription, write_opml

    settings = obj.settings
    items = [Subscription(url=feed.url, name=feed.name, folder=feed.folder) for feed in settings.sources.feeds]
    data = write_opml(items, title=f"{settings.briefing.title} feeds", created=SystemClock().now())
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {len(items)} feeds to {output}", err=True)


@feeds.command("discover")
@click.argument("url")
@click.pass_obj
def feeds_discover(obj: Context, url: str) -> None:
    """Find the feeds of the website at URL and print them ready to paste into sources.feeds.

    Reads the page's <link rel="alternate"> (RSS, Atom, JSON Feed), else tries
    the usual paths (/feed, /rss.xml, /atom.xml, /index.xml, ...); each
    candidate is fetched and kept only if it parses as a feed. Exit 1 when
    none is found or the site cannot be fetched.
    """
    from briefing.errors import SourceError
    from briefing.ingest.discover import as_toml, discover
    from briefing.ingest.feeds import HttpFetcher

    sources = obj.settings.sources
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    def fetcher(trust_origin: bool) -> HttpFetcher:
        return HttpFetcher(timeout=sources.fetch_timeout, max_bytes=sources.max_feed_bytes,
                           allow_private=sources.allow_private_hosts, trust_origin=trust_origin)

    with fetcher(True) as site, fetcher(False) as others:
        try:
            found = discover(url, site, others)
        except SourceError as exc:
            click.echo(f"briefing: cannot read {url}: {exc.reason}", err=True)
            sys.exit(EXIT_ERROR)
    if not found:
        click.echo(f"briefing: no feed found at {url} (no <link rel=\"alternate\"> feed, none at the usual paths)",
                   err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"# {len(found)} feed(s) found at {url}; paste into [sources]:")
    click.echo(as_toml(found))


class _Misconfigured(click.ClickException):
    """A problem the settings or the environment must fix: the usage exit code, as ``ConfigError``."""

    exit_code = EXIT_USAGE


def main() -> None:
    """Entry point: run the CLI and turn briefing's errors into messages and exit codes."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # usage errors carry 2, others 1, ``_Misconfigured`` 2
        exc.show()
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        click.echo(f"briefing: configuration error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except BriefingError as exc:
        click.echo(f"briefing: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # anything else is a bug: one line here, the traceback at debug level (-vv)
        logging.getLogger("briefing").debug("unexpected error", exc_info=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"briefing: unexpected error (a bug in briefing): {type(exc).__name__}"
                   f"{': ' + first if first else ''}; run the command again with -vv for the traceback "
                   "and report it", err=True)
        sys.exit(EXIT_ERROR)
