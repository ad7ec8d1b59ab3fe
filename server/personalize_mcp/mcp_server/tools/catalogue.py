"""Tools: the catalogue of a project -- list_attributes, list_events, get_experiences_priority, list_locations."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import attributes, events, locations, priority
from personalize_mcp.answers.attributes import AttributesResult
from personalize_mcp.answers.events import EventsResult
from personalize_mcp.answers.locations import LocationsResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.priority import PriorityResult
from personalize_mcp.mcp_server.tools.common import READ_ONLY, Cursor, Limit, ProjectUid, Query, as_tool_result


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="list_attributes",
        title="List Attributes",
        annotations=READ_ONLY,
        description="The attributes audiences can target: PRESET ones (country, device type, ...) and the "
        "project's CUSTOM ones, each with its key (what a visitor's value is sent under, case-sensitive).",
    )
    async def list_attributes(
        project_uid: ProjectUid = None,
        kind: Annotated[
            str | None,
            Field(description="Only this kind.", json_schema_extra={"enum": ["PRESET", "CUSTOM"]}),
        ] = None,
        query: Query = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, AttributesResult]:
        return as_tool_result(
            await attributes.list_attributes(lookups, project_uid, kind=kind, query=query, limit=limit, cursor=cursor)
        )

    @server.tool(
        name="list_events",
        title="List Events",
        annotations=READ_ONLY,
        description="A project's events, the conversion goals A/B tests count: uid, key and description.",
    )
    async def list_events(
        project_uid: ProjectUid = None, query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, EventsResult]:
        return as_tool_result(await events.list_events(lookups, project_uid, query=query, limit=limit, cursor=cursor))

    @server.tool(
        name="list_locations",
        title="List Locations",
        annotations=READ_ONLY,
        description="The countries, regions or cities that location rules compare with: code, name and country.",
    )
    async def list_locations(
        kind: Annotated[
            str,
            Field(description="Which list.", json_schema_extra={"enum": ["country", "region", "city"]}),
        ],
        query: Query = None,
        country_code: Annotated[
            str | None, Field(description="Only regions or cities of this country (e.g. AU).")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, LocationsResult]:
        return as_tool_result(
            await locations.list_locations(
                lookups, kind, query=query, country_code=country_code, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="get_experiences_priority",
        title="Get Experiences Priority",
        annotations=READ_ONLY,
        description="A project's experiences in priority order (rank 1 = highest): when several vary the same CMS "
        "entry, the higher one decides. Those missing from the priority list come last (rank null).",
    )
    async def get_experiences_priority(
        project_uid: ProjectUid = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, PriorityResult]:
        return as_tool_result(await priority.get_experiences_priority(lookups, project_uid, limit=limit, cursor=cursor))
