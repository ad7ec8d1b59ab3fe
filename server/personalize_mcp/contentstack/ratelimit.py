"""Staying inside Contentstack's rate limit (10 requests per second per organisation, per API).

Why not a token bucket or leaky bucket (e.g. `aiolimiter`)? A bucket of 10 refilled at 10/s lets
up to 19 requests start within one second (a full bucket, then the refill), and the server counts
a sliding one-second window: the 11th request in that second draws a 429. Why not a sliding
window stamped when a request is *sent* (e.g. `limits`' moving window)? The server counts a
request when it *arrives*, somewhere between our send and our receipt of the answer; a first
request that waits for a connection arrives late, and a later one sent exactly a second after it
can arrive less than a second after it — 11 in the server's window again.

So each budget counts a request from the moment it is sent until one window after its answer
came back (or it failed, or was cancelled). At most `limit` requests are counted at any time. If
the server receives request A at `a` (sent `s_A` <= `a` <= answered `r_A`) and B within a second
after it, B was sent while A was still counted: either A was in flight, or `s_B` < `r_A` + window.
Hence no `limit + 1` requests ever land in one server window, whatever the network delays — the
same holds for fixed windows and token buckets of that size, which are more lenient. A small
margin on the window absorbs clock granularity. The price: a request slower than its share of the
window holds its slot longer, so at most `limit` requests of a budget are in flight at once.

When a 429 comes anyway (another client of the same organisation spent the budget), `pause`
stops the whole budget for the server's `Retry-After`, so parallel calls do not pile more 429s on.

Waiters are served first come, first served. A wait that would end after the tool call's deadline
is refused at once (`WaitTooLong`) rather than slept through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

import anyio

from personalize_mcp import deadline

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = 1.0
DEFAULT_MARGIN = 0.05


class WaitTooLong(Exception):
    """Waiting for a slot would end after the current deadline."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"a slot frees up in {wait:.2f} s")
        self.wait = wait


class WindowLimiter:
    """One budget: at most `limit` requests counted in any `window` (+ margin) seconds."""

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW, margin: float = DEFAULT_MARGIN):
        if limit < 1 or window <= 0 or margin < 0:
            raise ValueError("limit must be >= 1, window > 0 and margin >= 0")
        self.limit = limit
        self.hold = window + margin
        """How long a finished request still counts."""
        self._in_flight = 0
        self._counted_until: deque[float] = deque()
        """When each finished (still counted) request stops counting, oldest first."""
        self._paused_until = 0.0
        self._queue = anyio.Lock()  # fair: waiters are served in arrival order
        self._finished = anyio.Event()

    @property
    def counted(self) -> int:
        """Requests that count against the budget right now (in flight + recently finished)."""
        self._expire(anyio.current_time())
        return self._in_flight + len(self._counted_until)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of one request."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    def pause(self, seconds: float) -> None:
        """Start nothing from this budget for `seconds` (the server said `Retry-After`)."""
        self._paused_until = max(self._paused_until, anyio.current_time() + seconds)

    async def _acquire(self) -> None:
        async with self._queue:
            while True:
                now = anyio.current_time()
                self._expire(now)
                if self._paused_until > now:
                    await self._sleep(self._paused_until - now)
                elif self._in_flight + len(self._counted_until) < self.limit:
                    self._in_flight += 1
                    return
                elif self._counted_until:
                    await self._sleep(self._counted_until[0] - now)
                else:  # every slot is in flight: the first to finish starts its window
                    await self._finished.wait()

    def _release(self) -> None:
        # Synchronous, so it also runs when the request was cancelled.
        self._in_flight -= 1
        self._counted_until.append(anyio.current_time() + self.hold)
        self._finished.set()
        self._finished = anyio.Event()

    def _expire(self, now: float) -> None:
        while self._counted_until and self._counted_until[0] <= now:
            self._counted_until.popleft()

    @staticmethod
    async def _sleep(seconds: float) -> None:
        if not deadline.fits(seconds):
            raise WaitTooLong(seconds)
        await anyio.sleep(seconds)


class UpstreamLimits:
    """The budgets of one process, by key (API host + organisation); `limit=None` turns limiting off.

    Share one instance between everything that calls Contentstack for the same organisations, so
    that two accounts of one organisation draw on one budget.
    """

    def __init__(
        self, limit: int | None = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW, margin: float = DEFAULT_MARGIN
    ) -> None:
        self.limit = limit
        self.window = window
        self.margin = margin
        self._budgets: dict[Hashable, WindowLimiter] = {}

    def budget(self, key: Hashable) -> WindowLimiter | None:
        if self.limit is None:
            return None
        found = self._budgets.get(key)
        if found is None:
            found = self._budgets[key] = WindowLimiter(self.limit, self.window, self.margin)
        return found

    @asynccontextmanager
    async def slot(self, key: Hashable) -> AsyncIterator[None]:
        budget = self.budget(key)
        if budget is None:
            yield
            return
        async with budget.slot():
            yield

    def pause(self, key: Hashable, seconds: float) -> None:
        budget = self.budget(key)
        if budget is not None and seconds > 0:
            budget.pause(seconds)
