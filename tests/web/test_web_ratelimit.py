"""The sign-up limit: a sliding window per client, bounded memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from briefing.clock import FixedClock
from briefing.web.ratelimit import RateLimiter


class Ticks(FixedClock):
    """The web app's clock, moved on by hand."""

    def __init__(self) -> None:
        super().__init__(datetime(2026, 11, 18, 9, 30, tzinfo=UTC))

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def test_the_window_slides() -> None:
    ticks = Ticks()
    limiter = RateLimiter(3, 3600, ticks)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") == 3600  # wait for the oldest to leave the window
    assert limiter.check("b") == 0  # per client
    ticks.advance(1800)
    assert limiter.check("a") == 1800
    ticks.advance(1800)
    assert [limiter.check("a") for _ in range(4)] == [0, 0, 0, 3600]  # an hour on, the window is free again


def test_refused_requests_do_not_extend_the_wait() -> None:
    ticks = Ticks()
    limiter = RateLimiter(1, 60, ticks)
    limiter.check("a")
    for _ in range(100):
        ticks.advance(0.5)
        limiter.check("a")
    ticks.advance(10)  # 60 s after the one counted
    assert limiter.check("a") == 0


def test_memory_is_bounded_by_forgetting_the_longest_idle() -> None:
    limiter = RateLimiter(1, 3600, Ticks(), max_clients=100)
    for n in range(1000):
        limiter.check(f"client{n}")
    assert len(limiter._hits) == 100
    assert limiter.check("client999") > 0 and limiter.check("client0") == 0
