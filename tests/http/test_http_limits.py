"""One client cannot starve the rest (issue 17, items 9, 10, 16): sessions per client and in all,
the idlest ended first; header and body deadlines; a cap on open connections; no query string in
the access log."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx2
import pytest
import uvicorn

from personalize_mcp.sandbox.server import serve_uvicorn_in_thread
from personalize_mcp.transport.connection_limits import ConnectionLimits, guarded_protocol
from personalize_mcp.transport.http_options import HTTPOptions
from tests.conftest import Sandbox
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.http.support import BASE_URL, INITIALIZE, MCP_HEADERS, InProcess, Issuer, in_process
from tests.http.test_http_subprocess import start_server

LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


# -- sessions -------------------------------------------------------------------------------------


@asynccontextmanager
async def peer(served: InProcess, address: str, token: str | None = None) -> AsyncIterator[httpx2.AsyncClient]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=served.app, client=(address, 40000))
    async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        yield http


async def open_session(http: httpx2.AsyncClient) -> str:
    response = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 200, response.text
    return response.headers["mcp-session-id"]


async def use(http: httpx2.AsyncClient, session: str) -> int:
    headers = {**MCP_HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
    return (await http.post("/mcp", json=LIST_TOOLS, headers=headers)).status_code


@pytest.mark.anyio
async def test_one_client_cannot_take_every_session(sandbox: Sandbox) -> None:
    options = HTTPOptions(max_sessions_per_client=3, max_sessions=100)
    async with (
        in_process(sandbox.connection(), options) as served,
        peer(served, "10.0.0.1") as flooder,
        peer(served, "10.0.0.2") as neighbour,
    ):
        theirs = await open_session(neighbour)
        first = [await open_session(flooder) for _ in range(3)]
        assert await use(flooder, first[1]) == 200 and await use(flooder, first[2]) == 200  # first[0]: idlest
        later = [await open_session(flooder) for _ in range(30)]  # 33 opened, 3 held
        assert await use(flooder, first[0]) == 404  # ended as a DELETE would: the client starts anew
        assert [await use(flooder, s) for s in later[-3:]] == [200, 200, 200]
        assert await use(flooder, later[0]) == 404
        assert await use(neighbour, theirs) == 200  # the neighbour keeps its session
        await open_session(neighbour)  # and can open more


@pytest.mark.anyio
async def test_at_the_server_limit_the_idlest_session_of_anyone_ends(sandbox: Sandbox) -> None:
    options = HTTPOptions(max_sessions_per_client=10, max_sessions=4)
    async with (
        in_process(sandbox.connection(), options) as served,
        peer(served, "10.0.0.1") as a,
        peer(served, "10.0.0.2") as b,
    ):
        oldest = await open_session(a)
        rest = [await open_session(b) for _ in range(3)]
        newest = await open_session(b)
        assert await use(a, oldest) == 404
        assert [await use(b, s) for s in [*rest, newest]] == [200] * 4


@pytest.mark.anyio
async def test_with_authentication_the_limit_is_per_token_subject(sandbox: Sandbox) -> None:
    issuer = Issuer()
    options = HTTPOptions(max_sessions_per_client=2)
    async with (
        in_process(sandbox.connection(), options, issuer=issuer) as served,
        peer(served, "10.0.0.1", issuer.token(sub="alice")) as alice,
        peer(served, "10.0.0.1", issuer.token(sub="bob")) as bob,  # the same address (a proxy, say)
    ):
        bobs = [await open_session(bob) for _ in range(2)]
        for _ in range(5):
            await open_session(alice)
        assert [await use(bob, s) for s in bobs] == [200, 200]


# -- connections ----------------------------------------------------------------------------------


async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the body, then answers after ?wait= seconds (an upstream call, say)."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    wait = float(dict(pair.split("=") for pair in scope["query_string"].decode().split("&") if pair).get("wait", 0))
    await asyncio.sleep(wait)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def guarded(limits: ConnectionLimits) -> Iterator[tuple[str, int]]:
    config = uvicorn.Config(slow_app, lifespan="off", log_config=None, http=guarded_protocol(limits))
    with serve_uvicorn_in_thread(uvicorn.Server(config), name="guarded") as origin:
        host, port = origin.removeprefix("http://").split(":")
        yield host, int(port)


def connect(address: tuple[str, int], sent: bytes = b"") -> socket.socket:
    sock = socket.create_connection(address, timeout=5)
    if sent:
        sock.sendall(sent)
    return sock


def answer_of(sock: socket.socket) -> bytes:
    """One whole answer of `slow_app` (headers and its two-byte body)."""
    received = b""
    while not received.endswith(b"\r\n\r\nok"):
        chunk = sock.recv(4096)
        assert chunk, received
        received += chunk
    return received


def closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it is still open after `seconds`."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def test_a_connection_that_never_finishes_its_headers_is_closed() -> None:
    with guarded(ConnectionLimits(header_timeout=0.3, body_timeout=5, max_connections=50)) as address:
        silent = connect(address)
        slow = connect(address, b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert closed_within(silent, 2) == b""  # nothing asked, nothing answered
        answer = closed_within(slow, 2)
        assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 1.5
        # A prompt client is unaffected; between its requests the deadline starts anew.
        with connect(address, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") as prompt:
            assert answer_of(prompt).startswith(b"HTTP/1.1 200")
            time.sleep(0.2)
            prompt.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer_of(prompt).startswith(b"HTTP/1.1 200")
            assert closed_within(prompt, 2) == b""  # then closed quietly once idle too long


def test_a_body_that_never_arrives_is_closed() -> None:
    with guarded(ConnectionLimits(header_timeout=5, body_timeout=0.3, max_connections=50)) as address:
        sock = connect(address, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        assert closed_within(sock, 2) is not None


def test_at_the_connection_limit_the_longest_waiting_makes_room() -> None:
    with guarded(ConnectionLimits(header_timeout=30, body_timeout=30, max_connections=4)) as address:
        idle = [connect(address) for _ in range(4)]
        time.sleep(0.1)
        with httpx2.Client(base_url=f"http://{address[0]}:{address[1]}") as http:
            assert http.get("/").status_code == 200
        assert closed_within(idle[0], 1) is not None  # the one waiting longest was closed
        for sock in idle:
            sock.close()


def test_at_the_connection_limit_with_every_one_busy_a_new_one_gets_503() -> None:
    with guarded(ConnectionLimits(header_timeout=30, body_timeout=30, max_connections=3)) as address:
        busy = [connect(address, b"GET /?wait=1 HTTP/1.1\r\nHost: x\r\n\r\n") for _ in range(3)]
        time.sleep(0.2)
        extra = connect(address)
        answer = closed_within(extra, 1)
        assert answer is not None and answer.startswith(b"HTTP/1.1 503"), answer
        for sock in busy:
            assert answer_of(sock).startswith(b"HTTP/1.1 200")  # the busy ones were left alone
            sock.close()


def test_half_open_connections_do_not_take_the_real_server_down() -> None:
    """`serve --transport http`: 40 connections that never finish their headers, with room for 8."""
    served = start_server(
        "--header-timeout", "0.5", "--max-connections", "8", env=subprocess_env(PERSONALIZE_MCP_LOG_LEVEL="INFO")
    )
    try:
        half_open = [connect(("127.0.0.1", served.port), b"GET /healthz HTTP/1.1\r\nHost: x\r\n") for _ in range(40)]
        with httpx2.Client(base_url=served.origin, timeout=2) as http:
            assert http.get("/healthz").status_code == 200
            assert http.get("/healthz?access_token=secret-in-a-query").status_code == 200
        assert all(closed_within(sock, 2) is not None for sock in half_open)
        for sock in half_open:
            sock.close()
    finally:
        served.stop()
        log = served.log()
        served.stderr.close()
    assert "secret-in-a-query" not in log
    assert "/healthz?[redacted]" in log
