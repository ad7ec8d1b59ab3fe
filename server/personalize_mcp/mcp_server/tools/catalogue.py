"""Tools: list_attributes, list_events, list_locations (what rules and metrics are made of)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import attributes, events, locations
from personalize_mcp.answers.attributes import AttributesResult
from personalize_mcp.answers.events import EventsResult
from personalize_mcp.answers.locations import LocationsResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools.common import READ_ONLY, Cursor, Limit, ProjectUid, Query, as_tool_result


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="list_attributes",
        title="List Attributes",
        annotations=READ_ONLY,
        description="List the attributes audiences can target: PRESET ones (country, device type, ...) and the "
        "project's CUSTOM ones, each with its key (what a visitor's attributes are sent under, case-sensitive), "
        "name and description. Filter by kind or query; paged (by uid): total, next_cursor. An attribute's uid "
        "or key filters get_all_audiences (attribute) and find_usage.",
    )
    async def list_attributes(
        project_uid: ProjectUid = None,
        kind: Annotated[
            str | None,
            Field(
                description="Only PRESET or only CUSTOM attributes.", json_schema_extra={"enum": ["PRESET", "CUSTOM"]}
            ),
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
        description="List the project's events: the conversion goals an A/B test counts (an experience's "
        "metrics name them by uid), each with its key and description. Paged (by uid): total, next_cursor.",
    )
    async def list_events(
        project_uid: ProjectUid = None, query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, EventsResult]:
        return as_tool_result(await events.list_events(lookups, project_uid, query=query, limit=limit, cursor=cursor))

    @server.tool(
        name="list_locations",
        title="List Locations",
        annotations=READ_ONLY,
        description="List the countries, regions or cities Personalize knows (the values country, region and "
        "city rules compare with): code, name and country. Narrow regions and cities with country_code (e.g. "
        "AU) and any kind with query. Paged: total, next_cursor.",
    )
    async def list_locations(
        kind: Annotated[
            str,
            Field(description="country, region or city.", json_schema_extra={"enum": ["country", "region", "city"]}),
        ],
        query: Query = None,
        country_code: Annotated[
            str | None, Field(description="Only regions or cities of this country (ISO code, e.g. AU).")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, LocationsResult]:
        return as_tool_result(
            await locations.list_locations(
                lookups, kind, query=query, country_code=country_code, limit=limit, cursor=cursor
            )
        )
