"""Assertions shared by the MCP-level tests."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client
from mcp_types import CallToolResult, TextContent

CONTRACT_TOOLS = {
    "get_all_audiences": "Get All Audiences",
    "get_all_experiences": "Get All Experiences",
    "get_all_versions": "Get All Versions",
    "get_single_audience": "Get a Single Audience",
    "get_single_experience": "Get a Single Experience",
    "get_variant_audiences": "Get Audience(s) of a Variant",
    "list_projects": "List Projects",
    "list_stacks": "List Stacks",
    "list_variant_groups": "List Variant Groups",
    "list_variants": "List Variants",
    "list_attributes": "List Attributes",
    "list_events": "List Events",
    "get_experiences_priority": "Get Experiences Priority",
    "list_locations": "List Locations",
    "get_connection": "Get Connection",
    "get_experiment_results": "Get Experiment Results",
    "get_experiment_timeseries": "Get Experiment Time Series",
    "simulate_visitor": "Simulate a Visitor",
    "explain_audience_match": "Explain an Audience Match",
    "find_usage": "Find Where It Is Used",
    "compare_versions": "Compare Versions",
    "audit_project": "Audit a Project",
    "search": "Search",
}
"""Every tool of CONTRACT.md (first release and additions) with its title."""


def text_of(result: CallToolResult) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


async def call_ok(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call a tool that must succeed; its text must be the same JSON as its structured content."""
    result = await client.call_tool(name, arguments or {})
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    assert json.loads(text_of(result)) == result.structured_content
    return result.structured_content


async def call_error(client: Client, name: str, arguments: dict[str, Any] | None = None) -> str:
    """Call a tool that must fail with one clear sentence (no traceback, body, or SDK prefix)."""
    result = await client.call_tool(name, arguments or {})
    assert result.is_error, f"{name} should have failed but answered {result.structured_content}"
    message = text_of(result)
    assert_one_sentence(message)
    return message


def assert_one_sentence(message: str) -> None:
    assert message, "empty error message"
    assert "\n" not in message, f"multi-line error: {message!r}"
    assert "Traceback" not in message
    assert not message.startswith("Error executing tool"), message
    assert "pydantic" not in message.lower()
    assert message.rstrip().endswith("."), f"not a sentence: {message!r}"
    assert len(message) < 600, f"too long for one sentence: {message!r}"
