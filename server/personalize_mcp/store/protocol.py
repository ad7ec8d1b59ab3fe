"""The one storage interface every backend implements, and its one error.

Small on purpose: every use above it (a single-use code, a lock with expiry, a counter per minute,
a record replaced only if nobody replaced it first) is built from these atomic operations, so a
backend is correct once it passes the contract suite, and the callers never know which one runs.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from personalize_mcp.runtime.errors import UserFacingError


class StoreError(UserFacingError):
    """The store could not be read or written (a locked or read-only file, Redis unreachable)."""


@runtime_checkable
class KeyValueStore(Protocol):
    """Bytes by string key, each optionally expiring `ttl` seconds after it was written.

    Expired keys are invisible to every operation. Every operation is atomic across every process
    sharing the backend.
    """

    @property
    def url(self) -> str:
        """Where the data lives, fit to print (a password in a Redis URL is masked)."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Write `value`, replacing any; `ttl` None keeps it until deleted."""
        ...

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """Write only when `key` is absent (or expired); True when this call wrote it."""
        ...

    async def take(self, key: str) -> bytes | None:
        """Read and delete in one step: of two concurrent takes, one gets the value, the other None."""
        ...

    async def compare_and_set(
        self, key: str, expected: bytes | None, value: bytes | None, *, ttl: float | None = None
    ) -> bool:
        """Replace the value only if it is still `expected` (None: absent); `value` None deletes it.

        True when the replacement happened.
        """
        ...

    async def delete(self, key: str) -> bool:
        """Remove `key`; True when it was there."""
        ...

    async def increment(self, key: str, *, ttl: float) -> int:
        """Add one to a counter and return it; a new counter expires `ttl` seconds after its first count."""
        ...

    async def keys(self, prefix: str) -> list[str]:
        """Every live key starting with `prefix`, sorted."""
        ...

    async def aclose(self) -> None:
        """Release connections; the data stays."""
        ...
