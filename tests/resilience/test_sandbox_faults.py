"""The sandbox's connection faults as a plain HTTP client sees them: a real reset over loopback,
a body cut short, the same errors in process, and the control endpoint that queues them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, create_sandbox_app
from tests.conftest import Sandbox

pytestmark = pytest.mark.anyio

AUTH = {"authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"}


@pytest.fixture(params=["loopback", "in-process"])
async def raw(request: pytest.FixtureRequest, sandbox: Sandbox) -> AsyncIterator[httpx2.AsyncClient]:
    if request.param == "loopback":
        async with httpx2.AsyncClient(base_url=sandbox.origin) as client:
            yield client
    else:
        transport = httpx2.ASGITransport(app=create_sandbox_app(sandbox.state))
        async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            yield client


def causes(error: BaseException) -> list[type[BaseException]]:
    chain: list[type[BaseException]] = []
    current: BaseException | None = error
    while current is not None:
        chain.append(type(current))
        current = current.__cause__ or current.__context__
    return chain


async def test_reset_drops_the_connection_without_an_answer(raw: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.state.reset_next("cma")
    with pytest.raises(httpx2.ReadError) as caught:
        await raw.get("/cma/v3/stacks", headers=AUTH)
    if raw.base_url.host != "sandbox":  # over a socket: the kernel's "connection reset by peer"
        assert ConnectionResetError in causes(caught.value)
    assert (await raw.get("/cma/v3/user", headers=AUTH)).status_code == 200  # the next one is answered
    assert [(r.path, r.status, r.fault) for r in sandbox.state.request_log()] == [
        ("/v3/stacks", 0, "reset"),
        ("/v3/user", 200, None),
    ]


async def test_truncate_closes_the_connection_mid_body(raw: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.state.truncate_next("personalize")
    with pytest.raises(httpx2.RemoteProtocolError, match="peer closed connection without sending complete message"):
        await raw.get("/personalize/projects", headers=AUTH)
    assert (await raw.get("/personalize/projects", headers=AUTH)).status_code == 200
    assert [(r.status, r.fault) for r in sandbox.state.request_log()] == [(200, "truncate"), (200, None)]


async def test_the_control_endpoint_queues_connection_faults(sandbox: Sandbox) -> None:
    async with httpx2.AsyncClient(base_url=sandbox.origin) as client:
        answer = await client.post(
            "/_sandbox/faults",
            json=[{"api": "personalize", "kind": "reset", "count": 2}, {"api": "cma", "kind": "truncate"}],
        )
        assert answer.status_code == 200
        queued = answer.json()
        assert queued["personalize"]["queued"] == [{"kind": "reset", "remaining": 2}]
        assert queued["cma"]["queued"] == [{"kind": "truncate", "remaining": 1}]
        for _ in range(2):
            with pytest.raises(httpx2.ReadError):
                await client.get("/personalize/projects", headers=AUTH)
        with pytest.raises(httpx2.RemoteProtocolError):
            await client.get("/cma/v3/user", headers=AUTH)
        assert (await client.get("/personalize/projects", headers=AUTH)).status_code == 200


async def test_a_client_that_leaves_during_the_latency_is_never_answered(sandbox: Sandbox) -> None:
    """Else its late answer would land in the log of whatever test runs next."""
    sandbox.state.set_latency("personalize", 400)
    async with httpx2.AsyncClient(base_url=sandbox.origin, timeout=httpx2.Timeout(5, read=0.05)) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get("/personalize/projects", headers=AUTH)
    await anyio.sleep(0.5)
    assert [(r.path, r.status) for r in sandbox.state.request_log()] == [("/projects", 0)]


async def test_latency_keeps_a_request_body_for_the_route(sandbox: Sandbox) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    async with httpx2.AsyncClient(base_url=sandbox.origin) as client:
        prompt = (await client.post("/developerhub/token", data=form)).json()
        sandbox.state.set_latency("oauth", 20)
        delayed = (await client.post("/developerhub/token", data=form)).json()
    assert delayed == prompt == {"error": "invalid_request", "error_description": "redirect_uri is required."}
