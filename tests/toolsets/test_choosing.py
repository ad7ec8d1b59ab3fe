"""`serve --toolsets`: what is chosen is listed and callable, and nothing offered sends a model elsewhere.

Through a real MCP client (in memory) against the sandbox: a tool outside the chosen toolsets is
unknown like any name the server never had; resources and prompts that need such a tool are not
offered; and no prompt text, resource description or instruction names a tool the client cannot
see -- for every combination of the five toolsets.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import TextContent

from personalize_mcp.config.toolsets import TOOLSET_NAMES as SETTING_NAMES
from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.mcp_server.tools import TOOLSET_NAMES, TOOLSETS
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import CONTRACT_TOOLS, call_error, call_ok

pytestmark = pytest.mark.anyio

MEMBERS = {
    "core": {
        "get_all_audiences",
        "get_all_experiences",
        "get_all_versions",
        "get_single_audience",
        "get_single_experience",
        "get_variant_audiences",
        "list_projects",
        "list_stacks",
        "list_variant_groups",
        "list_variants",
        "get_connection",
    },
    "catalogue": {"list_attributes", "list_events", "get_experiences_priority", "list_locations"},
    "results": {"get_experiment_results", "get_experiment_timeseries"},
    "simulation": {"simulate_visitor", "explain_audience_match"},
    "insights": {"find_usage", "compare_versions", "audit_project", "search"},
}
"""CONTRACT.md, "Choosing tools": which tools each toolset holds."""

PROMPT_ARGUMENTS = {
    "explain_variant_audiences": {
        "stack_api_key": data.MAIN_STACK_API_KEY,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
        "draft": "true",
        "visitor": '{"country": "AU"}',
    },
    "why_not_variant": {
        "project_uid": data.WEB_PROJECT_UID,
        "experience_uid": data.HERO_EXPERIENCE_UID,
        "visitor": '{"country": "NZ"}',
        "variant_short_uid": "1",
    },
    "review_experience": {"project_uid": data.WEB_PROJECT_UID, "experience_uid": data.HERO_EXPERIENCE_UID},
    "explain_audience": {"project_uid": data.WEB_PROJECT_UID, "audience_uid": data.AUSTRALIA_AUDIENCE_UID},
    "audit_project": {"project_uid": data.WEB_PROJECT_UID},
}
"""Every argument of every prompt, so that every sentence a prompt can say is rendered."""

COMBINATIONS = [
    combination for size in range(1, len(MEMBERS) + 1) for combination in itertools.combinations(MEMBERS, size)
]


@asynccontextmanager
async def offering(sandbox: Sandbox, toolsets: Collection[str]) -> AsyncIterator[Client]:
    async with open_lookups(sandbox.connection()) as lookups, Client(build_server(lookups, toolsets=toolsets)) as c:
        yield c


def named_tools(text: str) -> set[str]:
    """The tools a text names ("search" only as the tool is named in a list of them: it is also a word)."""
    found = {name for name in CONTRACT_TOOLS if "_" in name and re.search(rf"\b{name}\b", text)}
    if re.search(r"\bsearch\.$|: search\b", text, re.MULTILINE):
        found.add("search")
    return found


def test_the_toolsets_hold_every_tool_once_under_the_contract_names() -> None:
    assert TOOLSET_NAMES == SETTING_NAMES == tuple(MEMBERS)
    assert [toolset.name for toolset in TOOLSETS if not toolset.with_writes] == list(MEMBERS)
    assert set().union(*MEMBERS.values()) == set(CONTRACT_TOOLS)
    assert sum(len(members) for members in MEMBERS.values()) == len(CONTRACT_TOOLS)


@pytest.mark.parametrize("toolset", list(MEMBERS))
async def test_one_toolset_lists_exactly_its_tools(sandbox: Sandbox, toolset: str) -> None:
    async with offering(sandbox, [toolset]) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == MEMBERS[toolset]


async def test_a_tool_outside_the_chosen_toolsets_is_unknown_like_any_other(sandbox: Sandbox) -> None:
    async with offering(sandbox, ["catalogue", "results"]) as client:
        outside = await call_error(client, "list_projects")
        never = await call_error(client, "list_projectz")
        assert await call_ok(client, "list_events", {"project_uid": data.WEB_PROJECT_UID})
    assert outside == (
        "Unknown tool 'list_projects'; the tools are: get_experiences_priority, get_experiment_results, "
        "get_experiment_timeseries, list_attributes, list_events, list_locations."
    )
    assert never == outside.replace("'list_projects'", "'list_projectz'")


async def test_get_connection_says_which_toolsets_are_on(sandbox: Sandbox) -> None:
    async with offering(sandbox, ["insights", "core"]) as client:
        assert (await call_ok(client, "get_connection"))["toolsets"] == ["core", "insights"]
    async with offering(sandbox, TOOLSET_NAMES) as client:
        assert (await call_ok(client, "get_connection"))["toolsets"] == list(TOOLSET_NAMES)


@pytest.mark.parametrize("combination", COMBINATIONS, ids="+".join)
async def test_nothing_offered_names_a_tool_the_client_cannot_see(sandbox: Sandbox, combination: tuple[str]) -> None:
    async with offering(sandbox, combination) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert tools == set().union(*(MEMBERS[name] for name in combination))
        for resource in [*(await client.list_resources()).resources]:
            assert named_tools(resource.description or "") <= tools, resource.uri
        for template in (await client.list_resource_templates()).resource_templates:
            assert named_tools(template.description or "") <= tools, template.uri_template
        prompts = (await client.list_prompts()).prompts
        for prompt in prompts:
            arguments = {a.name: PROMPT_ARGUMENTS[prompt.name][a.name] for a in prompt.arguments or []}
            (message,) = (await client.get_prompt(prompt.name, arguments)).messages
            assert isinstance(message.content, TextContent)
            assert named_tools(message.content.text) <= tools, (prompt.name, named_tools(message.content.text))
            assert named_tools(prompt.description or "") <= tools, prompt.name
        instructions = client.instructions
    assert instructions is not None
    assert named_tools(instructions) <= tools
    assert ("get_connection" in instructions) == ("core" in combination)
    if "core" in combination:  # explain_variant_audiences and explain_audience need core alone
        assert len(prompts) >= 2


async def test_everything_is_offered_by_default(client: Client) -> None:
    assert {tool.name for tool in (await client.list_tools()).tools} == set(CONTRACT_TOOLS)
    assert len((await client.list_prompts()).prompts) == len(PROMPT_ARGUMENTS)
    assert len((await client.list_resource_templates()).resource_templates) == 7


async def test_resources_follow_their_tools(sandbox: Sandbox) -> None:
    async with offering(sandbox, ["core"]) as client:
        static = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        with pytest.raises(MCPError, match="No resource matches"):
            await client.read_resource(f"personalize://projects/{data.WEB_PROJECT_UID}/attributes")
    assert static == {"personalize://projects", "contentstack://stacks"}
    assert not any(t.endswith(("/attributes", "/events", "/priority")) for t in templates)
    async with offering(sandbox, ["catalogue"]) as client:
        assert not (await client.list_resources()).resources
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert {t.rsplit("/", 1)[1] for t in templates} == {"attributes", "events", "priority"}


async def test_a_prompt_argument_that_needs_an_absent_tool_is_left_off(sandbox: Sandbox) -> None:
    """explain_variant_audiences checks a visitor with explain_audience_match: without simulation, no visitor."""
    variant = {k: v for k, v in PROMPT_ARGUMENTS["explain_variant_audiences"].items() if k != "visitor"}
    async with offering(sandbox, ["core"]) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == {"explain_variant_audiences", "explain_audience"}
        arguments = [a.name for a in prompts["explain_variant_audiences"].arguments or []]
        assert arguments == ["stack_api_key", "variant_group_uid", "variant_uid", "draft"]
        assert await client.get_prompt("explain_variant_audiences", variant)
        with pytest.raises(MCPError, match="takes no argument 'visitor'"):
            await client.get_prompt("explain_variant_audiences", {**variant, "visitor": '{"country": "AU"}'})
