"""The published input schema, compacted in one place: what a model needs stays, pydantic's padding goes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from mcp import Client
from pydantic import BaseModel, Field

from personalize_mcp.mcp_server.schema import compact_input_schema
from personalize_mcp.mcp_server.server import PersonalizeMCPServer

pytestmark = pytest.mark.anyio


class Change(BaseModel):
    action: Literal["create", "delete"]
    name: str | None = None


async def test_any_tool_registered_later_gets_it_and_still_validates_as_declared() -> None:
    """As a write tool would be: a nested model, a union, optional arguments -- one place does it."""
    server = PersonalizeMCPServer("later")

    @server.tool(name="plan")
    async def plan(
        change: Change,
        title: Annotated[str | None, Field(description="An argument that happens to be called title.")] = None,
        count: int | str | None = None,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        return {"change": change.model_dump(), "title": title, "count": count, "tags": tags}

    async with Client(server) as client:
        (tool,) = (await client.list_tools()).tools
        ok = await client.call_tool("plan", {"change": {"action": "create", "name": None}, "title": None, "count": 2})
        bad = await client.call_tool("plan", {"change": {"action": "rename"}})
    assert tool.input_schema == {
        "$defs": {
            "Change": {
                "properties": {"action": {"enum": ["create", "delete"], "type": "string"}, "name": {"type": "string"}},
                "required": ["action"],
                "type": "object",
            }
        },
        "properties": {
            "change": {"$ref": "#/$defs/Change"},
            "title": {"type": "string", "description": "An argument that happens to be called title."},
            "count": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "tags": {"items": {"type": "string"}, "type": "array"},
        },
        "required": ["change"],
        "type": "object",
    }
    assert not ok.is_error and ok.structured_content == {
        "change": {"action": "create", "name": None},
        "title": None,
        "count": 2,
        "tags": None,
    }
    assert bad.is_error  # the same pydantic model refuses what it refused before


def test_what_a_node_says_itself_wins_over_the_unwrapped_arm() -> None:
    wrapped = {
        "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
        "default": None,
        "items": {"enum": ["a", "b"]},
        "title": "Kinds",
    }
    assert compact_input_schema(wrapped) == {"items": {"type": "string", "enum": ["a", "b"]}, "type": "array"}
    assert compact_input_schema({"anyOf": [{"type": "null"}], "default": None}) == {}
    kept = {"type": ["string", "null"], "default": "x", "additionalProperties": False}
    assert compact_input_schema(kept) == kept  # a null that means something, a real default, a real false
