"""Assembling one account's client stack: HTTP core, API clients, cache and lookups.

Owned by whoever runs the server (stdio loop, HTTP app, tests, demo) rather than by an MCP
session, so every session of an HTTP server shares one connection pool and one cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import httpx2

from personalize_mcp.answers.lookups import DEFAULT_CACHE_TTL, Lookups
from personalize_mcp.auth.protocol import Credentials
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.contentstack.bodies import DEFAULT_MAX_RESPONSE_BYTES as DEFAULT_MAX_RESPONSE_BYTES
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.http import ContentstackHTTP
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.ratelimit import Limiter as Limiter
from personalize_mcp.contentstack.ratelimit import RateLimit, RateLimiter
from personalize_mcp.contentstack.retries import RetryPolicy
from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE

if TYPE_CHECKING:  # the write calls are imported only when writes are on
    from personalize_mcp.contentstack.personalize_writes import PersonalizeWrites


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to reach Contentstack, as whom, and (for the in-process sandbox) over what."""

    settings: ConnectionSettings
    credentials: Credentials
    transport: httpx2.AsyncBaseTransport | None = None
    now: Callable[[], datetime] | None = None
    """What time it is for answers that count days (None: the system clock; the sandbox has its own calendar)."""


@asynccontextmanager
async def open_lookups(
    connection: Connection,
    *,
    default_project_uid: str | None = None,
    cache_ttl: float = DEFAULT_CACHE_TTL,
    deadline: float | None = DEFAULT_DEADLINE,
    rate_limit: RateLimit | None = None,
    limiter: Limiter | None = None,
    retry: RetryPolicy | None = None,
    http_timeout: httpx2.Timeout | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    write_mode: str = "off",
) -> AsyncIterator[Lookups]:
    """The lookups of one account (what every answer reads through); the HTTP client is closed on exit.

    `cache_ttl`: seconds lookups are reused (0: never; concurrent identical lookups still share
    one request). `deadline`: seconds one tool call may take in all (None: unlimited). `write_mode`:
    `serve --writes` (off: no write client at all).
    `rate_limit`, `retry`, `http_timeout`, `max_response_bytes`: the HTTP core's defaults (10
    requests/s per organisation and API; 3 attempts; 5 s connect, 10 s read; 16 MiB per answer)
    unless given. `limiter`: one the replicas share (`shared_ratelimit`), instead of this process's own.
    """
    http = ContentstackHTTP(
        connection.settings,
        connection.credentials,
        transport=connection.transport,
        timeout=http_timeout,
        retry=retry,
        limiter=limiter or RateLimiter(rate_limit),
        max_response_bytes=max_response_bytes,
    )
    try:
        yield Lookups(
            PersonalizeAPI(http),
            CMSAPI(http),
            credentials=connection.credentials,
            default_project_uid=default_project_uid,
            cache=TTLCache(cache_ttl),
            deadline=deadline,
            now=connection.now,
            region=connection.settings.region,
            writes=_write_calls(http) if write_mode != "off" else None,
            write_mode=write_mode,
        )
    finally:
        await http.aclose()


def _write_calls(http: ContentstackHTTP) -> PersonalizeWrites:
    """The write calls over `http`, imported only when writes are on."""
    from personalize_mcp.contentstack import personalize_writes

    return personalize_writes.PersonalizeWrites(http)
