"""What every tool module shares: the annotations, the argument types, and the result as MCP content."""

from __future__ import annotations

import json
from typing import Annotated

from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)

ProjectUid = Annotated[
    str | None,
    Field(
        description="Personalize project uid, from list_projects. Optional when a default project is configured "
        "or the organisation has exactly one project."
    ),
]
AudienceUid = Annotated[str, Field(description="Audience uid, from get_all_audiences.")]
ExperienceUid = Annotated[str, Field(description="Experience uid, from get_all_experiences.")]
StackApiKey = Annotated[str, Field(description="CMS stack API key, from list_stacks.")]
VariantGroupUid = Annotated[str, Field(description="CMS variant group uid, from list_variant_groups.")]


Query = Annotated[
    str | None,
    Field(description="Only items whose name, key or uid contains this text (case-insensitive)."),
]
Limit = Annotated[
    int | None,
    Field(description="Items per page, 1-500 (default 50; a page is also kept under 32 KiB unless limit is raised)."),
]
Cursor = Annotated[
    str | None,
    Field(description="The next_cursor of the previous page, to get the next one (same other arguments)."),
]


def as_tool_result(result: BaseModel) -> CallToolResult:
    """Structured content plus the same JSON as compact text (fewer tokens for the model)."""
    data = result.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)
