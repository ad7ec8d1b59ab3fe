"""The real thing: `personalize-mcp serve --sandbox` as a stdio subprocess, and `personalize-mcp demo`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import personalize_mcp
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data
from tests.helpers import call_error, call_ok

SERVER_DIR = str(Path(personalize_mcp.__file__).resolve().parent.parent)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Our package importable from source, and nothing from the developer's stored accounts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTENTSTACK_", "PERSONALIZE_MCP_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SERVER_DIR, env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_serve_sandbox_over_stdio(mode: str) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "personalize_mcp", "serve", "--sandbox"], env=subprocess_env()
    )
    async with Client(params, mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert len(names) == 10
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
        assert [a["uid"] for a in answer["audiences"]] == [
            data.MOBILE_VISITORS_AUDIENCE_UID,
            data.RETURNING_CUSTOMERS_AUDIENCE_UID,
        ]
        message = await call_error(client, "get_single_audience", {"audience_uid": "../../etc/passwd"})
        assert "audience_uid" in message


def test_stdout_carries_only_protocol_and_logs_go_to_stderr() -> None:
    """Bytes written to stdout by the server are JSON-RPC lines and nothing else."""
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"0"}}}\n'
        '{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_single_audience",'
        '"arguments":{"project_uid":"' + data.WEB_PROJECT_UID + '","audience_uid":"nope"}}}\n'
    )
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox"],
        input=request,
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(PERSONALIZE_MCP_LOG_LEVEL="DEBUG"),
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    assert len(lines) == 2, completed.stdout
    assert all(line.startswith('{"') and '"jsonrpc":"2.0"' in line.replace(" ", "") for line in lines)
    assert "was not found in project" in lines[1]
    assert "DEBUG" in completed.stderr  # logging happened, and went to stderr
    assert SANDBOX_ACCESS_TOKEN not in completed.stderr and SANDBOX_ACCESS_TOKEN not in completed.stdout


def test_demo_runs_every_action_and_exits_zero() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        env=subprocess_env(),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    for title in (
        "Get All Audiences",
        "Get a Single Audience",
        "Get All Experiences",
        "Get a Single Experience",
        "Get All Versions",
        "Get Audience(s) of a Variant",
        "List Projects",
        "List Stacks",
        "List Variant Groups",
        "List Variants",
    ):
        assert f"== {title}" in out, f"missing section {title}"
    assert 'country equals "AU"' in out
    assert data.HERO_EXPERIENCE_UID in out
    assert "plain CMS variant group" in out
    assert "{" not in out.split("== List Projects", 1)[1].split("\n", 3)[2], "tables, not JSON dumps"
    assert "Demo finished" in out
