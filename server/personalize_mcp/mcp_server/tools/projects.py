"""Tools: list_projects."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult

from personalize_mcp.answers import projects
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.projects import ProjectsResult
from personalize_mcp.mcp_server.tools.common import READ_ONLY, Cursor, Limit, Query, as_tool_result


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="list_projects",
        title="List Projects",
        annotations=READ_ONLY,
        description="Start here: the organisation's Personalize projects (uid, name, description, connected "
        "stack's API key). A project's uid is the project_uid the other tools take.",
    )
    async def list_projects(
        query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, ProjectsResult]:
        return as_tool_result(await projects.list_projects(lookups, query=query, limit=limit, cursor=cursor))
