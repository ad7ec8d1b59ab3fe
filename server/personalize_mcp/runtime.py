"""Assembling one account's client stack: HTTP core, API clients, cache and actions.

Owned by whoever runs the server (stdio loop, HTTP app, tests, demo) rather than by an MCP
session, so every session of an HTTP server shares one connection pool, one rate-limit budget
per organisation and API, and one cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx2

from personalize_mcp.actions import DEFAULT_CACHE_TTL, PersonalizeActions
from personalize_mcp.cache import TTLCache
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.http import ContentstackHTTP, RetryPolicy
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.ratelimit import UpstreamLimits
from personalize_mcp.credentials import Credentials
from personalize_mcp.deadline import DEFAULT_DEADLINE
from personalize_mcp.settings import ConnectionSettings


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to reach Contentstack, as whom, and (for the in-process sandbox) over what."""

    settings: ConnectionSettings
    credentials: Credentials
    transport: httpx2.AsyncBaseTransport | None = None


@asynccontextmanager
async def open_actions(
    connection: Connection,
    *,
    default_project_uid: str | None = None,
    cache_ttl: float = DEFAULT_CACHE_TTL,
    deadline: float = DEFAULT_DEADLINE,
    limits: UpstreamLimits | None = None,
    http_timeout: httpx2.Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[PersonalizeActions]:
    """Actions bound to one account; the HTTP client is closed on exit.

    `cache_ttl` 0 turns lookup caching off (identical concurrent requests still share one call);
    `deadline` bounds each tool call, retries and waits included; `limits` is the rate-limit
    budget (pass one instance to every account of a process; `UpstreamLimits(None)` turns it
    off); `http_timeout` and `retry` tune the HTTP core (tests make them short).
    """
    http = ContentstackHTTP(
        connection.settings,
        connection.credentials,
        transport=connection.transport,
        timeout=http_timeout,
        retry=retry,
        limits=limits,
        deadline_seconds=deadline,
    )
    try:
        yield PersonalizeActions(
            PersonalizeAPI(http),
            CMSAPI(http),
            credentials=connection.credentials,
            default_project_uid=default_project_uid,
            cache=TTLCache(cache_ttl),
            deadline=deadline,
        )
    finally:
        await http.aclose()
