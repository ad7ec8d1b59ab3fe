"""Contentstack's 10 requests/s per organisation as ONE budget for every replica (`--store redis://`).

The same rule as `contentstack.ratelimit.RateLimiter`, whose docstring argues it: a request holds a
slot from the moment it is sent until `window + margin` seconds after its answer, so any `window`
seconds of Contentstack's clock see at most `requests` of ours, whichever replica sent them. The
slots live in a `SlotLedger` (Redis, Lua, Redis's clock); a replica that dies mid-request loses its
slots after `lease` seconds. A slot is released in the background once its answer is read, so the
answer does not wait for the ledger (the hold then starts a moment late: never early).

Within a replica, requests for one key queue here first (FIFO, as in the one-process limiter) and
only the head asks the ledger, so a burst of a hundred local requests costs the ledger one poll at a
time, not a hundred. Across replicas the heads poll: when the budget is spent the answer says when
the earliest slot may free, and the head sleeps that long (at most `POLL` while every slot is still
in flight, since an answer may free one sooner). Waits respect the tool call's deadline. A 429 that
comes anyway pauses the key for every replica (written to the ledger in the background).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Hashable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.runtime.deadline import sleep_within_deadline
from personalize_mcp.store.protocol import StoreError
from personalize_mcp.store.slots import SlotLedger

logger = logging.getLogger(__name__)

POLL = 0.02
"""Longest sleep between two asks while every slot is in flight (an answer may free one any moment)."""
LEASE = 45.0
"""A slot whose holder never answered frees after this long: beyond any one request (its timeouts
and the tool call's deadline end it sooner), short enough that a killed replica's slots come back."""


class SharedRateLimiter:
    """`contentstack.ratelimit.Limiter` over a ledger shared by replicas."""

    def __init__(self, ledger: SlotLedger, limit: RateLimit | None = None, *, lease: float = LEASE) -> None:
        self._ledger = ledger
        self._limit = limit or RateLimit()
        self._lease = lease
        self._queues: dict[Hashable, anyio.Lock] = {}
        self._in_flight: dict[Hashable, int] = {}
        self._background: set[asyncio.Task[None]] = set()

    @property
    def limit(self) -> RateLimit:
        return self._limit

    @staticmethod
    def ledger_key(key: Hashable) -> str:
        """`(organisation uid, api)` -> `organisation:api`, the budget Contentstack counts."""
        parts = key if isinstance(key, tuple) else (key,)
        return ":".join(str(part) for part in parts)

    @asynccontextmanager
    async def slot(self, key: Hashable, *, reason: str = "waiting for the rate limit") -> AsyncIterator[None]:
        shared = self.ledger_key(key)
        taken = await self._acquire(key, shared, reason)
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            yield
        finally:
            self._in_flight[key] -= 1
            # In the background: the answer need not wait for it, and a cancelled request's slot still
            # starts cooling. It starts a moment later than the answer arrived: never too early.
            self._background_task(self._release(shared, taken))

    async def _release(self, shared: str, slot: str) -> None:
        try:
            await self._ledger.release(shared, slot, hold=self._limit.hold)
        except StoreError as error:  # the lease frees it in the end
            logger.warning("Could not release a rate-limit slot: %s", error.message)

    def _background_task(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _acquire(self, key: Hashable, shared: str, reason: str) -> str:
        queue = self._queues.setdefault(key, anyio.Lock())  # anyio's Lock wakes waiters in order
        async with queue:
            while True:
                answer = await self._ledger.acquire(shared, limit=self._limit.requests, lease=self._lease)
                if answer.slot is not None:
                    return answer.slot
                if answer.paused or answer.retry_in <= self._limit.hold:
                    # Paused, or the earliest slot is cooling down: nothing frees before `retry_in`.
                    await sleep_within_deadline(max(answer.retry_in, 0.001), reason)
                else:
                    await anyio.sleep(POLL)  # every slot in flight: an answer may free one any moment

    def pause(self, key: Hashable, seconds: float) -> None:
        """Pause `key` for every replica; the write runs in the background (the caller sleeps meanwhile)."""
        self._background_task(self._pause(self.ledger_key(key), seconds))

    async def _pause(self, shared: str, seconds: float) -> None:
        try:
            await self._ledger.pause(shared, seconds)
        except StoreError as error:
            logger.warning("Could not pause the shared rate limit: %s", error.message)

    def in_flight(self, key: Hashable) -> int:
        return self._in_flight.get(key, 0)

    async def in_use(self, key: Hashable) -> int:
        """Slots of `key` taken now by every replica (in flight or cooling down)."""
        return await self._ledger.in_use(self.ledger_key(key))
