"""Helpers of the fault tests: an MCP client with tunable resilience, and what the sandbox log shows."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client

from personalize_mcp.actions import PersonalizeActions
from personalize_mcp.contentstack.http import RetryPolicy
from personalize_mcp.mcp_app import build_server
from personalize_mcp.runtime import Connection, open_actions
from personalize_mcp.sandbox import RequestRecord

FAST_RETRY = RetryPolicy(max_attempts=3, base_backoff=0.02, max_backoff=0.1)
"""The production policy's shape with short backoffs, so fault tests do not wait."""


@asynccontextmanager
async def mcp_client(connection: Connection, **options: Any) -> AsyncIterator[tuple[Client, PersonalizeActions]]:
    """Our server (with `open_actions` options) behind an in-memory MCP client."""
    options.setdefault("retry", FAST_RETRY)
    async with open_actions(connection, **options) as actions, Client(build_server(actions)) as client:
        yield client, actions


def short_timeout(read: float) -> httpx2.Timeout:
    return httpx2.Timeout(read, connect=read)


def busiest_second(records: Iterable[RequestRecord]) -> dict[tuple[str | None, str], int]:
    """Most requests the sandbox logged within any one second, per (organisation, API)."""
    times: dict[tuple[str | None, str], list[float]] = defaultdict(list)
    for record in records:
        if record.api in ("personalize", "cma"):
            times[(record.organization, record.api)].append(record.time)
    busiest: dict[tuple[str | None, str], int] = {}
    for key, stamps in times.items():
        stamps.sort()
        most, first = 0, 0
        for last, stamp in enumerate(stamps):
            while stamps[first] <= stamp - 1.0:
                first += 1
            most = max(most, last - first + 1)
        busiest[key] = most
    return busiest


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
