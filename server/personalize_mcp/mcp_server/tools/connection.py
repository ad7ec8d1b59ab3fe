"""Tools: get_connection (which connection answers: the sandbox, or whose account)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult

from personalize_mcp.answers import connection
from personalize_mcp.answers.connection import ConnectionResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools.common import READ_ONLY, as_tool_result, toolsets_on


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_connection",
        title="Get Connection",
        annotations=READ_ONLY,
        description="Whether the data is real: the sandbox (sample data) or which account, organisation, region "
        "and user answer, which toolsets this server offers, and whether it writes (writes, can_write). Never shows "
        "a token.",
    )
    async def get_connection() -> Annotated[CallToolResult, ConnectionResult]:
        return as_tool_result(connection.get_connection(lookups, toolsets_on(server)))
