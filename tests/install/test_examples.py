"""Every client configuration we ship works when copied verbatim: each file is loaded as its client
reads it and connected to with a real client (fastmcp's, which reads `mcpServers` configs).

stdio entries are started as written (`personalize-mcp serve`, found on PATH) with an empty home,
as on a first run: tools/list answers and a tool answers with the sentence naming
`personalize-mcp login`; then with `--sandbox` appended, as the README suggests for a try without an
account, a tool answers with data. Identical entries (every stdio file describes the same server)
are started once. HTTP entries name `personalize-mcp serve --transport http`'s default URL; they are
pointed at such a server (with `--sandbox`) on a free port instead of 8000.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

import personalize_mcp
from personalize_mcp.sandbox import data
from tests.http.test_http_subprocess import Served, start_server

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


@pytest.mark.anyio
@pytest.mark.usefixtures("first_run")
async def test_each_stdio_example_starts_the_server_it_describes() -> None:
    distinct: dict[str, list[str]] = {}
    for relative in EXAMPLES:
        entry = server_entry(relative)
        if is_stdio(entry):
            distinct.setdefault(json.dumps(entry, sort_keys=True), []).append(relative)
    assert sum(len(files) for files in distinct.values()) == 5
    for key, files in distinct.items():
        entry = json.loads(key)
        async with Client({"mcpServers": {NAME: entry}}) as client:
            assert len(await client.list_tools()) == TOOLS, files
            answer = await client.call_tool("list_projects", {}, raise_on_error=False)
            assert answer.is_error, files
            assert "run `personalize-mcp login`" in answer.content[0].text, files
        trying = {**entry, "args": [*entry["args"], "--sandbox"]}
        async with Client({"mcpServers": {NAME: trying}}) as client:
            answer = await client.call_tool("get_variant_audiences", VARIANT_CALL, raise_on_error=False)
            assert not answer.is_error, (files, answer.content)
            assert data.MOBILE_VISITORS_AUDIENCE_UID in {a["uid"] for a in answer.structured_content["audiences"]}


@pytest.fixture(scope="module")
def http_server() -> Iterator[Served]:
    served = start_server()
    try:
        yield served
    finally:
        assert served.stop() == 0, served.log()[-3000:]
        served.stderr.close()


@pytest.mark.anyio
@pytest.mark.parametrize("relative", [r for r in EXAMPLES if not is_stdio(server_entry(r))])
async def test_each_http_example_connects(relative: str, http_server: Served) -> None:
    entry = server_entry(relative)
    entry["url"] = entry["url"].replace(DEFAULT_URL, http_server.url)
    async with Client({"mcpServers": {NAME: entry}}) as client:
        assert len(await client.list_tools()) == TOOLS
        answer = await client.call_tool("get_variant_audiences", VARIANT_CALL, raise_on_error=False)
        assert not answer.is_error, answer.content
        assert answer.structured_content["variant"]["name"] == "Mobile shoppers"


def test_the_http_start_up_line_says_version_url_and_what_answers(http_server: Served) -> None:
    line = next(line for line in http_server.log().splitlines() if line.startswith("personalize-mcp "))
    assert line == (
        f"personalize-mcp {personalize_mcp.__version__} serving MCP over Streamable HTTP at {http_server.url} "
        "(health: /healthz; no authentication (loopback only)): the sandbox — sample data, not your account; "
        "Ctrl-C or SIGTERM stops it."
    )
