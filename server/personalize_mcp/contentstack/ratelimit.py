"""Our side of Contentstack's rate limit: per organisation and API, never more than it counts.

Contentstack allows 10 requests per second per organisation per API and counts them in a sliding
one-second window; over it, it answers 429. We cannot see *when* the server counted a request —
some time between sending it and receiving its answer — so a request holds its slot from the
moment it is sent until `window + margin` seconds after its answer (or failure) arrived. Then,
whatever the network delay, any `window` seconds of the server's clock see at most `requests` of
ours: two requests that share a slot are `window + margin` apart even at the latest instant the
first could have been counted. The margin absorbs clock granularity (15.6 ms ticks on Windows).

A burst of up to `requests` starts at once (the critical path of an action is not slowed); the
rest queue in arrival order (FIFO, no starvation) and start as slots free up. A 429 that comes
anyway pauses the whole key for its Retry-After, so the other queued requests do not draw one too.

Waits respect the tool call's deadline: a request whose earliest possible start (a lower bound:
its place in the queue, the slots cooling down, the pause) is past the deadline fails at once.

Libraries considered: aiolimiter (a leaky bucket: a full burst plus the drip lets ~2x the limit
into one sliding second; asyncio only), limits (moving window counted at acquisition, whole-second
windows, wall clock, no waiting), pyrate-limiter (sliding log counted at acquisition; waiters poll
rather than queue; on a timeout it sleeps until the deadline, then fails). All three count a request
when it is *sent*, which a slow network can push into the server's next window; none can hold a slot
until the answer. This is ~100 lines on anyio's primitives instead.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

import anyio

from personalize_mcp.runtime.deadline import check_wait


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` per `window` seconds, plus `margin` seconds of slack per slot."""

    requests: int = 10
    window: float = 1.0
    margin: float = 0.05

    @property
    def hold(self) -> float:
        """How long a slot stays taken after its request's answer arrived."""
        return self.window + self.margin


class Limiter(Protocol):
    """What the HTTP core needs from a rate limiter: `RateLimiter` in one process, or the replicas'
    shared one (`connection.shared_ratelimit`) holding the same rule."""

    @property
    def limit(self) -> RateLimit: ...

    def slot(self, key: Hashable, *, reason: str = ...) -> AbstractAsyncContextManager[None]:
        """Hold one slot of `key` while the block sends a request and reads its answer."""
        ...

    def pause(self, key: Hashable, seconds: float) -> None:
        """Start nothing for `key` during the next `seconds` (a 429's Retry-After)."""
        ...

    def in_flight(self, key: Hashable) -> int:
        """This process's requests of `key` sent and not yet answered."""
        ...


@dataclass(eq=False)
class _Waiter:
    wake: anyio.Event = field(default_factory=anyio.Event)


@dataclass
class _KeyState:
    in_flight: int = 0
    cooling: deque[float] = field(default_factory=deque)
    """When the slots of answered requests free up, in order."""
    paused_until: float = -math.inf
    queue: deque[_Waiter] = field(default_factory=deque)

    def purge(self, now: float) -> None:
        while self.cooling and self.cooling[0] <= now:
            self.cooling.popleft()

    def wake_head(self) -> None:
        if self.queue:
            self.queue[0].wake.set()


class RateLimiter:
    """Slots per key (e.g. `(organisation uid, api)`), shared by every request of a process."""

    def __init__(self, limit: RateLimit | None = None) -> None:
        self.limit = limit or RateLimit()
        if self.limit.requests < 1 or self.limit.window <= 0 or self.limit.margin < 0:
            raise ValueError(f"invalid rate limit {self.limit}")
        self._keys: dict[Hashable, _KeyState] = {}

    @asynccontextmanager
    async def slot(self, key: Hashable, *, reason: str = "waiting for the rate limit") -> AsyncIterator[None]:
        """Hold one slot of `key` while the block sends a request and reads its answer.

        `reason` ends up in the deadline sentence when the wait could not end in time.
        """
        state = self._keys.setdefault(key, _KeyState())
        await self._acquire(state, reason)
        try:
            yield
        finally:
            state.in_flight -= 1
            state.cooling.append(anyio.current_time() + self.limit.hold)
            state.wake_head()  # its timer may have been "until a request finishes"

    def pause(self, key: Hashable, seconds: float) -> None:
        """Start nothing for `key` during the next `seconds` (a 429's Retry-After)."""
        state = self._keys.setdefault(key, _KeyState())
        state.paused_until = max(state.paused_until, anyio.current_time() + seconds)

    def in_use(self, key: Hashable) -> int:
        """Slots taken now: requests in flight plus those cooling down."""
        state = self._keys.get(key)
        if state is None:
            return 0
        state.purge(anyio.current_time())
        return state.in_flight + len(state.cooling)

    def in_flight(self, key: Hashable) -> int:
        state = self._keys.get(key)
        return state.in_flight if state else 0

    def _free(self, state: _KeyState, now: float) -> bool:
        state.purge(now)
        return now >= state.paused_until and state.in_flight + len(state.cooling) < self.limit.requests

    async def _acquire(self, state: _KeyState, reason: str) -> None:
        if not state.queue and self._free(state, anyio.current_time()):
            state.in_flight += 1
            return
        waiter = _Waiter()
        state.queue.append(waiter)
        try:
            while True:
                now = anyio.current_time()
                head = state.queue[0] is waiter
                if head and self._free(state, now):
                    state.queue.popleft()
                    state.in_flight += 1
                    state.wake_head()  # the next one may start too
                    return
                check_wait(self._earliest_start(state, now, state.queue.index(waiter)) - now, reason)
                timeout = self._next_change(state, now) - now if head else math.inf
                with anyio.move_on_after(max(timeout, 0.0)):
                    await waiter.wake.wait()
                waiter.wake = anyio.Event()
        except BaseException:
            was_head = bool(state.queue) and state.queue[0] is waiter
            if waiter in state.queue:
                state.queue.remove(waiter)
            if was_head:
                state.wake_head()
            raise

    def _earliest_start(self, state: _KeyState, now: float, position: int) -> float:
        """A lower bound on when the waiter at `position` can start (answers assumed instant)."""
        state.purge(now)
        hold = self.limit.hold
        free = max(0, self.limit.requests - state.in_flight - len(state.cooling))
        frees_at = sorted([now] * free + list(state.cooling) + [now + hold] * state.in_flight)
        cycles, index = divmod(position, self.limit.requests)
        return max(frees_at[index] + cycles * hold, state.paused_until)

    @staticmethod
    def _next_change(state: _KeyState, now: float) -> float:
        """When the head should look again without being woken: a pause ends or a slot cools down."""
        if now < state.paused_until:
            return state.paused_until
        if state.cooling:
            return state.cooling[0]
        return math.inf  # every slot is in flight: a finishing request wakes the head
