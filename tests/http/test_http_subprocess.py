"""The real thing: `personalize-mcp serve --sandbox --transport http` as a uvicorn subprocess on
loopback, driven by the SDK client, plain HTTP, the MCP Inspector CLI and the conformance suite."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.helpers import CONTRACT_TOOLS, call_ok
from tests.http.support import INITIALIZE, MCP_HEADERS, SCOPE, Issuer, Served, free_port, serve_asgi_in_thread

NPX = shutil.which("npx")
NO_NPX = "npx (Node.js) is not installed, so the third-party MCP tools cannot run"
CONTRACT_TOOL_COUNT = len(CONTRACT_TOOLS)


def start_server(*flags: str, env: dict[str, str] | None = None) -> Served:
    port = free_port()
    # A file, not a pipe, so a chatty server never blocks on it; the caller closes it.
    stderr = tempfile.TemporaryFile()  # noqa: SIM115
    command = [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox", "--transport", "http"]
    process = subprocess.Popen(
        [*command, "--port", str(port), *flags],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env or subprocess_env(),
    )
    served = Served(process, port, stderr)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {served.log()[-3000:]}")
        try:
            if httpx2.get(f"{served.origin}/healthz", timeout=1).status_code == 200:
                return served
        except httpx2.HTTPError:
            pass
        if time.monotonic() > deadline:
            served.stop(signal.SIGKILL)
            raise AssertionError(f"server did not start: {served.log()[-3000:]}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    served = start_server(env=subprocess_env(PERSONALIZE_MCP_LOG_LEVEL="DEBUG"))
    try:
        yield served
    finally:
        assert served.stop() == 0, served.log()[-3000:]
        served.stderr.close()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_over_real_http_in_both_eras(server: Served, mode: str) -> None:
    async with Client(server.url, mode=mode) as client:
        assert client.session.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        assert len((await client.list_tools()).tools) == CONTRACT_TOOL_COUNT
        answer = await call_ok(
            client,
            "get_variant_audiences",
            {
                "stack_api_key": data.MAIN_STACK_API_KEY,
                "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
                "variant_uid": data.HERO_MOBILE_VARIANT_UID,
            },
        )
        assert [a["uid"] for a in answer["audiences"]] == [
            data.MOBILE_VISITORS_AUDIENCE_UID,
            data.RETURNING_CUSTOMERS_AUDIENCE_UID,
        ]


def test_rebinding_protection_and_health_over_real_http(server: Served) -> None:
    with httpx2.Client(base_url=server.origin) as http:
        foreign_origin = http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "https://evil.example"})
        foreign_host = http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "host": "evil.example"})
        ok = http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "http://localhost:6274"})
        health = http.get("/healthz")
    assert foreign_origin.status_code == 403
    assert foreign_host.status_code == 421
    assert ok.status_code == 200
    assert health.json()["status"] == "ok"
    assert SANDBOX_ACCESS_TOKEN not in server.log()


def test_refuses_a_public_address_without_auth() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox", "--transport", "http", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        check=False,
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(
        "personalize-mcp: Refusing to serve on 0.0.0.0 without authentication: add --oauth-issuer"
    )
    assert lines[0].endswith(".")


@pytest.mark.anyio
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_shuts_down_cleanly_with_a_session_open(sig: signal.Signals) -> None:
    served = start_server()
    try:
        async with Client(served.url, mode="legacy") as client:  # holds a session and its GET stream
            await call_ok(client, "list_projects")
            started = time.monotonic()
            served.process.send_signal(sig)
            status = served.process.wait(timeout=30)
            elapsed = time.monotonic() - started
            assert status == 0, served.log()[-3000:]
            assert elapsed < 15, f"shutdown took {elapsed:.1f} s"
        assert "Traceback" not in served.log()
    finally:
        served.stop(signal.SIGKILL)
        served.stderr.close()


@pytest.mark.anyio
async def test_oauth_over_real_http_with_a_served_issuer() -> None:
    issuer = Issuer(issuer="http://127.0.0.1")
    with serve_asgi_in_thread(issuer.asgi_app()) as origin:
        issuer.issuer = origin
        served = start_server(
            "--oauth-issuer",
            origin,
            "--required-scope",
            SCOPE,
            env=subprocess_env(PERSONALIZE_MCP_LOG_LEVEL="DEBUG"),
        )
        try:
            resource = f"http://127.0.0.1:{served.port}/mcp"
            token = issuer.token(aud=resource)
            with httpx2.Client() as http:
                anonymous = http.post(resource, json=INITIALIZE, headers=MCP_HEADERS)
                metadata = http.get(f"{served.origin}/.well-known/oauth-protected-resource/mcp").json()
                scopeless = http.post(
                    resource,
                    json=INITIALIZE,
                    headers={**MCP_HEADERS, "authorization": f"Bearer {issuer.token(aud=resource, scope='x')}"},
                )
                expired = http.post(
                    resource,
                    json=INITIALIZE,
                    headers={**MCP_HEADERS, "authorization": f"Bearer {issuer.token(aud=resource, expires_in=-99)}"},
                )
            assert anonymous.status_code == 401
            assert (
                f'resource_metadata="{served.origin}/.well-known/oauth-protected-resource/mcp"'
                in anonymous.headers["www-authenticate"]
            )
            assert metadata["authorization_servers"] == [origin]
            assert scopeless.status_code == 403
            assert expired.status_code == 401
            for mode in ("auto", "legacy"):
                async with (
                    httpx2.AsyncClient(headers={"authorization": f"Bearer {token}"}) as http_client,
                    Client(streamable_http_client(resource, http_client=http_client), mode=mode) as client,
                ):
                    await call_ok(client, "list_projects")
            assert served.stop() == 0
            log = served.log()
            assert "Refused a bearer token" in log
            assert token not in log
            assert token.split(".")[2] not in log
        finally:
            served.stop(signal.SIGKILL)
            served.stderr.close()


def run_npx(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    assert NPX is not None
    env = {**os.environ, "NO_UPDATE_NOTIFIER": "1", "npm_config_update_notifier": "false"}
    return subprocess.run(
        [NPX, "-y", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=Path.home()
    )


@pytest.mark.skipif(NPX is None, reason=NO_NPX)
def test_mcp_inspector_cli_lists_our_tools(server: Served) -> None:
    completed = run_npx(
        "@modelcontextprotocol/inspector", "--cli", server.url, "--transport", "http", "--method", "tools/list"
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    tools = json.loads(completed.stdout)["tools"]
    assert len(tools) == CONTRACT_TOOL_COUNT
    assert {t["name"] for t in tools} >= {"get_variant_audiences", "list_projects", "list_variants"}
    assert all(t["annotations"]["readOnlyHint"] is True for t in tools)


CONFORMANCE = "@modelcontextprotocol/conformance@0.2.0-alpha.11"


@pytest.mark.skipif(NPX is None, reason=NO_NPX)
@pytest.mark.parametrize(
    ("scenario", "spec_version"),
    [
        ("server-initialize", "2025-11-25"),  # the handshake: not part of 2026-07-28
        ("tools-list", "2026-07-28"),
        ("dns-rebinding-protection", "2026-07-28"),
        ("dns-rebinding-protection", "2025-11-25"),
        ("http-header-validation", "2026-07-28"),
    ],
)
def test_official_conformance_scenarios(server: Served, scenario: str, spec_version: str) -> None:
    completed = run_npx(
        "-p",
        "node@22",
        "-p",
        CONFORMANCE,
        "--",
        "conformance",
        "server",
        "--url",
        server.url,
        "--scenario",
        scenario,
        "--spec-version",
        spec_version,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert " 0 failed" in output, output[-3000:]
    assert "SKIPPED" not in output, output[-3000:]
