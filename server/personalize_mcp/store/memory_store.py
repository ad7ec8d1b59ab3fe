"""The in-process backend: one dict, for tests and for state nobody else needs to see."""

from __future__ import annotations

import time
from collections.abc import Callable


class MemoryStore:
    """`KeyValueStore` in a dict; atomic because every operation runs without an `await` inside."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._items: dict[str, tuple[bytes, float | None]] = {}

    @property
    def url(self) -> str:
        return "memory://"

    def _live(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at is not None and expires_at <= self._clock():
            del self._items[key]
            return None
        return value

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._items[key] = (bytes(value), self._expiry(ttl))

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._items[key] = (bytes(value), self._expiry(ttl))
        return True

    async def take(self, key: str) -> bytes | None:
        value = self._live(key)
        self._items.pop(key, None)
        return value

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes | None, *, ttl: float | None = None
    ) -> bool:
        if self._live(key) != expected:
            return False
        if value is None:
            self._items.pop(key, None)
        else:
            self._items[key] = (bytes(value), self._expiry(ttl))
        return True

    async def delete(self, key: str) -> bool:
        present = self._live(key) is not None
        self._items.pop(key, None)
        return present

    async def increment(self, key: str, *, ttl: float) -> int:
        current = self._live(key)
        if current is None:
            self._items[key] = (b"1", self._expiry(ttl))
            return 1
        count = int(current) + 1
        self._items[key] = (str(count).encode(), self._items[key][1])
        return count

    async def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in list(self._items) if key.startswith(prefix) and self._live(key) is not None)

    async def aclose(self) -> None:
        return None
