"""Fixtures: a sandbox state on a manual clock (no rate limit unless a test turns it on), and an
in-process httpx2 client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from personalize_mcp.sandbox import ManualClock, SandboxState, create_sandbox_app


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def state(clock: ManualClock) -> SandboxState:
    sandbox = SandboxState(clock=clock)
    sandbox.rate_limit_per_second = None  # rate-limit tests turn it back on
    return sandbox


@pytest.fixture
async def client(state: SandboxState) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=create_sandbox_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        yield http
