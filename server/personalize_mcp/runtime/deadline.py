"""One overall deadline per tool call, seen by every wait below it.

`PersonalizeMCPServer.call_tool` opens a `within_deadline` scope; everything the call runs —
parallel lookups in child tasks included, since they inherit the context — can ask
`current_deadline()` how much time is left. Waits we choose ourselves (Retry-After, backoff, the
rate limiter) go through `sleep_within_deadline` or check `Deadline.allows` first, so a wait that
would overrun the deadline fails at once instead of sleeping to no purpose. Whatever is still
running when the deadline passes (a slow response) is cancelled, upstream requests included,
and the call ends with the same one sentence.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import anyio

from personalize_mcp.runtime.errors import UserFacingError

DEFAULT_DEADLINE = 30.0
"""Seconds one tool call may take, retries and waits included (`serve --deadline`)."""

_current: ContextVar[Deadline | None] = ContextVar("personalize_mcp_deadline", default=None)


class DeadlineExceededError(UserFacingError):
    """The call could not be answered within its deadline."""

    def __init__(self, seconds: float, reason: str | None = None) -> None:
        because = f" ({reason})" if reason else ""
        super().__init__(f"Contentstack did not answer within {format_seconds(seconds)} s{because}; try again shortly.")
        self.seconds = seconds
        self.reason = reason


def format_seconds(seconds: float) -> str:
    return f"{seconds:g}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """`seconds` granted at the start, ending at `expires_at` on anyio's clock."""

    seconds: float
    expires_at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(seconds=seconds, expires_at=anyio.current_time() + seconds)

    def remaining(self) -> float:
        return self.expires_at - anyio.current_time()

    def allows(self, wait: float) -> bool:
        """Whether a wait of `wait` seconds still ends before the deadline."""
        return wait < self.remaining()

    def exceeded(self, reason: str | None = None) -> DeadlineExceededError:
        return DeadlineExceededError(self.seconds, reason)


def current_deadline() -> Deadline | None:
    """The deadline of the tool call this code runs for, if any (resources and the CLI have none)."""
    return _current.get()


def check_wait(wait: float, reason: str) -> None:
    """Raise the deadline sentence now if waiting `wait` seconds would run past the deadline."""
    deadline = _current.get()
    if deadline is not None and not deadline.allows(wait):
        raise deadline.exceeded(reason)


async def sleep_within_deadline(seconds: float, reason: str) -> None:
    """Sleep, unless the sleep would end after the deadline: then fail at once."""
    check_wait(seconds, reason)
    await anyio.sleep(seconds)


@contextmanager
def within_deadline(seconds: float | None) -> Iterator[Deadline | None]:
    """Run the block under a deadline of `seconds` (None or inf: none); past it, raise the sentence.

    Nested scopes keep the earlier deadline: an inner call never extends an outer one.
    """
    outer = _current.get()
    if seconds is None or math.isinf(seconds):
        yield outer
        return
    deadline = Deadline.after(seconds)
    if outer is not None and outer.expires_at <= deadline.expires_at:
        yield outer
        return
    token = _current.set(deadline)
    try:
        with anyio.CancelScope(deadline=deadline.expires_at) as scope:
            yield deadline
    finally:
        _current.reset(token)
    if scope.cancelled_caught:
        raise deadline.exceeded()
