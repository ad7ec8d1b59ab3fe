"""The replicas' rate-limit ledger: one sorted set per key in Redis, each operation one Lua script.

A key's slots are the members of `ratelimit:{{key}}`, each scored with the millisecond it frees: an
in-flight slot frees after its lease (its holder may have died), an answered one after the hold. A
script reads Redis's own clock (`TIME`), drops the freed members, and grants a slot only while fewer
than `limit` remain and the key's pause (`ratelimit-pause:{{key}}`, a value with an expiry) is over.
Every replica thus counts against the same budget on the same clock.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from personalize_mcp.store.protocol import StoreError
from personalize_mcp.store.redis_store import KEY_PREFIX, masked_url
from personalize_mcp.store.slots import SlotAnswer, new_slot_id

if TYPE_CHECKING:
    import redis.asyncio

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)"

_ACQUIRE = f"""
{_NOW}
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {{0, paused, 1}} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 60000)
  return {{1, 0, 0}}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {{0, tonumber(first[2]) - now, 0}}
"""

_RELEASE = f"""
{_NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) + 60000 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 60000)
end
return 1
"""

_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""

_IN_USE = f"""
{_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""


class RedisSlots:
    """`SlotLedger` in Redis, shared by every replica using the same `--store redis://…`."""

    def __init__(self, url: str, *, client: redis.asyncio.Redis | None = None) -> None:
        import redis.asyncio

        self._url = url
        self._redis: redis.asyncio.Redis = client or redis.asyncio.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._pause = self._redis.register_script(_PAUSE)
        self._in_use = self._redis.register_script(_IN_USE)

    async def _call(self, operation: Any) -> Any:
        try:
            return await operation
        except self._errors as error:
            raise StoreError(
                f"The shared rate limit in {masked_url(self._url)} cannot be reached ({type(error).__name__})."
            ) from error

    @staticmethod
    def _keys(key: str) -> list[str]:
        # One hash tag, so a Redis Cluster keeps both keys of a budget on one node (scripts need that).
        return [f"{KEY_PREFIX}ratelimit:{{{key}}}", f"{KEY_PREFIX}ratelimit-pause:{{{key}}}"]

    async def acquire(self, key: str, *, limit: int, lease: float) -> SlotAnswer:
        slot = new_slot_id()
        granted, wait_ms, paused = await self._call(
            self._acquire(keys=self._keys(key), args=[limit, _ms(lease), slot])
        )
        if int(granted):
            return SlotAnswer(slot)
        return SlotAnswer(None, max(int(wait_ms), 0) / 1000, paused=bool(int(paused)))

    async def release(self, key: str, slot: str, *, hold: float) -> None:
        await self._call(self._release(keys=self._keys(key)[:1], args=[slot, _ms(hold)]))

    async def pause(self, key: str, seconds: float) -> None:
        await self._call(self._pause(keys=self._keys(key)[1:], args=[_ms(seconds)]))

    async def in_use(self, key: str) -> int:
        return int(await self._call(self._in_use(keys=self._keys(key)[:1])))

    async def aclose(self) -> None:
        await self._redis.aclose()


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
