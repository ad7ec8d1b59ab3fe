"""The replicas' backend: Redis (or Valkey), so several server processes share one state.

Every operation is one Redis command or one Lua script, hence atomic across replicas; keys live
under one prefix so the server can share a Redis with other applications. `redis` is imported
here only, when a `redis://` store is chosen.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from personalize_mcp.store.protocol import StoreError

if TYPE_CHECKING:
    import redis.asyncio

KEY_PREFIX = "personalize-mcp:"

_COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
local expected = ARGV[1] == '1' and ARGV[2] or false
if current ~= expected then return 0 end
if ARGV[3] == '1' then
  if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  else redis.call('SET', KEYS[1], ARGV[4]) end
else redis.call('DEL', KEYS[1]) end
return 1
"""

_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisStore:
    """`KeyValueStore` in Redis."""

    def __init__(self, url: str, *, client: redis.asyncio.Redis | None = None) -> None:
        import redis.asyncio

        self._url = url
        self._redis: redis.asyncio.Redis = client or redis.asyncio.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._compare_and_set = self._redis.register_script(_COMPARE_AND_SET)
        self._increment = self._redis.register_script(_INCREMENT)

    @property
    def url(self) -> str:
        return masked_url(self._url)

    async def _call(self, operation: Any) -> Any:
        try:
            return await operation
        except self._errors as error:
            raise StoreError(f"The state store {self.url} cannot be reached ({type(error).__name__}).") from error

    async def get(self, key: str) -> bytes | None:
        value = await self._call(self._redis.get(KEY_PREFIX + key))
        return None if value is None else bytes(value)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self._call(self._redis.set(KEY_PREFIX + key, value, px=_milliseconds(ttl)))

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        return bool(await self._call(self._redis.set(KEY_PREFIX + key, value, px=_milliseconds(ttl), nx=True)))

    async def take(self, key: str) -> bytes | None:
        value = await self._call(self._redis.getdel(KEY_PREFIX + key))
        return None if value is None else bytes(value)

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes | None, *, ttl: float | None = None
    ) -> bool:
        arguments = [
            "1" if expected is not None else "0",
            expected or b"",
            "1" if value is not None else "0",
            value or b"",
            _milliseconds(ttl) or 0,
        ]
        return bool(await self._call(self._compare_and_set(keys=[KEY_PREFIX + key], args=arguments)))

    async def delete(self, key: str) -> bool:
        return bool(await self._call(self._redis.delete(KEY_PREFIX + key)))

    async def increment(self, key: str, *, ttl: float) -> int:
        return int(await self._call(self._increment(keys=[KEY_PREFIX + key], args=[_milliseconds(ttl) or 1])))

    async def keys(self, prefix: str) -> list[str]:
        pattern = KEY_PREFIX + _glob_escaped(prefix) + "*"
        found: list[str] = []
        try:
            async for key in self._redis.scan_iter(match=pattern, count=500):
                found.append(bytes(key).decode()[len(KEY_PREFIX) :])
        except self._errors as error:
            raise StoreError(f"The state store {self.url} cannot be reached ({type(error).__name__}).") from error
        return sorted(found)

    async def aclose(self) -> None:
        await self._redis.aclose()


def _milliseconds(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, math.ceil(ttl * 1000))


def _glob_escaped(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


def masked_url(url: str) -> str:
    """A Redis URL fit to print: its password replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))
