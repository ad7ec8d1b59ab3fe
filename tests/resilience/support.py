"""Helpers for the fault tests: fast retry policies, clients with chosen deadlines, log checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
from mcp import Client

from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.contentstack.bodies import DEFAULT_MAX_RESPONSE_BYTES
from personalize_mcp.contentstack.http import ContentstackHTTP
from personalize_mcp.contentstack.ratelimit import RateLimit, RateLimiter
from personalize_mcp.contentstack.retries import RetryPolicy
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox.state import RequestRecord

FAST_RETRY = RetryPolicy(base_backoff=0.02, max_backoff=0.1)
"""Three attempts like production, with backoffs of tens of milliseconds."""


def http_for(
    connection: Connection,
    *,
    retry: RetryPolicy = FAST_RETRY,
    timeout: httpx2.Timeout | None = None,
    rate_limit: RateLimit | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> ContentstackHTTP:
    return ContentstackHTTP(
        connection.settings,
        connection.credentials,
        transport=connection.transport,
        retry=retry,
        timeout=timeout,
        limiter=RateLimiter(rate_limit),
        max_response_bytes=max_response_bytes,
    )


@asynccontextmanager
async def tool_client(
    connection: Connection,
    *,
    cache_ttl: float = 30.0,
    deadline: float | None = 30.0,
    retry: RetryPolicy = FAST_RETRY,
    http_timeout: httpx2.Timeout | None = None,
    rate_limit: RateLimit | None = None,
) -> AsyncIterator[Client]:
    async with (
        open_lookups(
            connection,
            cache_ttl=cache_ttl,
            deadline=deadline,
            retry=retry,
            http_timeout=http_timeout,
            rate_limit=rate_limit,
        ) as actions,
        Client(build_server(actions)) as client,
    ):
        yield client


def busy_connections(http: ContentstackHTTP) -> int:
    """Connections of the HTTP core's pool that are neither idle nor closed (i.e. still in use)."""
    pool: Any = http.client._transport._pool
    return sum(1 for c in pool.connections if not (c.is_idle() or c.is_closed()))


def most_in_any_window(records: Iterable[RequestRecord], window: float = 1.0) -> dict[tuple[str | None, str], int]:
    """The largest number of requests any `window` seconds held, per (organisation, API), by log time.

    A window is half-open like the sandbox's own counter: a request exactly `window` after another
    is outside the first one's window.
    """
    times: dict[tuple[str | None, str], list[float]] = defaultdict(list)
    for record in records:
        times[(record.organization, record.api)].append(record.time)
    most: dict[tuple[str | None, str], int] = {}
    for key, stamps in times.items():
        stamps.sort()
        best, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamps[start] <= stamp - window:
                start += 1
            best = max(best, end - start + 1)
        most[key] = best
    return most


async def wait_for(condition: Callable[[], bool], within: float = 3.0) -> None:
    """Poll until `condition` holds (it may depend on the sandbox's thread, so no event can tell us)."""
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.005)
