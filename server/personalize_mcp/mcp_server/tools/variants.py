"""Tools: get_variant_audiences (the connector's join from a CMS variant to its audiences)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import variants
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.variants import VariantAudiencesResult
from personalize_mcp.mcp_server.tools.common import (
    READ_ONLY,
    Cursor,
    Limit,
    StackApiKey,
    VariantGroupUid,
    as_tool_result,
)


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_variant_audiences",
        title="Get Audience(s) of a Variant",
        annotations=READ_ONLY,
        description="Which audiences see a CMS entry variant: those of its linked Personalize variant in the "
        "experience's ACTIVE (or DRAFT) version, with their rules in plain words. An A/B test variant has none: "
        "its traffic_distribution instead.",
    )
    async def get_variant_audiences(
        stack_api_key: StackApiKey,
        variant_group_uid: VariantGroupUid,
        variant_uid: Annotated[str, Field(description="CMS variant uid (list_variants).")],
        draft: Annotated[bool, Field(description="true: the DRAFT version instead of the ACTIVE one.")] = False,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, VariantAudiencesResult]:
        return as_tool_result(
            await variants.get_variant_audiences(
                lookups, stack_api_key, variant_group_uid, variant_uid, draft, limit=limit, cursor=cursor
            )
        )
