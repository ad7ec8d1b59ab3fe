"""A cancelled tool call cancels its upstream requests: the sandbox sees the request arrive, then
sees the client hang up long before its answer was due; nothing is left running on our side."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import call_ok

from .support import Stopwatch, mcp_client

pytestmark = pytest.mark.anyio


async def wait_for(condition: object, within: float = 2.0) -> None:
    """Poll the sandbox (another thread) until `condition()` holds."""
    assert callable(condition)
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110 - the state lives in the sandbox's thread: nothing to await
            await anyio.sleep(0.01)


def hung_up(sandbox: Sandbox, path: str) -> bool:
    return any(r.path == path and r.status == 499 for r in sandbox.state.request_log())


async def test_a_cancelled_tool_call_stops_its_upstream_requests(sandbox: Sandbox) -> None:
    sandbox.state.set_latency("personalize", 5000)
    async with mcp_client(sandbox.connection()) as (client, _):
        await anyio.sleep(0.05)
        tasks_before = len(asyncio.all_tasks())
        async with anyio.create_task_group() as group:
            group.start_soon(client.call_tool, "get_all_audiences", {"project_uid": data.WEB_PROJECT_UID})
            # The sandbox has both requests of the call (audiences ∥ attribute names) in hand ...
            await wait_for(lambda: {r.path for r in sandbox.state.active_requests()} == {"/audiences", "/attributes"})
            watch = Stopwatch()
            group.cancel_scope.cancel()  # ... when the client cancels (notifications/cancelled)
        assert watch.elapsed < 0.5
        # Our side closed both connections: the sandbox saw the client leave, 4.9 s before its answer.
        await wait_for(lambda: hung_up(sandbox, "/audiences") and hung_up(sandbox, "/attributes"))
        assert sandbox.state.active_requests() == []
        assert watch.elapsed < 2.0
        await anyio.sleep(0.05)
        assert len(asyncio.all_tasks()) <= tasks_before  # no task outlived the call
        sandbox.state.set_latency("personalize", 0)
        result = await call_ok(client, "get_all_audiences", {"project_uid": data.WEB_PROJECT_UID})
        assert result["audiences"]  # the cancelled fetch poisoned nothing (cache, limiter, pool)


async def test_a_deadline_cancels_the_upstream_request_too(sandbox: Sandbox) -> None:
    sandbox.state.set_latency("cma", 5000)
    async with mcp_client(sandbox.connection(), deadline=0.2) as (client, _):
        result = await client.call_tool("list_stacks", {})
        assert result.is_error
    await wait_for(lambda: hung_up(sandbox, "/v3/stacks"))
