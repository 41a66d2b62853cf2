"""The sign-up limit: a sliding window per client, bounded memory."""

from __future__ import annotations

from briefing.web.ratelimit import RateLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides() -> None:
    ticks = Ticks()
    limiter = RateLimiter(3, 3600, clock=ticks)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") == 3600  # wait for the oldest to leave the window
    assert limiter.check("b") == 0  # per client
    ticks.now += 1800
    assert limiter.check("a") == 1800
    ticks.now += 1800
    assert [limiter.check("a") for _ in range(4)] == [0, 0, 0, 3600]  # an hour on, the window is free again


def test_refused_requests_do_not_extend_the_wait() -> None:
    ticks = Ticks()
    limiter = RateLimiter(1, 60, clock=ticks)
    limiter.check("a")
    for _ in range(100):
        ticks.now += 0.5
        limiter.check("a")
    ticks.now = 1060.0
    assert limiter.check("a") == 0


def test_memory_is_bounded_by_forgetting_the_longest_idle() -> None:
    limiter = RateLimiter(1, 3600, max_clients=100, clock=Ticks())
    for n in range(1000):
        limiter.check(f"client{n}")
    assert len(limiter._hits) == 100
    assert limiter.check("client999") > 0 and limiter.check("client0") == 0
