"""``briefing schedule``: the weekly send and the feed polling, unattended for months.

APScheduler 3.x (``BackgroundScheduler``) runs in the foreground process with
its job store in SQLite beside the store (``var/briefing.db`` ->
``var/briefing.jobs.db``):

- two jobs with fixed ids, ``weekly-send`` and ``poll-feeds``, referenced as
  ``"module:function"`` strings with the settings file as their argument (the
  job store deletes a job whose pickled callable it cannot load again), added
  with ``replace_existing=True`` on every start: starting twice leaves one of
  each, and a changed ``schedule.*`` takes effect on restart;
- every job run re-reads the settings file, so recipients can change without
  a restart;
- ``coalesce=True`` (several missed runs make one), ``max_instances=1`` and a
  single worker thread, so a send and a poll never overlap;
- ``misfire_grace_time`` is ``MISFIRE_GRACE``, one week: a run missed while the
  scheduler was stalled (machine asleep, process stopped) still happens once
  until the next one is due. APScheduler's default of 1 s skips the week.

Exactly-once is not APScheduler's business: it stores ``next_run_time`` when
it submits a job, so a crash mid-send is never retried by it. The ledger is
the truth: on start, ``catch_up_reason`` asks it whether this week's send time
has passed with the edition not fully sent, and if so the weekly job's next
run is set to now, once. Each feed poll asks the same about an edition already
claimed, so recipients left pending (server down, 4xx) are retried every
``sources.poll_minutes`` until the week ends. The send itself only mails
whoever has not had the edition (``briefing.deliver.ledger``), one sender at a
time (``var/briefing.send.lock``), so a manual ``briefing send`` cannot race it.

One scheduler per store: ``var/briefing.schedule.lock`` (``fcntl.flock``), or
on PostgreSQL an advisory lock, with the jobs in the shared database
(``briefing.db.leader``). A second one exits with a message naming the pid
that holds it; started with ``--standby`` it waits and takes over when the
active one dies. SIGTERM/SIGINT
set ``STOP``: a running send stops between two recipients, then the scheduler
shuts down after waiting for it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefing import pipeline
from briefing.clock import SystemClock, edition_for
from briefing.db.engine import is_postgresql, store_url
from briefing.db.leader import scheduler_lock
from briefing.db.locks import database_file
from briefing.deliver.ledger import stop_on_signals
from briefing.errors import BriefingError
from briefing.ingest import collect
from briefing.settings import DAYS, Settings, load_settings
from briefing.store import Store
from briefing.topic import full_text_keeper

log = logging.getLogger(__name__)

SEND_JOB = "weekly-send"
POLL_JOB = "poll-feeds"
MISFIRE_GRACE = 7 * 24 * 3600  # seconds: a missed weekly run is made up until the next one
STOP = threading.Event()  # set by SIGTERM/SIGINT (or a test): stop between recipients, then exit


class WeeklyTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler ships no types
    """Once a week at a local wall-clock time: exactly one fire per week, whatever DST does.

    APScheduler 3.11's ``CronTrigger`` fires twice when the time falls in the
    autumn fold (measured: Europe/Berlin, Sunday 02:30 on 2026-10-25 fired at
    00:30 and 01:30 UTC). Here a time in the fold fires once, at its first
    occurrence; a time in the spring gap fires when the wall clock has skipped
    past it (02:30 -> 03:30). Fire times are returned in UTC: the scheduler runs
    in UTC, because Python compares two datetimes of the same zone by wall time,
    ignoring the fold.
    """

    def __init__(self, day: str, at: time, zone: ZoneInfo) -> None:
        self.weekday = DAYS.index(day)
        self.at = at
        self.zone = zone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        start = now.astimezone(UTC)
        if previous_fire_time is not None:
            start = min(start, previous_fire_time.astimezone(UTC) + timedelta(microseconds=1))
        local = start.astimezone(self.zone)
        day = local.date() + timedelta(days=(self.weekday - local.weekday()) % 7)
        while (fire := self.fire_on(day)) < start:
            day += timedelta(days=7)
        return fire

    def fire_on(self, day: date) -> datetime:
        """The instant of the send on ``day`` (fold 0: the first of two; in a gap, the offset before it)."""
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def __str__(self) -> str:
        return f"weekly[{DAYS[self.weekday]} {self.at:%H:%M} {self.zone.key}]"

    def __repr__(self) -> str:
        return f"<WeeklyTrigger ({self})>"


def weekly_trigger(settings: Settings) -> WeeklyTrigger:
    return WeeklyTrigger(settings.schedule.day, settings.schedule.time, settings.briefing.timezone)


def jobs_path(store: Path) -> Path:
    """``var/briefing.db`` -> ``var/briefing.jobs.db``."""
    return store.with_name(f"{store.stem}.jobs.db")


def catch_up_reason(settings: Settings, store: Store, now: datetime, *, started_only: bool = False) -> str:
    """Why this week's send must run now ("" when it need not): its time passed, not fully sent.

    ``started_only`` asks only about an edition already claimed with recipients
    still pending (the feed poll retries those); an edition never claimed (the
    scheduler was down, or the week had no new articles) is caught up on start.
    """
    edition = edition_for(now, settings.briefing.timezone)
    due = weekly_trigger(settings).get_next_fire_time(None, edition.start)
    if due > now:
        return ""
    row = store.edition(edition.key)
    if (row is None and started_only) or (row is not None and row.status == "sent"):
        return ""
    state = "not sent" if row is None else "only partly sent"
    return f"edition {edition.key} was due {_local(due, settings)} and is {state}"


class Scheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler ships no types
    """APScheduler's ``BackgroundScheduler``, minus one pass over due jobs after shutdown.

    In 3.11 ``shutdown()`` stops the executors, then wakes the scheduler thread,
    which runs ``_process_jobs`` once more (it checks for "paused", not
    "stopped"): submitting a due job fails, yet its next run time is advanced
    and stored, so a run due at that moment is silently consumed.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


def make_scheduler(settings: Settings) -> Scheduler:
    url = store_url(settings.store.url, settings.store.path)
    if is_postgresql(url):  # the jobs live in the shared database, where a standby finds them
        jobstore = SQLAlchemyJobStore(url=url)
    else:
        path = jobs_path(database_file(settings.store))  # beside the database opened, however it is named
        path.parent.mkdir(parents=True, exist_ok=True)
        jobstore = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    return Scheduler(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        timezone=UTC,
    )


def install_jobs(scheduler: Scheduler, settings: Settings, now: datetime) -> datetime:
    """Add (or replace) both jobs; return when the weekly send runs next."""
    trigger = weekly_trigger(settings)
    with Store.open_settings(settings.store) as store:
        reason = catch_up_reason(settings, store, now)
    missed = _stored_run_time(scheduler)
    if reason:
        log.warning("catching up: %s; sending now", reason)
    elif missed is not None and missed <= now:
        log.warning("the weekly send due %s was missed while the scheduler was down; its articles go out "
                    "with the next edition", _local(missed, settings))
    next_send = now if reason else trigger.get_next_fire_time(None, now)
    config = [str(settings.file)]
    scheduler.add_job("briefing.schedule:send_job", trigger, args=config, id=SEND_JOB, name="weekly send",
                      replace_existing=True, next_run_time=next_send)
    poll = settings.sources.poll_minutes
    scheduler.add_job("briefing.schedule:poll_job", IntervalTrigger(minutes=poll), args=config, id=POLL_JOB,
                      name="poll feeds", replace_existing=True, next_run_time=now, misfire_grace_time=poll * 60)
    return next_send


def _stored_run_time(scheduler: Scheduler) -> datetime | None:
    try:
        job = scheduler.get_job(SEND_JOB)
    except Exception as exc:  # noqa: BLE001  # an unreadable pickle (any error): we replace the job
        log.warning("stored weekly job unreadable (%s); replacing it", exc)
        return None
    return job.next_run_time if job is not None else None


def run(settings: Settings, *, standby: bool = False) -> None:
    """Run the scheduler in the foreground until SIGTERM/SIGINT (or ``STOP``).

    ``standby``: while another scheduler is active, wait to take over instead
    of exiting (``briefing.db.leader``).
    """
    STOP.clear()
    with stop_on_signals(STOP), scheduler_lock(settings, STOP, standby=standby) as alive:
        if alive is None:
            log.info("scheduler stopped while standing by")
            return
        scheduler = make_scheduler(settings)
        scheduler.start(paused=True)
        try:
            next_send = install_jobs(scheduler, settings, datetime.now(UTC))
            scheduler.resume()
            log.info("scheduler running: next weekly send %s; feeds polled every %d min; jobs in %s",
                     _local(next_send, settings), settings.sources.poll_minutes, jobs_path(settings.store.path))
            while not STOP.wait(1.0) and alive():
                pass
            log.info("stopping: waiting for a running job to reach a safe point")
        finally:
            scheduler.shutdown(wait=True)
    log.info("scheduler stopped")


def send_job(config: str) -> None:
    """The weekly send, as the job store calls it ("briefing.schedule:send_job")."""
    try:
        _send(load_settings(Path(config)))
    except BriefingError as exc:
        log.error("weekly send failed: %s", exc)


def poll_job(config: str) -> None:
    """Read folders and feeds into the store, then retry this week's pending recipients."""
    try:
        settings = load_settings(Path(config))
        with Store.open_settings(settings.store) as store:
            report = collect(settings, store, SystemClock(), keep=full_text_keeper(settings.topic))
            retry = catch_up_reason(settings, store, datetime.now(UTC), started_only=True)
        log.info("feed poll: %d added, %d feed errors", report.added, len(report.feed_errors))
        if retry:
            log.info("retrying: %s", retry)
            _send(settings)
    except BriefingError as exc:
        log.error("feed poll failed: %s", exc)


def _send(settings: Settings) -> None:
    report = pipeline.send(settings, dry_run=False, stop=STOP)
    if report.skipped_reason:
        log.info("weekly send: nothing sent: %s", report.skipped_reason)
        return
    log.info("weekly send %s: %d sent, %d pending, %d failed", report.edition,
             report.count("sent"), report.count("pending"), report.count("failed"))


def _local(moment: datetime, settings: Settings) -> str:
    zone = settings.briefing.timezone
    return f"{moment.astimezone(zone):%a %Y-%m-%d %H:%M} {zone.key}"
