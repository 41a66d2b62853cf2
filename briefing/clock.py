"""The clock seam and ISO-week editions.

Production code asks a ``Clock`` for the time so that tests and golden files
can fix it, and waits through it (the send's backoff and pacing), so that a test
reads the waits off a ``FixedClock`` instead of spending them. Editions are ISO weeks in the briefing's timezone: the edition of
an instant is the week (Monday 00:00 to next Monday 00:00, local) holding it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from briefing.models import Edition


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; whether it was set."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(seconds)


class FixedClock:
    """A clock that always says ``moment`` (for tests and golden files)."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.moment = moment
        self.waits: list[float] = []  # every wait asked of it, in seconds

    def now(self) -> datetime:
        return self.moment

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Pass ``seconds`` at once (the moment moves on); whether ``stop`` was set."""
        self.waits.append(seconds)
        if seconds > 0:
            self.moment += timedelta(seconds=seconds)
        return stop.is_set()


def edition_for(moment: datetime, zone: tzinfo) -> Edition:
    """The ISO week, in ``zone``, that contains ``moment``."""
    local = moment.astimezone(zone)
    year, week, weekday = local.isocalendar()
    monday = (local - timedelta(days=weekday - 1)).date()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    following = monday + timedelta(days=7)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return Edition(key=f"{year}-W{week:02d}", start=start, end=end)
