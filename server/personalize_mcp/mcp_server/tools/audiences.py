"""Tools: get_all_audiences, get_single_audience."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import audiences
from personalize_mcp.answers.audiences import AudiencesResult, SingleAudienceResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools.common import (
    READ_ONLY,
    AudienceUid,
    Cursor,
    Limit,
    ProjectUid,
    Query,
    as_tool_result,
)


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_all_audiences",
        title="Get All Audiences",
        annotations=READ_ONLY,
        description='A project\'s audiences, each with its rules in plain words (e.g. country equals "AU") and '
        "its source (LYTICS: synced from Lytics). Narrow with audience_uids, attribute or query.",
    )
    async def get_all_audiences(
        project_uid: ProjectUid = None,
        audience_uids: Annotated[
            list[str] | None,
            Field(description="Only these audience uids."),
        ] = None,
        query: Query = None,
        limit: Limit = None,
        cursor: Cursor = None,
        attribute: Annotated[
            str | None,
            Field(description="Only audiences whose rules test this attribute (custom uid or key, or e.g. COUNTRY)."),
        ] = None,
    ) -> Annotated[CallToolResult, AudiencesResult]:
        return as_tool_result(
            await audiences.get_all_audiences(
                lookups, project_uid, audience_uids, query=query, limit=limit, cursor=cursor, attribute=attribute
            )
        )

    @server.tool(
        name="get_single_audience",
        title="Get a Single Audience",
        annotations=READ_ONLY,
        description="One audience of a project: its name, description, source and its rules in plain words.",
    )
    async def get_single_audience(
        audience_uid: AudienceUid,
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, SingleAudienceResult]:
        return as_tool_result(await audiences.get_single_audience(lookups, project_uid, audience_uid))
