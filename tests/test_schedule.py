"""``briefing schedule``: weekly fire times across DST, the job store, catch-up, the lock, signals.

The process tests run the real command as a child process against a real
aiosmtpd server and a real job store; they stop it with SIGTERM.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time as clock_time
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from briefing import pipeline, schedule
from briefing.clock import SystemClock
from briefing.schedule import MISFIRE_GRACE, POLL_JOB, SEND_JOB, WeeklyTrigger
from briefing.settings import DAYS, Settings
from briefing.store import Store
from tests.conftest import store_rows
from tests.deliver.conftest import (  # noqa: F401  (fixtures used by name)
    READERS,
    SettingsMaker,
    SmtpServer,
    briefing_command,
    briefing_process,
    delivered,
    free_port,
    smtp_server,
    smtp_settings,
    start_smtp,
)

# --- fire times across DST -------------------------------------------------


def fire_times(trigger: WeeklyTrigger, start: datetime, count: int) -> list[datetime]:
    """What the scheduler computes run after run: the next fire after the previous, seen a minute later."""
    fires: list[datetime] = []
    previous, now = None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        fires.append(fire)
        previous, now = fire, fire + timedelta(minutes=1)
    return fires


@pytest.mark.parametrize(
    ("zone", "day", "at", "start", "change"),
    [
        ("Europe/Berlin", "mon", time(8, 0), date(2026, 3, 10), date(2026, 3, 29)),
        ("Europe/Berlin", "mon", time(8, 0), date(2026, 10, 10), date(2026, 10, 25)),
        ("America/New_York", "mon", time(8, 0), date(2026, 2, 20), date(2026, 3, 8)),
        ("America/New_York", "mon", time(8, 0), date(2026, 10, 20), date(2026, 11, 1)),
        # The hour that DST skips or repeats, on the very day it changes:
        ("Europe/Berlin", "sun", time(2, 30), date(2026, 3, 10), date(2026, 3, 29)),
        ("Europe/Berlin", "sun", time(2, 30), date(2026, 10, 10), date(2026, 10, 25)),
        ("America/New_York", "sun", time(2, 30), date(2026, 2, 20), date(2026, 3, 8)),
        ("America/New_York", "sun", time(1, 30), date(2026, 10, 20), date(2026, 11, 1)),
    ],
)
def test_one_fire_a_week_at_the_local_hour_across_dst(zone: str, day: str, at: time, start: date, change: date) -> None:
    tz = ZoneInfo(zone)
    fires = fire_times(WeeklyTrigger(day, at, tz), datetime.combine(start, time(), tzinfo=UTC), 6)
    local = [f.astimezone(tz) for f in fires]
    assert all(f.tzinfo == UTC for f in fires)
    assert len({f.isocalendar()[:2] for f in local}) == 6  # one per ISO week
    assert [b.date() - a.date() for a, b in pairwise(local)] == [timedelta(days=7)] * 5
    assert {f.weekday() for f in local} == {DAYS.index(day)}
    assert local[0].date() < change <= local[-1].date()  # the change lies inside the run
    assert local[0].utcoffset() != local[-1].utcoffset()
    for moment in local:
        wall = datetime.combine(moment.date(), at, tzinfo=tz)
        skipped = wall.astimezone(UTC).astimezone(tz).time() != at  # the hour DST skips
        if skipped:
            assert moment.date() == change and moment.time() == time(at.hour + 1, at.minute)
        else:
            assert moment.time() == at
            assert moment.fold == 0  # a repeated hour fires once, at its first occurrence
    utc_steps = {b - a for a, b in pairwise(fires)}
    assert utc_steps <= {timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=6, hours=23)}


def test_fire_time_is_never_before_now_and_not_repeated() -> None:
    trigger = WeeklyTrigger("sun", time(2, 30), ZoneInfo("Europe/Berlin"))
    first_of_fold = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert trigger.get_next_fire_time(None, first_of_fold) == first_of_fold
    # Seen during the repeated hour (02:30 CET is 01:30 UTC), the next fire is next week.
    assert trigger.get_next_fire_time(first_of_fold, first_of_fold + timedelta(hours=1)) == \
        datetime(2026, 11, 1, 1, 30, tzinfo=UTC)


# --- catch-up decisions against the ledger ---------------------------------


def test_catch_up_reason_follows_the_ledger(smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(free_port(), briefing={"timezone": "Europe/Berlin"}, schedule={"day": "mon", "time": "08:00"})
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 11, 16, 7, 59, tzinfo=berlin)
    after = datetime(2026, 11, 18, 12, 0, tzinfo=berlin)
    store = Store.open(settings.store.path)
    try:
        assert schedule.catch_up_reason(settings, store, before) == ""
        assert schedule.catch_up_reason(settings, store, after) == \
            "edition 2026-W47 was due Mon 2026-11-16 08:00 Europe/Berlin and is not sent"
        assert schedule.catch_up_reason(settings, store, after, started_only=True) == ""
        store.claim_edition("2026-W47", [], "{}", after)
        assert schedule.catch_up_reason(settings, store, after, started_only=True).endswith("is only partly sent")
        store.finish_edition("2026-W47", "sent", after)
        assert schedule.catch_up_reason(settings, store, after) == ""
        # Next week it is due again, once its time has come.
        next_monday = datetime(2026, 11, 23, 7, 59, tzinfo=berlin)
        assert schedule.catch_up_reason(settings, store, next_monday) == ""
        assert "2026-W48 was due Mon 2026-11-23 08:00" in schedule.catch_up_reason(
            settings, store, next_monday + timedelta(minutes=2))
    finally:
        store.close()


# --- the job store ------------------------------------------------------------


def prepare_job_store(settings: Settings, now: datetime) -> None:
    """Run the scheduler's start-up at ``now`` (paused, nothing runs), then shut it down."""
    scheduler = schedule.make_scheduler(settings)
    scheduler.start(paused=True)
    try:
        schedule.install_jobs(scheduler, settings, now)
    finally:
        scheduler.shutdown(wait=False)


def stored_jobs(settings: Settings) -> dict[str, float]:
    if settings.store.url:  # PostgreSQL: the jobs live in the store's own database
        rows = store_rows(settings.store.path, "SELECT id, next_run_time FROM apscheduler_jobs")
        return {str(r[0]): float(r[1]) for r in rows}
    with sqlite3.connect(schedule.jobs_path(settings.store.path)) as db:
        return dict(db.execute("SELECT id, next_run_time FROM apscheduler_jobs").fetchall())


def test_starting_twice_leaves_one_job_of_each(smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(free_port(), sources={"poll_minutes": 45})
    assert schedule.jobs_path(settings.store.path) == settings.store.path.parent / "briefing.jobs.db"
    now = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # Tuesday: this week's edition is due
    prepare_job_store(settings, now)
    prepare_job_store(settings, now + timedelta(hours=1))
    assert sorted(stored_jobs(settings)) == [POLL_JOB, SEND_JOB]
    scheduler = schedule.make_scheduler(settings)
    scheduler.start(paused=True)
    try:
        send, poll = scheduler.get_job(SEND_JOB), scheduler.get_job(POLL_JOB)
        assert (send.func_ref, send.args) == ("briefing.schedule:send_job", (str(settings.file),))
        assert (send.misfire_grace_time, send.coalesce, send.max_instances) == (MISFIRE_GRACE, True, 1)
        assert send.next_run_time == now + timedelta(hours=1)  # caught up: due, not sent
        assert str(send.trigger) == "weekly[mon 08:00 UTC]"
        assert poll.func_ref == "briefing.schedule:poll_job" and poll.trigger.interval == timedelta(minutes=45)
    finally:
        scheduler.shutdown(wait=False)


# --- the real process -------------------------------------------------------


class Child:
    """A ``briefing schedule`` child process whose stderr is read as it comes."""

    def __init__(self, settings: Settings) -> None:
        self.process = briefing_process(settings.file, "schedule")
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = clock_time.monotonic() + timeout
        while text not in self.log:
            assert self.process.poll() is None, f"exited {self.process.returncode}:\n{self.log}"
            assert clock_time.monotonic() < deadline, f"no {text!r} in:\n{self.log}"
            clock_time.sleep(0.05)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.reader.join(timeout=5)
        return code


def until(condition: Callable[[], bool], child: Child, timeout: float = 30) -> None:
    deadline = clock_time.monotonic() + timeout
    while not condition():
        assert clock_time.monotonic() < deadline, f"timed out; the scheduler said:\n{child.log}"
        clock_time.sleep(0.05)


def past_this_week(now: datetime) -> dict[str, dict[str, str]]:
    """Settings whose send time this week passed five minutes ago (a zone where that is still this week)."""
    for zone in ("UTC", "Etc/GMT-3"):
        local = now.astimezone(ZoneInfo(zone))
        due = local - timedelta(minutes=5)
        if due.isocalendar()[:2] == local.isocalendar()[:2]:
            return {"briefing": {"timezone": zone}, "schedule": {"day": DAYS[due.weekday()], "time": f"{due:%H:%M}"}}
    raise AssertionError("unreachable: the two zones are three hours apart")


def test_a_run_missed_while_down_runs_exactly_once_on_start(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    now = datetime.now(UTC)
    settings = smtp_settings(smtp_server.port, recipients=READERS[:3], **past_this_week(now))
    # The scheduler was up before this week's send time, then went down ...
    prepare_job_store(settings, now - timedelta(hours=1))
    assert stored_jobs(settings)[SEND_JOB] < now.timestamp()  # ... and the stored run time has passed.
    child = Child(settings)
    child.wait_for("catching up: edition")
    until(lambda: len(smtp_server.handler.received) == 3, child)
    child.wait_for("weekly send 20")
    # No second run can come once the stored job's next run is next week: wait for that, not for time.
    next_week = now.timestamp() + 6 * 24 * 3600
    until(lambda: stored_jobs(settings).get(SEND_JOB, 0) > next_week, child)
    assert child.stop() == 0, child.log
    assert smtp_server.handler.addressees() == sorted(READERS[:3])
    assert stored_jobs(settings)[SEND_JOB] > now.timestamp() + 6 * 24 * 3600  # next week
    # Started again, it finds the week sent and sends nothing.
    again = Child(settings)
    again.wait_for("scheduler running")  # a catch-up is decided and logged before this line, never after
    assert again.stop() == 0
    assert "catching up" not in again.log
    assert len(smtp_server.handler.received) == 3


def test_a_second_scheduler_refuses_to_start(smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(free_port(), schedule={"day": "sun", "time": "23:59"}, briefing={"timezone": "Etc/GMT+12"})
    first = Child(settings)
    first.wait_for("scheduler running")
    second = subprocess.run(briefing_command(settings.file, "schedule"), capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert (f"another `briefing schedule` is already running against this store (pid {first.process.pid}"
            in second.stderr)
    assert first.process.poll() is None
    assert first.stop() == 0
    assert "scheduler stopped" in first.log


def test_sigterm_stops_the_scheduler_between_recipients(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(smtp_server.port, **past_this_week(datetime.now(UTC)))
    children: list[Child] = []

    def terminate_during_second(accepted: int) -> None:
        if accepted == 1:  # the second message waits for its reply until the child has taken the signal
            children[0].process.send_signal(signal.SIGTERM)
            children[0].wait_for("SIGTERM received", timeout=20)

    smtp_server.handler.on_mail = terminate_during_second  # type: ignore[assignment]
    children.append(Child(settings))
    until(lambda: children[0].process.poll() is not None, children[0])
    children[0].reader.join(timeout=5)
    assert children[0].process.returncode == 0, children[0].log
    assert "stopped on request (SIGTERM/SIGINT)" in children[0].log
    assert len(smtp_server.handler.received) == 2
    assert delivered(settings.store.path) == {READERS[0]: "sent", READERS[1]: "sent"}


def test_feed_poll_retries_this_weeks_pending_recipients(smtp_server: SmtpServer, smtp_settings: SettingsMaker) -> None:
    settings = smtp_settings(smtp_server.port, recipients=READERS[:2], **past_this_week(datetime.now(UTC)))
    smtp_server.handler.script[READERS[1]] = ["421 4.3.2 busy"] * 3
    first = pipeline.send(settings, dry_run=False, clock=SystemClock())
    assert first.count("pending") == 1
    schedule.poll_job(str(settings.file))
    assert smtp_server.handler.addressees() == sorted(READERS[:2])
    assert delivered(settings.store.path) == {READERS[0]: "sent", READERS[1]: "sent"}


def test_schedule_command_has_help() -> None:
    run = subprocess.run([sys.executable, "-m", "briefing", "schedule", "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "SIGTERM" in run.stdout and "one scheduler per store" in run.stdout.lower()
