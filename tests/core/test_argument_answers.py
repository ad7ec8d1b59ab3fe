"""Arguments validate exactly as they did before the input schemas were made smaller (issue 23).

`tests/snapshots/argument_answers.json` holds, per tool, good and bad arguments and what the server
answered to each -- recorded through a real MCP client from the code as it was before the schemas
changed. A success is kept as a digest of its structured content, a failure as its sentence. Every
tool must answer the same arguments the same way: the same results, the same sentences.

The cases are derived once, at recording time, from each argument's published type (missing, null,
the wrong type, out of range, a value outside an enum, JSON text for a list or an object, an unknown
argument), plus good values per argument; replaying reads them from the file, so the set of cases
does not move with the schema. Re-record only on purpose (and review the difference):
    .venv/bin/python -m tests.core.test_argument_answers
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import CONTRACT_TOOLS, text_of

pytestmark = pytest.mark.anyio

RECORDING = Path(__file__).parent.parent / "snapshots" / "argument_answers.json"
WEB = data.WEB_PROJECT_UID
STACK = data.MAIN_STACK_API_KEY

REQUIRED: dict[str, dict[str, Any]] = {
    "get_all_versions": {"experience_uid": data.HERO_EXPERIENCE_UID},
    "get_single_audience": {"audience_uid": data.AUSTRALIA_AUDIENCE_UID},
    "get_single_experience": {"experience_uid": data.HERO_EXPERIENCE_UID},
    "get_variant_audiences": {
        "stack_api_key": STACK,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
    },
    "list_variant_groups": {"stack_api_key": STACK},
    "list_variants": {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
    "list_locations": {"kind": "region"},
    "get_experiment_results": {"experience_uid": data.PRICING_AB_EXPERIENCE_UID},
    "get_experiment_timeseries": {"experience_uid": data.PRICING_AB_EXPERIENCE_UID},
    "simulate_visitor": {"visitor": {"country": "AU", "device_type": "MOBILE", "datetime": "2025-11-29T09:00:00Z"}},
    "explain_audience_match": {
        "audience_uid": data.AUSTRALIA_AUDIENCE_UID,
        "visitor": {"country": "AU", "datetime": "2025-11-29T09:00:00Z"},
    },
    "find_usage": {"uid": data.AUSTRALIA_AUDIENCE_UID},
    "compare_versions": {"experience_uid": data.HERO_EXPERIENCE_UID},
    "search": {"query": "hero"},
}
"""The smallest good arguments of each tool that needs some (the Web project is the default below)."""

GOOD_VALUES: dict[str, list[Any]] = {
    "project_uid": [WEB, ""],
    "query": ["a", ""],
    "limit": [1, 2, "3", 500],
    "cursor": [],
    "status": ["ACTIVE", "active"],
    "type": ["AB_TEST"],
    "kind": ["CUSTOM", "city"],
    "audiences_of": ["draft", "DRAFT"],
    "draft": [True, "true", 0],
    "granularity": ["hour"],
    "severity": ["warning"],
    "check": ["unused_audience"],
    "kinds": [["audience"], '["experience", "audience"]'],
    "audience_uids": [[data.AUSTRALIA_AUDIENCE_UID], f'["{data.AUSTRALIA_AUDIENCE_UID}"]'],
    "experience_uids": [[data.HERO_EXPERIENCE_UID]],
    "attribute": ["COUNTRY", "lifetime_orders"],
    "country_code": ["AU", "au"],
    "version_uid": [],
    "from_version_uid": [],
    "to_version_uid": [],
    "visitor": ['{"country": "AU", "datetime": "2025-11-29T09:00:00Z"}', {"country": None, "datetime": "2025-11-29"}],
}
"""Good values per argument name, beyond the required ones (each tried alone)."""

WRONG_BY_TYPE: dict[str, list[Any]] = {
    "string": [5, True, ["x"], {"a": 1}, "../x", "x" * 65, "é"],
    "integer": [0, 501, -1, 2.5, "abc", True, [3], "1e3"],
    "boolean": ["maybe", 2, [True], {"a": 1}],
    "array": ["x", "[1, 2]", [1], [None], [["x"]], {"a": 1}, ["../x"]],
    "object": [[], "not json", "[1]", 5, {"country": 5}, {"datetime": "yesterday"}, {"attributes": []}],
}
"""Wrong values per published type (taken from the schema at recording time)."""


ADDED_SINCE_RECORDING: dict[str, set[str]] = {"get_connection": {"toolsets"}}
"""Result fields added on purpose after the recording (issue 23: get_connection says which toolsets are on)."""


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def published_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a property's schema names, its null wrapper included."""
    types: set[str] = set()
    for part in [schema, *schema.get("anyOf", [])]:
        kind = part.get("type")
        types.update([kind] if isinstance(kind, str) else kind or [])
    return types - {"null"}


def derive_cases(name: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Good and bad arguments of one tool, from its published input schema."""
    required = set(schema.get("required", []))
    base = {"project_uid": WEB, **REQUIRED.get(name, {})} if "project_uid" in schema["properties"] else {}
    base = {**base, **REQUIRED.get(name, {})}
    cases: list[dict[str, Any]] = [base, {}, {**base, "unknown_argument": 1}, {**base, "cursor": "bogus"}]
    for argument, prop in schema["properties"].items():
        others = {k: v for k, v in base.items() if k != argument}
        if argument in required:
            cases.append(others)
        cases.append({**others, argument: None})
        cases.extend({**base, argument: value} for value in GOOD_VALUES.get(argument, []))
        for kind in sorted(published_types(prop)):
            cases.extend({**others, argument: value} for value in WRONG_BY_TYPE[kind])
        enum = prop.get("enum") or prop.get("items", {}).get("enum")
        if enum:
            cases.append({**others, argument: ["nope"] if "items" in prop else "nope"})
    unique: dict[str, dict[str, Any]] = {}
    for case in cases:
        unique.setdefault(json.dumps(case, sort_keys=True), case)
    return list(unique.values())


def as_lines(recorded: dict[str, list[dict[str, Any]]]) -> str:
    """One case a line, so a difference reads case by case."""
    tools = [
        f"{json.dumps(tool)}: [\n" + ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases) + "\n]"
        for tool, cases in sorted(recorded.items())
    ]
    return "{\n" + ",\n".join(tools) + "\n}\n"


async def answer(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        return {"arguments": arguments, "error": text_of(result)}
    added = ADDED_SINCE_RECORDING.get(tool, set())
    content = {key: value for key, value in (result.structured_content or {}).items() if key not in added}
    return {"arguments": arguments, "result": digest(content)}


async def record(client: Client, name: str) -> list[dict[str, Any]]:
    (tool,) = [tool for tool in (await client.list_tools()).tools if tool.name == name]
    return [await answer(client, name, case) for case in derive_cases(name, tool.input_schema)]


@pytest.fixture
def mode() -> str:
    """One era is enough here: both eras hand a tool its arguments alike (the contract tests run both)."""
    return "auto"


async def record_argument_answers(sandbox: Sandbox) -> None:
    """Each tool on a fresh server, as the replay runs it (search remembers which groups were listed).

    Not a test: run as a module (see the docstring above), it rewrites the recording."""
    recorded: dict[str, list[dict[str, Any]]] = {}
    for tool in sorted(CONTRACT_TOOLS):
        async with open_lookups(sandbox.connection()) as lookups, Client(build_server(lookups)) as client:
            recorded[tool] = await record(client, tool)
    RECORDING.write_text(as_lines(recorded), encoding="utf-8")
    assert all(recorded.values())


RECORDED: dict[str, list[dict[str, Any]]] = json.loads(RECORDING.read_text(encoding="utf-8"))


def test_the_recording_has_good_and_bad_cases_for_every_tool() -> None:
    for tool, cases in RECORDED.items():
        assert sum("result" in case for case in cases) >= 2, tool
        assert tool == "get_connection" or sum("error" in case for case in cases) >= 5, tool  # it takes none


@pytest.mark.parametrize("tool", sorted(RECORDED))
async def test_a_tool_answers_its_recorded_arguments_as_before(client: Client, tool: str) -> None:
    differences = [
        (case, now) for case in RECORDED[tool] if (now := await answer(client, tool, case["arguments"])) != case
    ]
    assert differences == []


if __name__ == "__main__":
    import anyio

    from personalize_mcp.sandbox import SandboxState, serve_in_thread

    served_state = SandboxState()
    with serve_in_thread(served_state) as served_origin:
        anyio.run(record_argument_answers, Sandbox(state=served_state, origin=served_origin))
