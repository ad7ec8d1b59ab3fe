"""A small async TTL cache with single-flight, for lookup lists that change rarely.

Concurrent requests for the same key share one upstream call even when caching is off
(`ttl=0`): a burst of identical tool calls costs one request, and nobody sees stale data for
longer than the TTL. What is the leader's alone is not shared: when the leader is cancelled or
runs out of *its* deadline, a waiter (with its own, later deadline) tries again as the new leader.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from personalize_mcp.runtime.deadline import DeadlineExceededError

T = TypeVar("T")


@dataclass
class _Flight:
    done: anyio.Event = field(default_factory=anyio.Event)
    value: Any = None
    error: BaseException | None = None
    finished: bool = False


class TTLCache:
    """Values by key for `ttl` seconds; at most `max_entries` kept, oldest dropped first."""

    def __init__(self, ttl: float, *, max_entries: int = 512, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._generations: dict[Hashable, int] = {}
        """Bumped by `invalidate`: a read begun before it does not store its (possibly stale) answer."""

    async def get(
        self, key: Hashable, fetch: Callable[[], Awaitable[T]], *, ttl: float | None = None, fresh: bool = False
    ) -> T:
        """The cached value for `key`, or the result of one shared call to `fetch`.

        `ttl` keeps this value longer than the cache's own TTL (lists that hardly ever change, such as
        countries); a cache with TTL 0 (`--no-cache`) still keeps nothing. `fresh`: call `fetch` now, neither
        reusing a cached value nor joining a read begun earlier, and keep what it answers (a write's plan
        and apply read this way).
        """
        if fresh:
            self.invalidate(key)
            return await self._lead(key, fetch, ttl, alone=True)
        while True:
            cached = self._entries.get(key)
            if cached is not None and cached[0] > self._clock():
                value: T = cached[1]
                return value
            flight = self._flights.get(key)
            if flight is None:
                return await self._lead(key, fetch, ttl)
            await flight.done.wait()
            if flight.finished:
                if flight.error is not None:
                    raise flight.error
                result: T = flight.value
                return result
            # The leader was cancelled or out of time: try again, possibly as the new leader.

    async def _lead(
        self, key: Hashable, fetch: Callable[[], Awaitable[T]], ttl: float | None = None, *, alone: bool = False
    ) -> T:
        flight = _Flight()
        generation = self._generations.get(key, 0)
        if not alone:
            self._flights[key] = flight
        try:
            value = await fetch()
        except (anyio.get_cancelled_exc_class(), DeadlineExceededError):
            raise  # the leader's own end: waiters try again
        except Exception as error:
            flight.error = error
            flight.finished = True
            raise
        else:
            flight.value = value
            flight.finished = True
            if self._generations.get(key, 0) == generation:  # not made stale by a write meanwhile
                self._store(key, value, ttl)
            return value
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set()

    def peek(self, key: Hashable) -> Any | None:
        """The cached value for `key` if it is still fresh, else None; never fetches."""
        cached = self._entries.get(key)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        return None

    def _store(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (self._clock() + max(self.ttl, ttl or 0.0), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, key: Hashable) -> None:
        """Forget `key`: the next read asks upstream, and a read already under way keeps its answer to itself
        (a later caller does not join it either)."""
        self._entries.pop(key, None)
        self._generations[key] = self._generations.get(key, 0) + 1
        self._flights.pop(key, None)
        while len(self._generations) > 4 * self._max_entries:
            self._generations.pop(next(iter(self._generations)))

    def clear(self) -> None:
        self._entries.clear()
