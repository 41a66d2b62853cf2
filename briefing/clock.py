"""The clock seam and ISO-week editions.

Production code asks a ``Clock`` for the time so that tests and golden files
can fix it. Editions are ISO weeks in the briefing's timezone: the edition of
an instant is the week (Monday 00:00 to next Monday 00:00, local) holding it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from briefing.models import Edition


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that always says ``moment`` (for tests and golden files)."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def edition_for(moment: datetime, zone: tzinfo) -> Edition:
    """The ISO week, in ``zone``, that contains ``moment``."""
    local = moment.astimezone(zone)
    year, week, weekday = local.isocalendar()
    monday = (local - timedelta(days=weekday - 1)).date()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    following = monday + timedelta(days=7)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return Edition(key=f"{year}-W{week:02d}", start=start, end=end)
