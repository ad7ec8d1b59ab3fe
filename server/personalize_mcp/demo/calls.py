"""The demo's client side: the server it starts, one tool call (printed under its heading exactly as sent), an
error's text."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult, TextContent

from personalize_mcp.demo.printer import Printer


class DemoError(Exception):
    """The demo could not go on (a tool failed where it should have answered)."""


def server_parameters() -> StdioServerParameters:
    """`personalize-mcp serve --sandbox` with this interpreter, so it works installed or from source."""
    env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "PERSONALIZE_MCP_LOG_LEVEL")}
    return StdioServerParameters(command=sys.executable, args=["-m", "personalize_mcp", "serve", "--sandbox"], env=env)


def signature(name: str, arguments: dict[str, Any] | None = None) -> str:
    """The call as made, every argument included and written as the JSON that was sent (`true`, `"AU"`),
    so a reader can repeat it in any client."""
    shown = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in (arguments or {}).items())
    return f"{name}({shown})"


async def shown_call(
    p: Printer, client: Client, title: str, name: str, arguments: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Call a tool that must answer, then print the section's heading with that very call: the heading cannot
    differ from what was sent, since both come from the same `arguments`."""
    result = await call(client, name, arguments)
    p.heading(title, signature(name, arguments))
    return result


async def shown_result(
    p: Printer, client: Client, title: str, name: str, arguments: dict[str, Any] | None = None
) -> CallToolResult:
    """Like `shown_call` for a call whose error is part of the story: the heading, then the result as it came."""
    p.heading(title, signature(name, arguments))
    return await client.call_tool(name, arguments or {})


async def call(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tool's structured answer; `DemoError` when it answers with an error or without one."""
    result = await client.call_tool(name, arguments or {})
    if result.is_error:
        raise DemoError(f"{name} answered with an error: {text_of(result)}")
    if not isinstance(result.structured_content, dict):
        raise DemoError(f"{name} gave no structured content")
    return result.structured_content


def text_of(result: CallToolResult) -> str:
    """The text blocks of a result (a tool error's one sentence)."""
    return " ".join(block.text for block in result.content if isinstance(block, TextContent))
