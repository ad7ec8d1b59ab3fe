"""Every client configuration we ship works when copied verbatim: each file is loaded as its client
reads it and connected to with a real client (fastmcp's, which reads `mcpServers` configs).

stdio entries are started as written (`personalize-mcp serve`, found on PATH) with an empty home,
as on a first run: tools/list answers and a tool answers with the sentence naming
`personalize-mcp login`; then with `--sandbox` appended, as the README suggests for a try without an
account, a tool answers with data. Identical entries (every stdio file describes the same server)
are started once (every file is still read by fastmcp's config reader). HTTP entries name
`personalize-mcp serve --transport http`'s default URL; they are pointed at such a server (with
`--sandbox`) on a free port instead of 8000.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.mcp_config import MCPConfig

import personalize_mcp
from personalize_mcp.sandbox import data
from tests.http.test_http_subprocess import Served

ROOT = Path(__file__).resolve().parents[2]
NAME = "contentstack-personalize"
DEFAULT_URL = "http://127.0.0.1:8000/mcp"
TOOLS = 10

EXAMPLES: dict[str, str] = {
    "examples/claude-desktop.json": "Claude Desktop (claude_desktop_config.json)",
    "examples/vscode.mcp.json": "VS Code (.vscode/mcp.json)",
    "examples/vscode-http.mcp.json": "VS Code over HTTP (.vscode/mcp.json)",
    "examples/cursor.mcp.json": "Cursor (~/.cursor/mcp.json or .cursor/mcp.json)",
    "examples/cursor-http.mcp.json": "Cursor over HTTP",
    "examples/claude-code.mcp.json": "Claude Code (.mcp.json)",
    "examples/claude-code-http.mcp.json": "Claude Code over HTTP (.mcp.json)",
    "mcp.json.example": "any client that reads mcpServers (Claude Desktop, Cursor, Claude Code)",
}
VARIANT_CALL = {
    "stack_api_key": data.MAIN_STACK_API_KEY,
    "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
    "variant_uid": data.HERO_MOBILE_VARIANT_UID,
}


def server_entry(relative: str) -> dict[str, Any]:
    """The file's one server, read the way its client reads it (VS Code: `servers`, else `mcpServers`)."""
    config = json.loads((ROOT / relative).read_text())
    key = "servers" if Path(relative).name.startswith("vscode") else "mcpServers"
    assert list(config) == [key], f"{relative}: a {key!r} object and nothing else"
    assert list(config[key]) == [NAME], relative
    entry: dict[str, Any] = config[key][NAME]
    return entry


def is_stdio(entry: dict[str, Any]) -> bool:
    return "command" in entry


def test_every_shipped_example_is_tested_and_documented() -> None:
    shipped = {f"examples/{p.name}" for p in (ROOT / "examples").glob("*.json")} | {"mcp.json.example"}
    assert shipped == set(EXAMPLES)
    guide = (ROOT / "examples" / "README.md").read_text()
    for relative in EXAMPLES:
        assert Path(relative).name in guide, relative
    for relative in EXAMPLES:
        entry = server_entry(relative)
        if is_stdio(entry):
            assert entry["command"] == "personalize-mcp" and entry["args"] == ["serve"], relative
            assert not entry.get("env"), f"{relative}: no placeholder settings a copy would carry along"
        else:
            assert entry["url"] == DEFAULT_URL, relative


@pytest.fixture
def first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user with no stored account: HOME is empty; `personalize-mcp` is on PATH as after install."""
    scripts = Path(sys.executable).parent
    assert (scripts / "personalize-mcp").exists() or (scripts / "personalize-mcp.exe").exists(), scripts
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([str(scripts), os.environ.get("PATH", "")]))


def launched(relative: str) -> StdioTransport:
    """The process fastmcp's client would start for the file's entry (read by its config reader)."""
    transport = MCPConfig.from_dict({"mcpServers": {NAME: server_entry(relative)}}).mcpServers[NAME].to_transport()
    assert isinstance(transport, StdioTransport), relative
    return transport


@pytest.mark.anyio
@pytest.mark.usefixtures("first_run")
async def test_each_stdio_example_starts_the_server_it_describes() -> None:
    """Every stdio file describes the same process (`personalize-mcp serve`, no settings), so it is
    started once as written and once with `--sandbox`, side by side."""
    files = [r for r in EXAMPLES if is_stdio(server_entry(r))]
    processes = {(t.command, tuple(t.args), json.dumps(t.env, sort_keys=True)) for t in map(launched, files)}
    assert len(files) == 5 and processes == {("personalize-mcp", ("serve",), json.dumps({}))}
    entry = server_entry(files[0])
    seen: dict[str, Any] = {}

    async def as_written() -> None:
        async with Client({"mcpServers": {NAME: entry}}) as client:
            seen["tools"] = len(await client.list_tools())
            seen["unconnected"] = await client.call_tool("list_projects", {}, raise_on_error=False)

    async def trying() -> None:
        sandboxed = {**entry, "args": [*entry["args"], "--sandbox"]}
        async with Client({"mcpServers": {NAME: sandboxed}}) as client:
            seen["sandbox"] = await client.call_tool("get_variant_audiences", VARIANT_CALL, raise_on_error=False)

    async with anyio.create_task_group() as group:
        group.start_soon(as_written)
        group.start_soon(trying)
    assert seen["tools"] == TOOLS
    assert seen["unconnected"].is_error
    assert "run `personalize-mcp login`" in seen["unconnected"].content[0].text
    assert not seen["sandbox"].is_error, seen["sandbox"].content
    assert data.MOBILE_VISITORS_AUDIENCE_UID in {a["uid"] for a in seen["sandbox"].structured_content["audiences"]}


@pytest.mark.anyio
@pytest.mark.parametrize("relative", [r for r in EXAMPLES if not is_stdio(server_entry(r))])
async def test_each_http_example_connects(relative: str, served_http_sandbox: Served) -> None:
    entry = server_entry(relative)
    entry["url"] = entry["url"].replace(DEFAULT_URL, served_http_sandbox.url)
    async with Client({"mcpServers": {NAME: entry}}) as client:
        assert len(await client.list_tools()) == TOOLS
        answer = await client.call_tool("get_variant_audiences", VARIANT_CALL, raise_on_error=False)
        assert not answer.is_error, answer.content
        assert answer.structured_content["variant"]["name"] == "Mobile shoppers"


def test_the_http_start_up_line_says_version_url_and_what_answers(served_http_sandbox: Served) -> None:
    line = next(line for line in served_http_sandbox.log().splitlines() if line.startswith("personalize-mcp "))
    assert line == (
        f"personalize-mcp {personalize_mcp.__version__} serving MCP over Streamable HTTP at {served_http_sandbox.url} "
        "(health: /healthz; no authentication (loopback only)): the sandbox — sample data, not your account; "
        "Ctrl-C or SIGTERM stops it."
    )
