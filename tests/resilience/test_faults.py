"""Faults over real loopback HTTP, through an MCP client: every one ends in an answer or in one
clear sentence, within the deadline, without ever pushing Contentstack past its rate limit."""

from __future__ import annotations

import anyio
import pytest

from personalize_mcp.contentstack.http import RetryPolicy
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

from .support import Stopwatch, busiest_second, mcp_client, short_timeout

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID


def statuses(sandbox: Sandbox, path: str) -> list[int]:
    return [r.status for r in sandbox.state.request_log() if r.path == path]


async def test_a_429_burst_waits_for_retry_after_and_stays_within_the_limit(limited: Sandbox) -> None:
    limited.state.rate_limit_next("personalize", count=3, retry_after=1)
    async with mcp_client(limited.connection()) as (client, _):
        watch = Stopwatch()
        async with anyio.create_task_group() as group:  # three calls meet the burst at once
            for tool, arguments in [
                ("list_projects", {}),
                ("get_all_experiences", {"project_uid": WEB}),
                ("get_single_experience", {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}),
            ]:
                group.start_soon(call_ok, client, tool, arguments)
        assert 1.0 <= watch.elapsed < 3.0
    log = limited.state.request_log()
    assert [r.status for r in log[:3]] == [429, 429, 429]
    first_retry = min(r.time for r in log[3:])
    assert first_retry - log[0].time >= 1.0 - 0.05  # Retry-After honoured, by every call
    assert all(r.status == 200 for r in log[3:])  # and no 429 of the sandbox's own limiter after it
    assert max(busiest_second(log).values()) <= 10


async def test_server_errors_then_success(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 502, count=1)
    sandbox.state.fail_next("personalize", 504, count=1)
    async with mcp_client(sandbox.connection()) as (client, _):
        result = await call_ok(client, "list_projects")
    assert len(result["projects"]) == 2
    assert statuses(sandbox, "/projects") == [502, 504, 200]  # three attempts at most


async def test_persistent_server_errors_end_within_the_deadline(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 503, count=50)
    # Waits of 0.05-0.1, 0.1-0.2, 0.2-0.4, 0.4-0.8 s: the fourth can never fit in 0.6 s.
    policy = RetryPolicy(max_attempts=10, base_backoff=0.1, max_backoff=10.0)
    async with mcp_client(sandbox.connection(), deadline=0.6, retry=policy) as (client, _):
        watch = Stopwatch()
        message = await call_error(client, "list_projects")
        assert watch.elapsed < 0.6
    assert message == "Contentstack's Personalize Management API is failing (HTTP 503); try again shortly."
    # Retried while a wait still fitted; the one that would outlast the deadline never began.
    assert 2 <= len(statuses(sandbox, "/projects")) <= 4


async def test_a_retry_after_beyond_the_deadline_is_reported_at_once(limited: Sandbox) -> None:
    limited.state.rate_limit_next("cma", count=1, retry_after=120)
    async with mcp_client(limited.connection(), deadline=5) as (client, _):
        watch = Stopwatch()
        message = await call_error(client, "list_stacks")
        assert watch.elapsed < 1.0
    assert "rate-limiting this organisation (HTTP 429)" in message


async def test_read_timeouts_are_retried_then_reported(sandbox: Sandbox) -> None:
    sandbox.state.set_slow("personalize", seconds=0.6)  # headers at once, the body too late
    async with mcp_client(sandbox.connection(), http_timeout=short_timeout(0.1)) as (client, _):
        watch = Stopwatch()
        message = await call_error(client, "list_projects")
        assert watch.elapsed < 1.0
    assert message == "Contentstack's Personalize Management API did not answer in time; try again shortly."
    assert len(statuses(sandbox, "/projects")) == 3


async def test_a_slow_upstream_ends_with_the_deadline_sentence(sandbox: Sandbox) -> None:
    sandbox.state.set_latency("personalize", 3000)
    async with mcp_client(sandbox.connection(), deadline=0.3) as (client, _):
        watch = Stopwatch()
        message = await call_error(client, "get_all_audiences", {"project_uid": WEB})
        assert 0.3 <= watch.elapsed < 1.0
    assert message == "Contentstack did not answer within 0.3 s; try again shortly."


async def test_a_reset_connection_is_retried(sandbox: Sandbox) -> None:
    sandbox.state.reset_next("cma", count=1)
    sandbox.state.truncate_next("cma", count=1)
    async with mcp_client(sandbox.connection()) as (client, _):
        result = await call_ok(client, "list_stacks")
    assert len(result["stacks"]) == 3
    log = [(r.status, r.fault) for r in sandbox.state.request_log() if r.path == "/v3/stacks"]
    assert log == [(0, "reset"), (200, "truncated"), (200, None)]


async def test_connections_that_keep_resetting_end_in_one_sentence(sandbox: Sandbox) -> None:
    sandbox.state.reset_next("personalize", count=10)
    async with mcp_client(sandbox.connection()) as (client, _):
        message = await call_error(client, "list_projects")
    assert message == (
        "Could not reach Contentstack's Personalize Management API (connection dropped); "
        "check the network connection and the configured base URL, then try again."
    )
    assert statuses(sandbox, "/projects") == [0, 0, 0]


async def test_invalid_json_names_the_api_and_the_status(sandbox: Sandbox) -> None:
    sandbox.state.invalid_json_next("cma", count=1)
    async with mcp_client(sandbox.connection()) as (client, _):
        message = await call_error(client, "list_stacks")
        assert message == (
            "Contentstack's CMS Management API returned a response that is not valid JSON (HTTP 200); "
            "try again shortly."
        )
        assert len((await call_ok(client, "list_stacks"))["stacks"]) == 3  # the server carries on
