"""What a model pays to read `tools/list`, in bytes, held under the contract's budgets.

A model reads each tool's name, description and input schema before the first question. Measured
exactly, through the MCP client, as the compact JSON of that list (the issue's 33,205 bytes before):
the default set at most 24,000 bytes; the tools that come only with writes at most 8,000 more. The
figures per tool are in bench/README.md (`python bench/tool_sizes.py`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server.server import PersonalizeMCPServer
from personalize_mcp.mcp_server.tools import TOOLSET_NAMES, chosen_toolsets, register_tools
from tests.conftest import Sandbox

pytestmark = pytest.mark.anyio

DEFAULT_BUDGET = 24_000
WRITES_BUDGET = 8_000


def read_by_a_model(tools: list[Any]) -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools]


def size(entries: Any) -> int:
    return len(json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode())


def per_tool(tools: list[Any]) -> dict[str, int]:
    return {entry["name"]: size(entry) for entry in read_by_a_model(tools)}


async def test_the_default_tools_cost_a_model_at_most_24000_bytes(client: Client) -> None:
    tools = (await client.list_tools()).tools
    total = size(read_by_a_model(tools))
    assert total <= DEFAULT_BUDGET, f"{total} bytes: {per_tool(tools)}"
    assert total > 10_000  # the tools were read, with their schemas


async def test_the_tools_that_come_with_writes_cost_at_most_8000_more(sandbox: Sandbox) -> None:
    """Everything a server lists with writes on, beyond the default set (none until the write tools exist)."""
    async with open_lookups(sandbox.connection()) as lookups:
        everything = PersonalizeMCPServer("budget")
        register_tools(everything, lookups, chosen_toolsets(TOOLSET_NAMES, writes=True))
        default = PersonalizeMCPServer("budget")
        register_tools(default, lookups, chosen_toolsets(TOOLSET_NAMES))
        async with Client(everything) as with_writes, Client(default) as without:
            all_tools = (await with_writes.list_tools()).tools
            default_names = {tool.name for tool in (await without.list_tools()).tools}
    extra = [tool for tool in all_tools if tool.name not in default_names]
    assert len(all_tools) >= len(default_names) == 23
    assert size(read_by_a_model(extra)) <= WRITES_BUDGET, per_tool(extra)


async def test_no_input_schema_carries_what_says_nothing_to_a_model(client: Client) -> None:
    """No null wrappers, `default: null` or generated titles anywhere; optional arguments are not required."""
    for tool in (await client.list_tools()).tools:
        text = json.dumps(tool.input_schema)
        assert '{"type": "null"}' not in text, tool.name
        assert '"default": null' not in text, tool.name
        assert '"title"' not in text, tool.name
        assert "additionalProperties" not in text, tool.name
        assert "project_uid" not in tool.input_schema.get("required", []), tool.name
