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
        description="List the CMS stacks of the connected organisation (API key, name, uid, master locale). "
        "A stack's api_key is the stack_api_key that list_variant_groups, list_variants and "
        "get_variant_audiences take. Paged (by API key): total, next_cursor.",
    )
    async def list_stacks(
        query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, StacksResult]:
        return as_tool_result(await stacks.list_stacks(lookups, query=query, limit=limit, cursor=cursor))

    @server.tool(
        name="list_variant_groups",
        title="List Variant Groups",
        annotations=READ_ONLY,
        description="List every variant group of a CMS stack. experience_uid and project_uid name the "
        "Personalize experience a group is linked to; null means a plain CMS variant group, whose variants "
        "have no audiences. A group's uid is the variant_group_uid for list_variants. Paged (by uid): total, "
        "next_cursor.",
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
        description="List every variant of a CMS variant group: uid, name, alias and the short uid of the linked "
        "Personalize variant. A variant's uid is the variant_uid for get_variant_audiences. Paged (by uid): total, "
        "next_cursor.",
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
