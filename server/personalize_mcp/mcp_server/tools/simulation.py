"""Tools: simulate_visitor and explain_audience_match (what a visitor would see, and why not; local only)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.simulation import explain, simulate
from personalize_mcp.answers.simulation.explain import AudienceMatchResult
from personalize_mcp.answers.simulation.models import SimulationResult
from personalize_mcp.mcp_server.tools.common import READ_ONLY, AudienceUid, Cursor, ProjectUid, Query, as_tool_result

_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
VISITOR_SCHEMA: dict[str, Any] = {
    "type": ["object", "string"],
    "properties": {
        "country": {**_TEXT_OR_NULL, "description": "ISO code, e.g. AU (null: the IP could not be placed)."},
        "region": {**_TEXT_OR_NULL, "description": "e.g. New South Wales."},
        "city": {**_TEXT_OR_NULL, "description": "e.g. Sydney."},
        "device_type": {**_TEXT_OR_NULL, "description": "MOBILE, DESKTOP or TABLET."},
        "operating_system": {**_TEXT_OR_NULL, "description": "e.g. iOS, Android, Windows."},
        "referrer": {**_TEXT_OR_NULL, "description": "The referring page's URL."},
        "url": {**_TEXT_OR_NULL, "description": "The page URL; its query parameters feed query-parameter rules."},
        "query_parameters": {
            "type": "object",
            "description": "Explicit query parameters {name: text or [text]}, over the URL's.",
        },
        "datetime": {
            "type": "string",
            "description": "ISO 8601 with offset or Z, e.g. 2025-11-28T09:00:00+11:00 (default: now).",
        },
        "attributes": {
            "type": "object",
            "description": "Custom attributes {key: scalar}: keys case-sensitive (see list_attributes), types strict "
            '(5 is a number, "5" text).',
        },
        "lytics_audiences": {"type": "array", "items": {"type": "string"}, "description": "Lytics audience slugs."},
        "lytics_flows": {"type": "object", "description": "Lytics flow id -> the state the visitor is in."},
    },
}
Visitor = Annotated[
    dict[str, Any] | str,
    Field(
        description="The visitor to simulate (an object, or the same as JSON text); every field optional. A field "
        "left out is unknown (its rules are undecided); null means known to be absent.",
        json_schema_extra=VISITOR_SCHEMA,
    ),
]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="simulate_visitor",
        title="Simulate a Visitor",
        annotations=READ_ONLY,
        description="What would this visitor see, and why not? Evaluates every experience of the project for a "
        "described visitor, in priority order, as the Personalize Edge does -- locally: the Edge API is never "
        "called. Per experience: outcome variant (with the variant and its CMS alias), no_match, ab_random "
        "(the A/B split), unknown (a rule needs what the visitor does not give: see needs) or not_running, and a "
        "one-sentence reason naming the failing rules (expected vs observed). variant_aliases: the up-to-three "
        "CMS aliases, highest priority first. draft=true simulates DRAFT versions (which do not run at the edge). "
        "Paged in rank order (limit 1-50, default 10): total, next_cursor.",
    )
    async def simulate_visitor(
        visitor: Visitor,
        project_uid: ProjectUid = None,
        experience_uids: Annotated[
            list[str] | None, Field(description="Only these experiences (uids from get_all_experiences).")
        ] = None,
        draft: Annotated[
            bool, Field(description="true: simulate each experience's DRAFT version where it has one.")
        ] = False,
        query: Query = None,
        limit: Annotated[int | None, Field(description="Experiences per page, 1-50 (default 10).")] = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, SimulationResult]:
        return as_tool_result(
            await simulate.simulate_visitor(
                lookups, project_uid, visitor, experience_uids, draft, query=query, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="explain_audience_match",
        title="Explain an Audience Match",
        annotations=READ_ONLY,
        description="Does this visitor belong to this audience, and why (not)? Evaluates the audience's rules "
        "for a described visitor, locally (the Edge API is never called): matched true/false, or null when the "
        "visitor does not give what a rule needs (needs lists those fields), and a trace with one line per rule "
        "and combination naming the attribute, the expected and the observed value.",
    )
    async def explain_audience_match(
        audience_uid: AudienceUid,
        visitor: Visitor,
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, AudienceMatchResult]:
        return as_tool_result(await explain.explain_audience_match(lookups, project_uid, audience_uid, visitor))
