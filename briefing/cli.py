"""The command line: the only place that prints and chooses exit codes.

Exit codes: 0 success; 1 a run failed (store, render or delivery error);
2 bad settings or usage; 3 the run finished but quarantined input (ingest)
or left recipients undelivered (send).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from briefing import __version__
from briefing.clock import SystemClock
from briefing.errors import BriefingError, ConfigError
from briefing.models import DeliveryReport
from briefing.settings import CONFIG_ENV, Settings, load_settings

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
    ctx.obj = Context(config)


@cli.command()
@click.pass_obj
def ingest(obj: Context) -> None:
    """Read the configured folders and feeds once into the store.

    Exits with 3 when some input was quarantined (see `briefing status`).
    """
    from briefing.ingest import collect
    from briefing.store import Store

    store = Store.open(obj.settings.store.path)
    try:
        report = collect(obj.settings, store, SystemClock())
    finally:
        store.close()
    click.echo(f"added {report.added}, unchanged {report.unchanged}, duplicates {report.duplicates}, "
               f"quarantined {len(report.quarantined)}, feed errors {len(report.feed_errors)}")
    for item in (*report.quarantined, *report.feed_errors):
        click.echo(f"  {item.origin}: {item.reason}", err=True)
    if report.quarantined:
        sys.exit(EXIT_INCOMPLETE)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the edition as JSON.")
@click.pass_obj
def build(obj: Context, as_json: bool) -> None:
    """Ingest, summarise and render the current edition under output.dir; send nothing."""
    from briefing import pipeline
    from briefing.serialise import briefing_to_json
    from briefing.store import Store

    store = Store.open(obj.settings.store.path)
    try:
        result = pipeline.build(obj.settings, store, SystemClock())
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(briefing_to_json(result.briefing), ensure_ascii=False, indent=2))
        return
    b = result.briefing
    click.echo(f"edition {b.edition.key}: {len(b.stories)} stories from {b.article_count} articles")
    click.echo(f"web page: {obj.settings.output.dir / b.edition.key / 'index.html'}")
    click.echo(f"email preview: {obj.settings.output.dir / b.edition.key / 'email.html'}")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Write the .eml files that would go out under output.dir/outbox/; "
              "no network, nothing recorded.")
@click.pass_obj
def send(obj: Context, dry_run: bool) -> None:
    """Send the current edition to every recipient who has not had it."""
    from briefing import pipeline

    report = pipeline.send(obj.settings, dry_run=dry_run)
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
        ("email size", f"{report.email_bytes / 1024:.1f} KB HTML"),
        ("web page", out / report.edition / "index.html"),
        ("feed", out / "feed.xml"),
    ]
    if report.outbox is not None:
        rows.append(("outbox", f"{report.outbox} ({report.count('written')} .eml files)"))
    if report.skipped_reason:
        rows.append(("not sent", report.skipped_reason))
    for label, value in rows:
        click.echo(f"{label + ':':<12} {value}")
    for delivery in report.deliveries:
        if delivery.error:
            click.echo(f"  {delivery.recipient}: {delivery.status}: {delivery.error}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Articles, quarantined input, sources and editions in the store."""
    from briefing.store import Store

    store = Store.open(obj.settings.store.path)
    try:
        quarantined = store.quarantined()
        data: dict[str, Any] = {
            "articles": store.article_count(),
            "quarantined": len(quarantined),
            "quarantine": [{"origin": q.origin, "source": q.source, "reason": q.reason, "at": q.at} for q in quarantined],
            "sources": [{"name": s.name, "kind": s.kind, "url": s.url, "last_error": s.last_error,
                         "last_error_at": s.last_error_at, "failures": s.failures, "disabled": s.disabled}
                        for s in store.sources()],
            "editions": [{"key": e.key, "status": e.status, "sent_at": e.sent_at} for e in store.editions()],
        }
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"store: {obj.settings.store.path}")
    click.echo(f"articles: {data['articles']}   quarantined: {data['quarantined']}")
    for q in data["quarantine"]:
        click.echo(f"  quarantined {q['origin']}: {q['reason']}")
    for s in data["sources"]:
        state = "disabled" if s["disabled"] else (f"failing ({s['failures']}x): {s['last_error']}" if s["last_error"] else "ok")
        click.echo(f"source {s['name']} [{s['kind']}] {s['url']}: {state}")
    for e in data["editions"]:
        click.echo(f"edition {e['key']}: {e['status']} {e['sent_at']}")


def main() -> None:
    """Entry point: run the CLI and turn briefing's errors into messages and exit codes."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        click.echo(f"briefing: configuration error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except BriefingError as exc:
        click.echo(f"briefing: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
