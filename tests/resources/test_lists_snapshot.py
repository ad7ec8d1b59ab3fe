"""resources/list, resources/templates/list and prompts/list are part of the contract.

A change to any URI, name, title, description, MIME type or prompt argument fails here until the
snapshot is regenerated on purpose and reviewed:
    UPDATE_SNAPSHOTS=1 pytest tests/resources/test_lists_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "resources_and_prompts_list.json"


def dump(item: Any) -> dict[str, Any]:
    data: dict[str, Any] = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("_meta", None)
    return data


async def lists_snapshot(client: Client) -> dict[str, Any]:
    return {
        "resources": sorted(
            (dump(r) for r in (await client.list_resources()).resources), key=lambda entry: entry["uri"]
        ),
        "resourceTemplates": sorted(
            (dump(t) for t in (await client.list_resource_templates()).resource_templates),
            key=lambda entry: entry["uriTemplate"],
        ),
        "prompts": sorted((dump(p) for p in (await client.list_prompts()).prompts), key=lambda entry: entry["name"]),
    }


async def test_resources_templates_and_prompts_match_the_reviewed_snapshot(client: Client) -> None:
    rendered = json.dumps(await lists_snapshot(client), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1 and review the file"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == json.loads(rendered), (
        "resources/list, resources/templates/list or prompts/list changed: review the difference, "
        "then regenerate with UPDATE_SNAPSHOTS=1"
    )
