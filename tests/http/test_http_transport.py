"""Streamable HTTP in process (`httpx2.ASGITransport`): both eras, sessions or stateless, rebinding
protection, /healthz, the body limit and the per-request time limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.rebinding import transport_security
from tests.conftest import Sandbox
from tests.helpers import CONTRACT_TOOLS, call_error, call_ok
from tests.http.support import INITIALIZE, MCP_HEADERS, in_process

pytestmark = pytest.mark.anyio

EXPECTED_TOOLS = set(CONTRACT_TOOLS)


@pytest.mark.parametrize("stateless", [False, True], ids=["sessions", "stateless"])
async def test_tools_work_in_both_eras(sandbox: Sandbox, mode: str, stateless: bool) -> None:
    async with (
        in_process(sandbox.connection(), HTTPOptions(stateless=stateless)) as served,
        served.client(mode) as client,
    ):
        expected_version = "2026-07-28" if mode == "auto" else "2025-11-25"
        assert client.session.protocol_version == expected_version
        assert {tool.name for tool in (await client.list_tools()).tools} == EXPECTED_TOOLS
        projects = await call_ok(client, "list_projects")
        assert data.WEB_PROJECT_UID in {p["uid"] for p in projects["projects"]}
        answer = await call_ok(
            client,
            "get_variant_audiences",
            {
                "stack_api_key": data.MAIN_STACK_API_KEY,
                "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
                "variant_uid": data.HERO_MOBILE_VARIANT_UID,
            },
        )
        assert data.MOBILE_VISITORS_AUDIENCE_UID in [a["uid"] for a in answer["audiences"]]
        message = await call_error(client, "get_single_audience", {"audience_uid": "../etc"})
        assert "audience_uid" in message


async def test_sessions_share_one_client_pool_and_cache(sandbox: Sandbox) -> None:
    """Two sessions, one lookup cache: the second session's list_projects is served from it."""
    async with in_process(sandbox.connection()) as served:
        async with served.client("legacy") as first:
            await call_ok(first, "list_projects")
        upstream = len(sandbox.state.request_log())
        assert upstream > 0
        async with served.client("legacy") as second:
            await call_ok(second, "list_projects")
        assert len(sandbox.state.request_log()) == upstream


async def test_stateful_mode_issues_a_session_and_stateless_does_not(sandbox: Sandbox) -> None:
    for stateless, expect_session in ((False, True), (True, False)):
        async with in_process(sandbox.connection(), HTTPOptions(stateless=stateless)) as served, served.http() as http:
            response = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
            assert response.status_code == 200
            assert ("mcp-session-id" in response.headers) is expect_session


async def test_healthz_is_static_json_without_secrets_or_upstream_calls(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection()) as served, served.http() as http:
        response = await http.get("/healthz")
        head = await http.head("/healthz")
    assert response.status_code == 200
    assert head.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert body["transport"] == "streamable-http"
    assert body["endpoint"] == "/mcp"
    assert body["auth"] == "none"
    assert SANDBOX_ACCESS_TOKEN not in response.text
    assert "sandbox" not in response.text.lower()  # nothing about the account either
    assert sandbox.state.request_log() == []


@pytest.mark.parametrize("era", ["2025-11-25", "2026-07-28"])
async def test_foreign_origin_is_403(sandbox: Sandbox, era: str) -> None:
    async with in_process(sandbox.connection()) as served, served.http() as http:
        response = await http.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "origin": "http://evil.example", "mcp-protocol-version": era},
        )
    assert response.status_code == 403
    assert sandbox.state.request_log() == []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000"])
async def test_foreign_host_is_421(sandbox: Sandbox, host: str) -> None:
    async with in_process(sandbox.connection()) as served, served.http() as http:
        response = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "host": host})
    assert response.status_code == 421


@pytest.mark.parametrize(
    "origin", ["http://localhost:5173", "http://127.0.0.1:8000", "http://[::1]:3000", "https://localhost"]
)
async def test_loopback_origins_and_no_origin_are_accepted(sandbox: Sandbox, origin: str) -> None:
    async with in_process(sandbox.connection()) as served, served.http() as http:
        with_origin = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": origin})
        without = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert with_origin.status_code == 200, with_origin.text
    assert without.status_code == 200, without.text


async def test_allowed_host_and_origin_extend_the_lists(sandbox: Sandbox) -> None:
    options = HTTPOptions(
        allowed_hosts=("mcp.internal",), allowed_origins=("https://app.example.com",), insecure_no_auth=True
    )
    async with in_process(sandbox.connection(), options) as served, served.http() as http:
        host_ok = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "host": "mcp.internal:8000"})
        bare_ok = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "host": "mcp.internal"})
        origin_ok = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "https://app.example.com"}
        )
        other_origin = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "https://app.example.com.evil.example"}
        )
        other_scheme = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "http://app.example.com"}
        )
    assert [r.status_code for r in (host_ok, bare_ok, origin_ok)] == [200, 200, 200]
    assert other_origin.status_code == 403
    assert other_scheme.status_code == 403


def test_wildcard_bind_does_not_allow_the_wildcard_address_as_host() -> None:
    settings = transport_security(HTTPOptions(host="0.0.0.0", insecure_no_auth=True))
    assert "0.0.0.0" not in settings.allowed_hosts
    assert "localhost:*" in settings.allowed_hosts


async def test_body_over_the_limit_is_413(sandbox: Sandbox) -> None:
    big = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": "x" * 5000}}  # type: ignore[dict-item]
    async with in_process(sandbox.connection(), HTTPOptions(max_body_bytes=4096)) as served, served.http() as http:
        declared = await http.post("/mcp", content=json.dumps(big).encode(), headers=MCP_HEADERS)

        async def chunks() -> AsyncIterator[bytes]:
            body = json.dumps(big).encode()
            for start in range(0, len(body), 1000):
                yield body[start : start + 1000]

        streamed = await http.post("/mcp", content=chunks(), headers=MCP_HEADERS)
        small = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert declared.status_code == 413
    assert streamed.status_code == 413  # no Content-Length: counted as it arrives
    assert small.status_code == 200


async def test_a_request_running_past_the_time_limit_is_stopped_with_a_sentence(sandbox: Sandbox, mode: str) -> None:
    sandbox.state.faults.set_latency("personalize", 3000)
    async with (
        in_process(sandbox.connection(), HTTPOptions(request_timeout=0.3)) as served,
        served.client(mode) as client,
    ):
        message = await call_error(client, "list_projects")
        assert "longer than 0.3 seconds" in message
        sandbox.state.faults.set_latency("personalize", 0)
        await call_ok(client, "list_stacks")  # the server goes on serving
