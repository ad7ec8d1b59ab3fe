"""Time for the sandbox, injectable so tests can expire codes and tokens without sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A monotonic clock in seconds: `time.monotonic` in production, a `ManualClock` in tests."""

system_clock: Clock = time.monotonic


class ManualClock:
    """A clock that only moves when told to; `advance` replaces real sleeps in tests."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
