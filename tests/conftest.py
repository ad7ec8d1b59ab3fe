"""Shared fixtures: the sandbox served on loopback, connections to it, and MCP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from mcp import Client

from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import SandboxState, serve_in_thread


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Sandbox:
    """A sandbox served by uvicorn on 127.0.0.1, shared by the session and reset per test."""

    state: SandboxState
    origin: str

    def connection(self, **kwargs: str) -> Connection:
        return sandbox_connection(self.origin, **kwargs)


@pytest.fixture(scope="session")
def _served_sandbox() -> Iterator[Sandbox]:
    state = SandboxState()
    with serve_in_thread(state) as origin:
        yield Sandbox(state=state, origin=origin)


@pytest.fixture
def sandbox(_served_sandbox: Sandbox) -> Sandbox:
    """Fresh data, no faults, empty request log. The upstream rate limit is off here: fault and
    rate-limit tests switch it on themselves, everyone else should not wait on it."""
    _served_sandbox.state.reset()
    _served_sandbox.state.rate_limit_per_second = None
    return _served_sandbox


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both protocol eras: 2026-07-28 (stateless, discover) and the 2025-11-25 initialize handshake."""
    return str(request.param)


@pytest.fixture
async def client(sandbox: Sandbox, mode: str) -> AsyncIterator[Client]:
    """An MCP client talking to our server, which talks HTTP to the sandbox on loopback."""
    async with open_lookups(sandbox.connection()) as actions, Client(build_server(actions), mode=mode) as connected:
        yield connected
