"""Tools: list_stacks, list_variant_groups, list_variants (the CMS lookup lists)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult

from personalize_mcp.answers import stacks
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.stacks import StacksResult, VariantGroupsResult, VariantsResult
from personalize_mcp.mcp_server.tools.common import (
    READ_ONLY,
    Cursor,
    Limit,
    Query,
    StackApiKey,
    VariantGroupUid,
    as_tool_result,
)


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="list_stacks",
        title="List Stacks",
        annotations=READ_ONLY,
        description="The organisation's CMS stacks (API key, name, uid, master locale). A stack's api_key is the "
        "stack_api_key of the variant tools.",
    )
    async def list_stacks(
        query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, StacksResult]:
        return as_tool_result(await stacks.list_stacks(lookups, query=query, limit=limit, cursor=cursor))

    @server.tool(
        name="list_variant_groups",
        title="List Variant Groups",
        annotations=READ_ONLY,
        description="A CMS stack's variant groups, each with the Personalize experience and project it is "
        "linked to (null: a plain CMS group, whose variants have no audiences).",
    )
    async def list_variant_groups(
        stack_api_key: StackApiKey, query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, VariantGroupsResult]:
        return as_tool_result(
            await stacks.list_variant_groups(lookups, stack_api_key, query=query, limit=limit, cursor=cursor)
        )

    @server.tool(
        name="list_variants",
        title="List Variants",
        annotations=READ_ONLY,
        description="A CMS variant group's variants: uid, name, alias and the short uid of the linked "
        "Personalize variant.",
    )
    async def list_variants(
        stack_api_key: StackApiKey,
        variant_group_uid: VariantGroupUid,
        query: Query = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, VariantsResult]:
        return as_tool_result(
            await stacks.list_variants(
                lookups, stack_api_key, variant_group_uid, query=query, limit=limit, cursor=cursor
            )
        )
