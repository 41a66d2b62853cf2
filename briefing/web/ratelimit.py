"""A sliding-window limit per client address, in memory.

Sign-ups cost a database write and a confirmation email, so one client may
make only ``limit`` of them per window. The state lives in the one
``briefing serve`` process (uvicorn runs one worker); a restart forgets it,
which costs at most one more window's worth. Memory is bounded: past
``max_clients`` addresses the ones idle longest are forgotten.
"""

from __future__ import annotations

from collections import OrderedDict, deque

from briefing.clock import Clock


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Clock, *, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, client: str) -> float:
        """Count one request of ``client``; 0 if allowed, else the seconds until it would be."""
        now = self.clock.now().timestamp()
        hits = self._hits.pop(client, None) or deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        self._hits[client] = hits  # most recently seen last
        while len(self._hits) > self.max_clients:
            self._hits.popitem(last=False)
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - now, 1.0)
        hits.append(now)
        return 0.0
