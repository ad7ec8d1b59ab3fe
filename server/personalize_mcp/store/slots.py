"""Rate-limit slots shared by processes: one budget per key (an organisation's API) for every replica.

A slot is taken when a request is sent and held until `hold` seconds after its answer (the rule of
`contentstack.ratelimit`); a slot whose holder vanished (a replica killed mid-request) frees itself
after `lease` seconds. `acquire` never waits: it answers with the slot, or with how long until one
may free, and the caller (`connection.shared_ratelimit`) decides how to wait. Times are the
ledger's own clock (Redis's `TIME` for the Redis ledger), so replicas' clocks never have to agree.

`MemorySlots` is the one-process ledger, for tests of the waiting logic; `redis_slots.RedisSlots`
is the replicas' one (Lua, atomic).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class SlotAnswer:
    """A slot taken (`slot` set), or not yet (`retry_in`: seconds until the earliest may free)."""

    slot: str | None
    retry_in: float = 0.0
    paused: bool = False
    """No slot before `retry_in` whatever happens: the key is paused (a 429's Retry-After)."""


@runtime_checkable
class SlotLedger(Protocol):
    """Slots per key: at most `limit` taken (sent and not yet cooled down) at any instant."""

    async def acquire(self, key: str, *, limit: int, lease: float) -> SlotAnswer:
        """Take a slot of `key` if fewer than `limit` are taken and `key` is not paused."""
        ...

    async def release(self, key: str, slot: str, *, hold: float) -> None:
        """The slot's request was answered: it frees `hold` seconds from now."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """Grant no slot of `key` for the next `seconds` (a 429's Retry-After), unless already paused longer."""
        ...

    async def in_use(self, key: str) -> int:
        """Slots of `key` taken now (in flight or cooling down)."""
        ...

    async def aclose(self) -> None:
        """Release connections; the slots stay."""
        ...


def new_slot_id() -> str:
    return uuid.uuid4().hex


class MemorySlots:
    """`SlotLedger` in one process (a dict of expiry times per key)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._slots: dict[str, dict[str, float]] = {}
        self._paused: dict[str, float] = {}

    def _live(self, key: str, now: float) -> dict[str, float]:
        slots = self._slots.setdefault(key, {})
        for slot, frees_at in list(slots.items()):
            if frees_at <= now:
                del slots[slot]
        return slots

    async def acquire(self, key: str, *, limit: int, lease: float) -> SlotAnswer:
        now = self._clock()
        paused_until = self._paused.get(key, 0.0)
        if paused_until > now:
            return SlotAnswer(None, paused_until - now, paused=True)
        slots = self._live(key, now)
        if len(slots) < limit:
            slot = new_slot_id()
            slots[slot] = now + lease
            return SlotAnswer(slot)
        return SlotAnswer(None, min(slots.values()) - now)

    async def release(self, key: str, slot: str, *, hold: float) -> None:
        self._slots.setdefault(key, {})[slot] = self._clock() + hold

    async def pause(self, key: str, seconds: float) -> None:
        self._paused[key] = max(self._paused.get(key, 0.0), self._clock() + seconds)

    async def in_use(self, key: str) -> int:
        return len(self._live(key, self._clock()))

    async def aclose(self) -> None:
        return None
