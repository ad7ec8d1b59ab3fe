"""Tools: get_connection (which connection answers: the sandbox, or whose account)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult

from personalize_mcp.answers import connection
from personalize_mcp.answers.connection import ConnectionResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools.common import READ_ONLY, as_tool_result


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_connection",
        title="Get Connection",
        annotations=READ_ONLY,
        description="Which connection answers: sandbox true means the built-in sample data, not a real account; "
        "otherwise the stored account, its organisation (uid and name), region, the user who logged in and when "
        "the access token expires (it renews itself); also the write mode (writes) and whether the login can write. "
        "Call it when it matters whether the data is real. Never shows a token.",
    )
    async def get_connection() -> Annotated[CallToolResult, ConnectionResult]:
        return as_tool_result(connection.get_connection(lookups))
