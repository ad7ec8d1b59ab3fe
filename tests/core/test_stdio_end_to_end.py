"""The real thing: `personalize-mcp serve --sandbox` as a stdio subprocess, and `personalize-mcp demo`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import personalize_mcp
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data
from tests.helpers import CONTRACT_TOOLS, call_error, call_ok

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
        assert len(names) == len(CONTRACT_TOOLS)
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
    messages = [
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"0"}}}',
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_single_audience",'
        '"arguments":{"project_uid":"' + data.WEB_PROJECT_UID + '","audience_uid":"nope"}}}',
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "personalize_mcp", "--sandbox"],  # bare `personalize-mcp` is `serve`
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(PERSONALIZE_MCP_LOG_LEVEL="DEBUG"),
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write("\n".join(messages) + "\n")
        process.stdin.flush()
        lines = [process.stdout.readline(), process.stdout.readline()]  # the two responses
        process.stdin.close()  # end of input: the server exits
        rest = process.stdout.read()
        stderr = process.stderr.read() if process.stderr else ""
        process.wait(timeout=30)
    finally:
        process.kill()
    assert rest.strip() == "", rest
    for line in lines:
        assert json.loads(line)["jsonrpc"] == "2.0"
    assert "was not found in project" in lines[1]
    assert "DEBUG" in stderr  # logging happened, and went to stderr
    assert SANDBOX_ACCESS_TOKEN not in stderr
    assert SANDBOX_ACCESS_TOKEN not in "".join(lines)


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
        "Simulate a Visitor",
        "Explain an Audience Match",
    ):
        assert f"== {title}" in out, f"missing section {title}"
    assert "ab_random" in out and "without quotes" in out  # the simulation's table and its reasons
    assert 'country equals "AU"' in out
    assert data.HERO_EXPERIENCE_UID in out
    assert "plain CMS variant group" in out
    results = out.split("== Get Experiment Results", 1)[1].split("\n== ", 1)[0]
    assert "Annual plan first" in results and "Verdict: WINNER" in results and "after 22 complete days" in results
    assert "{" not in out.split("== List Projects", 1)[1].split("\n", 3)[2], "tables, not JSON dumps"
    assert "Demo finished" in out
    # Each call is printed as made, every argument included, so it can be repeated in any client.
    calls = [line.strip() for line in out.splitlines() if line.startswith("   get_variant_audiences(")]
    assert len(calls) >= 3
    for shown in calls:
        assert 'stack_api_key="' in shown and 'variant_group_uid="' in shown and 'variant_uid="' in shown, shown
    assert f'   get_all_versions(project_uid="{data.WEB_PROJECT_UID}", experience_uid=' in out
    # The writes section (serve --sandbox --writes all): a plan, its confirmation, the apply, the journal, the undo.
    writes = out.split("== Plan a Change", 1)[1]
    assert "the edit is live at" in writes and "'Mobile Visitors'" in writes.split("asked:", 1)[1]
    assert 'device type equals "MOBILE" AND country does not equal "AU"' in writes.split("read now:", 1)[1]
    assert "== List Changes" in writes and "undone by chg-" in writes


def test_a_client_closing_stdout_ends_the_server_quietly() -> None:
    """The client stops reading (closes its end of our stdout): exit 0, no traceback (issue 17)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    assert server.stdin is not None and server.stdout is not None and server.stderr is not None
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    server.stdin.write(json.dumps(initialize).encode() + b"\n")
    server.stdin.flush()
    assert b'"id":1' in server.stdout.readline()
    server.stdout.close()
    try:
        for request_id in range(2, 5):  # answers now have nowhere to go
            request = {"jsonrpc": "2.0", "id": request_id, "method": "tools/list"}
            server.stdin.write(json.dumps(request).encode() + b"\n")
            server.stdin.flush()
        server.stdin.close()  # and then quits (a blocked read of stdin only ends with a line or EOF)
    except BrokenPipeError:
        pass
    try:
        code = server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    errors = server.stderr.read().decode(errors="replace")
    assert code == 0, errors
    assert "Traceback" not in errors
