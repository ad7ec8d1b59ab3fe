"""Caching per account: cached reads, work derived from cached lists, and CMS walks seen while under way.

The base of `Lookups`; kept apart because it is about *how* reads are kept, not *what* is read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from personalize_mcp.runtime.cache import TTLCache

T = TypeVar("T")

_MAX_DERIVED = 256
_MAX_PARTIAL = 32


class AccountMemo:
    """One account's slice of the lookup cache; every key is prefixed with the account name."""

    def __init__(self, cache: TTLCache, account_name: Callable[[], str]) -> None:
        self._cache = cache
        self._account_name = account_name
        self._derived: OrderedDict[Hashable, tuple[tuple[object, ...], Any]] = OrderedDict()
        self._partial: dict[Hashable, list[Any]] = {}
        """Items of CMS walks still under way, by cache key: what a completion may offer before the end."""

    async def _cached(
        self, key: tuple[str, ...], fetch: Callable[[], Awaitable[T]], *, ttl: float | None = None, fresh: bool = False
    ) -> T:
        # Keyed by account too: one cache must never hand an account another's data.
        return await self._cache.get((self._account_name(), *key), fetch, ttl=ttl, fresh=fresh)

    def forget(self, key: tuple[str, ...]) -> None:
        """Drop one cached read (a write made it stale): the next read of it asks upstream."""
        self._cache.invalidate((self._account_name(), *key))

    def _fresh(self, key: tuple[str, ...]) -> Any:
        """A list already cached (and fresh) under `key`, so a single item need not be fetched."""
        return self._cache.peek((self._account_name(), *key))

    def derived(self, key: tuple[str, ...], sources: tuple[object, ...], build: Callable[[], T]) -> T:
        """Work that depends only on cached lists (rendered views, indexes), done once per cached list.

        `sources` are the cached objects the work reads; while the cache hands out the same objects,
        the value built from them is reused, and a refreshed list (a new object) rebuilds it.
        """
        slot = (self._account_name(), *key)
        entry = self._derived.get(slot)
        if (
            entry is not None
            and len(entry[0]) == len(sources)
            and all(a is b for a, b in zip(entry[0], sources, strict=True))
        ):
            self._derived.move_to_end(slot)
            value: T = entry[1]
            return value
        built = build()
        self._derived[slot] = (sources, built)
        while len(self._derived) > _MAX_DERIVED:
            self._derived.popitem(last=False)
        return built

    def partial(self, key: tuple[str, ...]) -> list[Any]:
        """What a CMS walk under `key` (e.g. `("variants", stack, group)`) has read so far, else the cached list.

        For completions, which must offer something within their time limit even when the whole walk
        takes longer: never an empty list just because the end was not reached.
        """
        cached = self._fresh(key)
        if cached is not None:
            return list(cached)
        return list(self._partial.get((self._account_name(), *key), ()))

    def _walk(
        self, key: tuple[str, ...], read: Callable[[Callable[[Sequence[Any]], None]], Awaitable[T]]
    ) -> Callable[[], Awaitable[T]]:
        """A CMS list read that publishes its pages as they arrive (see `partial`) and forgets them at the end."""
        slot = (self._account_name(), *key)

        async def fetch() -> T:
            sink: list[Any] = []
            self._partial[slot] = sink
            while len(self._partial) > _MAX_PARTIAL:
                del self._partial[next(iter(self._partial))]
            value = await read(sink.extend)
            # Kept when the walk was cut short (a completion's time limit): the next one can still offer it.
            if self._partial.get(slot) is sink:
                del self._partial[slot]
            return value

        return fetch
