"""The sandbox's connection faults over real TCP, its 499 for clients that hang up, and its list
of requests in progress."""

from __future__ import annotations

import time

import anyio
import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, SandboxState, create_sandbox_app, sandbox_base_urls
from personalize_mcp.sandbox.data import MAIN_ORG_UID
from tests.conftest import Sandbox

AUTH = {"authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"}


def test_reset_and_truncated_connections(sandbox: Sandbox) -> None:
    urls = sandbox_base_urls(sandbox.origin)
    sandbox.state.reset_next("personalize")
    sandbox.state.truncate_next("personalize")
    with httpx2.Client() as http:
        with pytest.raises(httpx2.ReadError, match="reset"):  # ECONNRESET: the kernel got a RST
            http.get(f"{urls.personalize}/projects", headers=AUTH)
        with pytest.raises(httpx2.RemoteProtocolError, match="complete message body"):
            http.get(f"{urls.personalize}/projects", headers=AUTH)
        assert http.get(f"{urls.personalize}/projects", headers=AUTH).status_code == 200
    log = [(r.status, r.fault) for r in sandbox.state.request_log()]
    assert log == [(0, "reset"), (200, "truncated"), (200, None)]


def test_connection_faults_over_the_control_endpoint(sandbox: Sandbox) -> None:
    urls = sandbox_base_urls(sandbox.origin)
    with httpx2.Client() as http:
        specs = [{"api": "cma", "kind": "reset", "count": 2}, {"api": "cma", "kind": "truncated"}]
        snapshot = http.post(f"{urls.control}/faults", json=specs).json()
        assert [q["kind"] for q in snapshot["cma"]["queued"]] == ["reset", "truncated"]
        for error in (httpx2.ReadError, httpx2.ReadError, httpx2.RemoteProtocolError):
            with pytest.raises(error):
                http.get(f"{urls.cma}/v3/stacks", headers=AUTH | {"organization_uid": MAIN_ORG_UID})


def test_a_client_that_hangs_up_during_latency_is_logged_as_499(sandbox: Sandbox) -> None:
    urls = sandbox_base_urls(sandbox.origin)
    sandbox.state.set_latency("personalize", 5000)
    with httpx2.Client(timeout=httpx2.Timeout(5.0, read=0.2)) as http, pytest.raises(httpx2.ReadTimeout):
        http.get(f"{urls.personalize}/projects", headers=AUTH)
    deadline = time.monotonic() + 2
    while not sandbox.state.request_log() and time.monotonic() < deadline:
        time.sleep(0.01)
    [record] = sandbox.state.request_log()
    assert record.status == 499 and record.path == "/projects"
    assert sandbox.state.active_requests() == []


@pytest.mark.anyio
async def test_requests_in_progress_are_listed() -> None:
    state = SandboxState()
    state.set_latency("cma", 100)
    transport = httpx2.ASGITransport(app=create_sandbox_app(state))
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://sandbox", headers=AUTH) as http,
        anyio.create_task_group() as group,
    ):
        group.start_soon(http.get, "/cma/v3/user")
        await anyio.sleep(0.03)
        [active] = state.active_requests()
        assert (active.api, active.method, active.path) == ("cma", "GET", "/v3/user")
    assert state.active_requests() == []


@pytest.mark.anyio
async def test_in_process_a_reset_is_a_connection_reset_error() -> None:
    state = SandboxState()
    state.reset_next("personalize")
    transport = httpx2.ASGITransport(app=create_sandbox_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        with pytest.raises(ConnectionResetError):
            await http.get("/personalize/projects", headers=AUTH)
