"""Shared fixtures: the sandbox served on loopback, connections to it, and MCP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from mcp import Client

from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import SandboxState, serve_in_thread
from tests.redis_server import redis_url as redis_url

if TYPE_CHECKING:
    from tests.http.test_http_subprocess import Served

BROWSER_PAGE = Path(__file__).parent / "http" / "browser" / "client.html"


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


@pytest.fixture(scope="session")
def browser_page_origin() -> Iterator[str]:
    """A loopback origin serving the browser test's MCP client page (tests/http/browser/client.html)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from tests.http.support import serve_asgi_in_thread

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(BROWSER_PAGE.read_text(), headers={"cache-control": "no-store"})

    with serve_asgi_in_thread(Starlette(routes=[Route("/", index)])) as origin:
        yield origin


@pytest.fixture(scope="session")
def served_http_sandbox(browser_page_origin: str) -> Iterator[Served]:
    """`personalize-mcp serve --sandbox --transport http --allowed-origin <the browser page>` as a
    subprocess, shared by the tests that need a real HTTP server without special flags (one start)."""
    from tests.http.test_http_subprocess import start_server

    served = start_server("--allowed-origin", browser_page_origin)
    try:
        yield served
    finally:
        assert served.stop() == 0, served.log()[-3000:]
        served.stderr.close()
