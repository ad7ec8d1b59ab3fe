"""Writes across processes: a kill between the journal's intent and result, `serve --sandbox --writes all` over
stdio (journal 0600), HTTP with writes refused at start, and what the write tools cost a model in tools/list."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import anyio.to_thread
import pytest
from mcp import Client, StdioServerParameters

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok
from tests.writes.support import World, world

pytestmark = pytest.mark.anyio
WEB = data.WEB_PROJECT_UID
ROOT = Path(__file__).resolve().parents[2]
WRITE_TOOLS = ("plan_change", "apply_change", "undo_change", "list_changes")


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PERSONALIZE_MCP_HOME": str(home), "PYTHONPATH": f"{ROOT}:{ROOT / 'server'}"}


def _kill_mid_apply(sandbox: Sandbox, home: Path) -> str:
    """Run kill_child.py, let it plan, make its write hang, and SIGKILL it once its intent is journaled."""
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("kill_child.py")), sandbox.origin, str(home)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(home),
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdin is not None
        plan_id = child.stdout.readline().strip()
        assert plan_id.startswith("plan-"), child.stderr.read() if child.stderr else ""
        sandbox.state.set_latency("personalize", 20_000)  # the write will hang: the kill lands mid-flight
        child.stdin.write("go\n")
        child.stdin.flush()
        journal = home / "journal" / "sandbox.jsonl"
        deadline = time.monotonic() + 20
        while not (journal.exists() and '"intent"' in journal.read_text()):
            assert time.monotonic() < deadline and child.poll() is None, "no intent was journaled"
            time.sleep(0.02)
        time.sleep(0.2)  # the POST is on its way
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    return plan_id


async def test_a_kill_between_intent_and_result_leaves_what_was_attempted(sandbox: Sandbox, tmp_path: Path) -> None:
    plan_id = await anyio.to_thread.run_sync(_kill_mid_apply, sandbox, tmp_path)
    journal = tmp_path / "journal" / "sandbox.jsonl"
    sandbox.state.set_latency("personalize", 0)
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [e["type"] for e in entries] == ["intent"]
    assert entries[0]["plan_id"] == plan_id and entries[0]["steps"][0]["call"] == "create_event"
    assert entries[0]["summary"] == "Create the event add_to_cart."
    assert not any(e["key"] == "add_to_cart" for e in sandbox.state.data.events[WEB]), "the write never landed"
    assert [(r.method, r.path, r.status) for r in sandbox.state.request_log() if r.method == "POST"] == [
        ("POST", "/events", 0)
    ]
    async with world(sandbox, tmp_path) as writes, writes.client("auto") as client:
        listed = await call_ok(client, "list_changes", {})
        [change] = listed["changes"]
        assert change["outcome"] == "unknown" and change["plan_id"] == plan_id
        refused = await call_error(client, "undo_change", {"change_id": change["change_id"]})
    assert "has no recorded outcome" in refused


async def test_serve_sandbox_with_writes_over_stdio(tmp_path: Path) -> None:
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "personalize_mcp", "serve", "--sandbox", "--writes", "all"],
        env=_env(tmp_path),
    )
    async with Client(parameters) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert set(WRITE_TOOLS) <= names
        planned = await call_ok(
            client, "plan_change", {"project_uid": WEB, "change": {"action": "create_event", "key": "add_to_cart"}}
        )
        token = planned["confirmation"]["token"]
        applied = await call_ok(client, "apply_change", {"plan_id": planned["plan_id"], "confirmation_token": token})
        events = await call_ok(client, "list_events", {"project_uid": WEB})
        assert "add_to_cart" in {e["key"] for e in events["events"]}, "the next read shows it"
        assert (await call_ok(client, "list_changes", {}))["changes"][0]["change_id"] == applied["change_id"]
    journal = tmp_path / "journal" / "sandbox.jsonl"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state.sqlite3").stat().st_mode) == 0o600
    assert "sandbox-northwind-access-token" not in journal.read_text()


def test_http_with_writes_is_refused_at_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "serve", "--sandbox", "--transport", "http", "--port", "0",
         "--writes", "all"],
        capture_output=True, text=True, env=_env(tmp_path), timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "`--auth broker`" in lines[0], done.stderr


async def test_the_write_tools_cost_at_most_8000_bytes_and_say_what_they_do(writes: World) -> None:
    async with writes.client("auto") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    shown = [
        {"name": name, "description": tools[name].description, "inputSchema": tools[name].input_schema}
        for name in WRITE_TOOLS
    ]
    size = len(json.dumps(shown, separators=(",", ":"), ensure_ascii=False).encode())
    assert size <= 8000, size
    apply_hints = tools["apply_change"].annotations
    assert apply_hints is not None and apply_hints.read_only_hint is False and apply_hints.destructive_hint is True
    assert apply_hints.idempotent_hint is True
    for name in ("plan_change", "undo_change", "list_changes"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True
    assert tools["plan_change"].title == "Plan a Change" and tools["apply_change"].title == "Apply a Change"
    assert tools["undo_change"].title == "Undo a Change" and tools["list_changes"].title == "List Changes"
    assert set(tools["apply_change"].input_schema["properties"]) == {"plan_id", "confirmation_token"}
    assert tools["plan_change"].output_schema is not None
