"""Tools: simulate_visitor and explain_audience_match (what a visitor would see, and why not; local only)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field, WithJsonSchema

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.simulation import explain, simulate
from personalize_mcp.answers.simulation.explain import AudienceMatchResult
from personalize_mcp.answers.simulation.models import SimulationResult
from personalize_mcp.mcp_server.tools.common import READ_ONLY, AudienceUid, Cursor, ProjectUid, Query, as_tool_result

_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
VISITOR_SCHEMA: dict[str, Any] = {
    "type": ["object", "string"],
    "description": "The visitor, every field optional: one left out is unknown (rules on it are undecided), "
    "null is known to be absent.",
    "properties": {
        "country": {**_TEXT_OR_NULL, "description": "ISO code, e.g. AU."},
        "region": _TEXT_OR_NULL,
        "city": _TEXT_OR_NULL,
        "device_type": {**_TEXT_OR_NULL, "description": "MOBILE, DESKTOP or TABLET."},
        "operating_system": {**_TEXT_OR_NULL, "description": "e.g. iOS, Android, Windows."},
        "referrer": _TEXT_OR_NULL,
        "url": {**_TEXT_OR_NULL, "description": "The page URL (its query feeds query-parameter rules)."},
        "query_parameters": {"type": "object", "description": "{name: text or [text]}, over the URL's."},
        "datetime": {"type": "string", "description": "ISO 8601, e.g. 2025-11-28T09:00:00+11:00 (default: now)."},
        "attributes": {
            "type": "object",
            "description": '{custom attribute key: value}; keys case-sensitive, types strict (5 is not "5").',
        },
        "lytics_audiences": {"type": "array", "items": {"type": "string"}, "description": "Lytics audience slugs."},
        "lytics_flows": {"type": "object", "description": "{Lytics flow id: the visitor's state}."},
    },
}
"""What a model reads of `visitor`: an object (JSON text of one is accepted too, as every client sends)."""
Visitor = Annotated[dict[str, Any] | str, WithJsonSchema(VISITOR_SCHEMA)]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="simulate_visitor",
        title="Simulate a Visitor",
        annotations=READ_ONLY,
        description="What would this visitor see, and why not? Every experience in priority order, evaluated "
        "locally (never the Edge): its outcome (variant, no_match, ab_random, unknown, not_running), variant and "
        "a reason naming the failing rules; and the up-to-three CMS variant_aliases.",
    )
    async def simulate_visitor(
        visitor: Visitor,
        project_uid: ProjectUid = None,
        experience_uids: Annotated[list[str] | None, Field(description="Only these experience uids.")] = None,
        draft: Annotated[bool, Field(description="true: each experience's DRAFT version where it has one.")] = False,
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
        description="Does this visitor belong to this audience, and why (not)? matched true, false, or null when "
        "the visitor lacks what a rule needs (needs), and a rule-by-rule trace; local, never the Edge.",
    )
    async def explain_audience_match(
        audience_uid: AudienceUid,
        visitor: Visitor,
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, AudienceMatchResult]:
        return as_tool_result(await explain.explain_audience_match(lookups, project_uid, audience_uid, visitor))
