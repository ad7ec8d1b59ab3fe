"""Sliding one-second window per (organisation, API): Contentstack allows 10 requests/second each."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

WINDOW_SECONDS = 1.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int
    """Whole seconds until a slot frees up (at least 1) when refused; 0 when allowed."""


@dataclass
class RateLimiter:
    """Counts accepted requests only: a refused request does not extend the wait."""

    windows: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def hit(self, key: tuple[str, str], now: float, limit: int) -> Decision:
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit:
            wait = window[0] + WINDOW_SECONDS - now
            return Decision(allowed=False, remaining=0, retry_after=max(1, math.ceil(wait)))
        window.append(now)
        return Decision(allowed=True, remaining=limit - len(window), retry_after=0)

    def clear(self) -> None:
        self.windows.clear()
