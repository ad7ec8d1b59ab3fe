"""When one request is tried again, and how long it waits first.

A 429 waits for its `Retry-After` (capped) and pauses the rate limiter's key meanwhile, so everyone's
next request to that organisation and API waits too; 502/503/504, connection failures, read timeouts
and dropped connections are retried, at most three attempts in all, with jittered exponential backoff;
no wait runs past the tool call's deadline. These rules are those of a GET, which is safe to repeat:
the request path (`http`) applies them to every request it sends today, all of them reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

import httpx2

from personalize_mcp.contentstack.bodies import UpstreamAnswer
from personalize_mcp.contentstack.errors import Api
from personalize_mcp.contentstack.ratelimit import Limiter
from personalize_mcp.runtime.deadline import check_wait, format_seconds, sleep_within_deadline

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try before giving up on one GET."""

    max_attempts: int = 3
    base_backoff: float = 0.25
    max_backoff: float = 4.0
    retry_after_cap: float = 10.0

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number `attempt` (1 for the first)."""
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security

    def retry_after(self, header: str | None) -> float | None:
        """An answer's Retry-After in seconds, capped; None when absent or not a number of seconds."""
        seconds = _retry_after_seconds(header)
        return None if seconds is None else min(seconds, self.retry_after_cap)


async def wait_to_retry(
    policy: RetryPolicy, limiter: Limiter, key: tuple[str, str], api: Api, answer: UpstreamAnswer, attempt: int
) -> float:
    """Wait as an answer with a retryable status asks (within the deadline); the seconds waited."""
    retry_after = policy.retry_after(answer.headers.get("retry-after"))
    delay = policy.backoff(attempt) if retry_after is None else retry_after
    if answer.status == 429:
        reason = f"its {api.display_name} is rate-limiting this organisation"
        if retry_after is not None:
            reason += f" and asked to wait {format_seconds(retry_after)} s"
        check_wait(delay, reason)
        # Everyone's next request to this organisation and API waits too, this retry included.
        limiter.pause(key, delay)
    else:
        await sleep_within_deadline(delay, f"its {api.display_name} is failing with HTTP {answer.status}")
    return delay


class Transient(Enum):
    """A transport failure worth another attempt of a GET: the request may never have arrived."""

    CONNECT = "cannot be reached"
    READ_TIMEOUT = "is not answering"
    RESET = "keeps dropping the connection"


_CONNECT_ERRORS = (httpx2.ConnectError, httpx2.ConnectTimeout)
_RESET_ERRORS = (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)


def transient_failure(error: httpx2.HTTPError) -> Transient | None:
    """Which transient failure `error` is, or None when another attempt is not worth it."""
    if isinstance(error, _CONNECT_ERRORS):
        return Transient.CONNECT
    if isinstance(error, httpx2.ReadTimeout):
        return Transient.READ_TIMEOUT
    if isinstance(error, _RESET_ERRORS):
        return Transient.RESET
    return None


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP-date: fall back to backoff rather than trust the clock skew
    return max(0.0, seconds)
