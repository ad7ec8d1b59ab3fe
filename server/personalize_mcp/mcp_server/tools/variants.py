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
        description="Get Audience(s) of a Variant: which audiences see a CMS entry variant. Follows the CMS "
        "variant's link to its Personalize experience and answers with the audiences (rules in plain words, "
        "Lytics audiences included) of the linked variant in the experience's ACTIVE version — or in its DRAFT "
        "with draft=true. stack_api_key from list_stacks, variant_group_uid from list_variant_groups, "
        "variant_uid from list_variants. For an A/B test variant: no audiences, experience_type AB_TEST and its "
        "traffic_distribution. Paged (total, next_cursor) when there are many audiences.",
    )
    async def get_variant_audiences(
        stack_api_key: StackApiKey,
        variant_group_uid: VariantGroupUid,
        variant_uid: Annotated[str, Field(description="CMS variant uid, from list_variants.")],
        draft: Annotated[
            bool, Field(description="true: the DRAFT version's audiences instead of the ACTIVE version's.")
        ] = False,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, VariantAudiencesResult]:
        return as_tool_result(
            await variants.get_variant_audiences(
                lookups, stack_api_key, variant_group_uid, variant_uid, draft, limit=limit, cursor=cursor
            )
        )
