"""One overall deadline per tool call, visible to every upstream request made on its behalf.

`within_deadline(seconds)` bounds a block: when time runs out, everything inside is cancelled
(in-flight requests, retry sleeps, rate-limit waits) and `DeadlineExceededError` says so in one
sentence. The deadline lives in a context variable, so tasks started inside the block (parallel
upstream calls) see it too; nested blocks keep the earlier deadline.

The HTTP core asks `time_left()` before it sleeps: a wait that would end after the deadline is
not started at all, and the caller reports the failure it was about to retry instead.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import anyio

from personalize_mcp.errors import UserFacingError

DEFAULT_DEADLINE = 30.0


class DeadlineExceededError(UserFacingError):
    """A tool call ran out of time while waiting for Contentstack."""


@dataclass(frozen=True, slots=True)
class _Deadline:
    expires: float
    """On `anyio.current_time()`'s clock (the event loop's monotonic clock)."""
    seconds: float
    """The budget as configured, for the message."""


_current: ContextVar[_Deadline | None] = ContextVar("personalize_mcp_deadline", default=None)


def deadline_message(seconds: float) -> str:
    return f"Contentstack did not answer within {round(seconds, 2):g} s; try again shortly."


def time_left() -> float | None:
    """Seconds until the current deadline (never negative), or None outside any deadline."""
    current = _current.get()
    if current is None:
        return None
    return max(0.0, current.expires - anyio.current_time())


def fits(delay: float) -> bool:
    """Whether waiting `delay` seconds would still end before the current deadline."""
    left = time_left()
    return left is None or delay < left


def exceeded() -> DeadlineExceededError:
    """The error for the current deadline (or the default budget outside any)."""
    current = _current.get()
    return DeadlineExceededError(deadline_message(current.seconds if current else DEFAULT_DEADLINE))


@asynccontextmanager
async def within_deadline(seconds: float | None) -> AsyncIterator[None]:
    """Bound the block to `seconds` (None or <= 0: no deadline of its own, an outer one still holds)."""
    outer = _current.get()
    if seconds is None or seconds <= 0 or math.isinf(seconds):
        yield
        return
    mine = _Deadline(anyio.current_time() + seconds, seconds)
    chosen = outer if outer is not None and outer.expires <= mine.expires else mine
    token = _current.set(chosen)
    try:
        with anyio.CancelScope(deadline=chosen.expires) as scope:
            yield
    finally:
        _current.reset(token)
    if scope.cancelled_caught:
        raise DeadlineExceededError(deadline_message(chosen.seconds))
