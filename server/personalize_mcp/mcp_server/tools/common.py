"""What every tool module shares: the annotations, the argument types, and the result as MCP content.

The argument types carry one short wording each, shared by every tool that takes them: a model reads
them once per tool in `tools/list`, so they say what to pass and where it comes from, no more (the
paging rules are in the server's instructions and the README).
"""

from __future__ import annotations

import json
from typing import Annotated, Protocol, runtime_checkable

from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)

ProjectUid = Annotated[
    str | None,
    Field(description="Project uid (list_projects); optional with a default project or only one project."),
]
AudienceUid = Annotated[str, Field(description="Audience uid (get_all_audiences).")]
ExperienceUid = Annotated[str, Field(description="Experience uid (get_all_experiences).")]
StackApiKey = Annotated[str, Field(description="CMS stack API key (list_stacks).")]
VariantGroupUid = Annotated[str, Field(description="CMS variant group uid (list_variant_groups).")]


Query = Annotated[str | None, Field(description="Only items whose name, key or uid contains this text.")]
Limit = Annotated[int | None, Field(description="Page size, 1-500 (default 50).")]
Cursor = Annotated[str | None, Field(description="next_cursor of the previous page.")]


@runtime_checkable
class ChosenToolsets(Protocol):
    """A server that knows which toolsets it offers (`PersonalizeMCPServer`)."""

    toolsets_on: tuple[str, ...]


def toolsets_on(server: object) -> tuple[str, ...]:
    """The toolsets `server` offers, in table order (none known for a server that does not say)."""
    return server.toolsets_on if isinstance(server, ChosenToolsets) else ()


def as_tool_result(result: BaseModel) -> CallToolResult:
    """Structured content plus the same JSON as compact text (fewer tokens for the model)."""
    data = result.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)
