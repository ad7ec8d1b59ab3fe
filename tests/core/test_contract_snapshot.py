"""tools/list is part of the contract: names, titles, annotations, input and output schemas.

A change to any of them fails here until the snapshot is regenerated on purpose and reviewed:
    UPDATE_SNAPSHOTS=1 pytest tests/core/test_contract_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "tools_list.json"


def tools_snapshot(tools: list[Any]) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "name": tool.name,
                "title": tool.title,
                "description": tool.description,
                "annotations": tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True),
                "inputSchema": tool.input_schema,
                "outputSchema": tool.output_schema,
            }
            for tool in tools
        ),
        key=lambda entry: entry["name"],
    )


async def test_tools_list_matches_the_reviewed_snapshot(client: Client) -> None:
    current = tools_snapshot((await client.list_tools()).tools)
    rendered = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1 and review the file"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == json.loads(rendered), (
        "tools/list changed: review the difference, then regenerate with UPDATE_SNAPSHOTS=1"
    )
