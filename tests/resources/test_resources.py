"""The six lookup lists as resources, through a real MCP client (both eras) against the sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, ResourceTemplateReference, TextResourceContents

from personalize_mcp.auth.protocol import MissingCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, call_ok

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID
MOBILE = data.MOBILE_PROJECT_UID
STACK = data.MAIN_STACK_API_KEY

AUDIENCES = "personalize://projects/{project_uid}/audiences"
EXPERIENCES = "personalize://projects/{project_uid}/experiences"
VARIANT_GROUPS = "contentstack://stacks/{stack_api_key}/variant-groups"
VARIANTS = "contentstack://stacks/{stack_api_key}/variant-groups/{variant_group_uid}/variants"

# (uri, the list tool, its arguments) -- a resource's JSON is the tool's structured result.
READS: list[tuple[str, str, dict[str, str]]] = [
    ("personalize://projects", "list_projects", {}),
    (f"personalize://projects/{WEB}/audiences", "get_all_audiences", {"project_uid": WEB}),
    (f"personalize://projects/{WEB}/experiences", "get_all_experiences", {"project_uid": WEB}),
    (f"personalize://projects/{MOBILE}/experiences", "get_all_experiences", {"project_uid": MOBILE}),
    ("contentstack://stacks", "list_stacks", {}),
    (f"contentstack://stacks/{STACK}/variant-groups", "list_variant_groups", {"stack_api_key": STACK}),
    (
        f"contentstack://stacks/{data.BIG_STACK_API_KEY}/variant-groups",
        "list_variant_groups",
        {"stack_api_key": data.BIG_STACK_API_KEY},
    ),
    (
        f"contentstack://stacks/{STACK}/variant-groups/{data.HERO_VARIANT_GROUP_UID}/variants",
        "list_variants",
        {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
    ),
    (
        f"contentstack://stacks/{STACK}/variant-groups/{data.PLAIN_VARIANT_GROUP_UID}/variants",
        "list_variants",
        {"stack_api_key": STACK, "variant_group_uid": data.PLAIN_VARIANT_GROUP_UID},
    ),
]


async def read_json(client: Client, uri: str) -> Any:
    result = await client.read_resource(uri, cache_mode="bypass")
    assert len(result.contents) == 1
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    assert str(content.uri) == uri
    assert content.mime_type == "application/json"
    return json.loads(content.text)


async def read_error(client: Client, uri: str) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri, cache_mode="bypass")
    return caught.value


async def test_resources_list_has_the_two_fixed_lists(client: Client) -> None:
    resources = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert set(resources) == {"personalize://projects", "contentstack://stacks"}
    for resource in resources.values():
        assert resource.mime_type == "application/json"
        assert resource.title and resource.description and resource.name


async def test_resource_templates_list_has_the_lookup_lists(client: Client) -> None:
    templates = {t.uri_template: t for t in (await client.list_resource_templates()).resource_templates}
    catalogue = {f"personalize://projects/{{project_uid}}/{name}" for name in ("attributes", "events", "priority")}
    assert set(templates) == {AUDIENCES, EXPERIENCES, VARIANT_GROUPS, VARIANTS, *catalogue}
    for template in templates.values():
        assert template.mime_type == "application/json"
        assert template.title and template.description and template.name


@pytest.mark.parametrize(("uri", "tool", "arguments"), READS, ids=[r[0].split("://")[1][:60] for r in READS])
async def test_a_resource_is_the_same_json_as_its_list_tool(
    client: Client, uri: str, tool: str, arguments: dict[str, str]
) -> None:
    assert await read_json(client, uri) == await call_ok(client, tool, arguments)


async def test_projects_resource(client: Client) -> None:
    projects = {p["uid"]: p for p in (await read_json(client, "personalize://projects"))["projects"]}
    assert set(projects) == set(data.MAIN_ORG_PROJECT_UIDS)  # the second organisation's project is not ours
    assert projects[WEB]["name"] == "Web"
    assert projects[WEB]["connected_stack_api_key"] == STACK


async def test_audiences_resource_carries_source_and_rules(client: Client) -> None:
    result = await read_json(client, f"personalize://projects/{WEB}/audiences")
    assert result["project_uid"] == WEB
    audiences = {a["uid"]: a for a in result["audiences"]}
    assert len(audiences) == 14
    assert audiences[data.AUSTRALIA_AUDIENCE_UID]["name"] == "Australian Users"
    assert audiences[data.AUSTRALIA_AUDIENCE_UID]["rules"] == 'country equals "AU"'
    assert audiences[data.LYTICS_AUDIENCE_UID]["source"] == "LYTICS"
    assert all(set(a) >= {"uid", "name", "source", "rules"} for a in audiences.values())


async def test_experiences_resource_carries_type_status_and_group(client: Client) -> None:
    result = await read_json(client, f"personalize://projects/{WEB}/experiences")
    experiences = {e["uid"]: e for e in result["experiences"]}
    assert len(experiences) == 6
    hero = experiences[data.HERO_EXPERIENCE_UID]
    assert (hero["name"], hero["type"], hero["status"]) == ("Homepage hero", "SEGMENTED", "ACTIVE")
    assert hero["variant_group_uid"] == data.HERO_VARIANT_GROUP_UID
    pricing = experiences[data.PRICING_AB_EXPERIENCE_UID]
    assert (pricing["type"], pricing["status"]) == ("AB_TEST", "ACTIVE")
    assert experiences[data.PROMO_EXPERIENCE_UID]["status"] == "DRAFT"


async def test_stacks_resource(client: Client) -> None:
    stacks = {s["api_key"]: s for s in (await read_json(client, "contentstack://stacks"))["stacks"]}
    assert set(stacks) == set(data.MAIN_ORG_STACK_API_KEYS)
    assert stacks[STACK]["name"] == "Website"


async def test_variant_groups_resource_names_the_linked_experience(client: Client) -> None:
    result = await read_json(client, f"contentstack://stacks/{STACK}/variant-groups")
    groups = {g["uid"]: g for g in result["variant_groups"]}
    assert groups[data.HERO_VARIANT_GROUP_UID]["name"] == "Homepage hero"
    assert groups[data.HERO_VARIANT_GROUP_UID]["experience_uid"] == data.HERO_EXPERIENCE_UID
    assert groups[data.PLAIN_VARIANT_GROUP_UID]["experience_uid"] is None
    big = await read_json(client, f"contentstack://stacks/{data.BIG_STACK_API_KEY}/variant-groups")
    # The first page, with the same total and cursor as the tool, and how to get the rest.
    assert big["total"] == data.BIG_STACK_GROUP_COUNT and len(big["variant_groups"]) == 50
    assert big["next_cursor"] and "list_variant_groups" in big["note"] and "cursor" in big["note"]
    tool = await call_ok(client, "list_variant_groups", {"stack_api_key": data.BIG_STACK_API_KEY})
    assert tool == big
    empty = await read_json(client, f"contentstack://stacks/{data.EMPTY_STACK_API_KEY}/variant-groups")
    assert empty == {"stack_api_key": data.EMPTY_STACK_API_KEY, "variant_groups": [], "total": 0, "next_cursor": None}


async def test_variants_resource(client: Client) -> None:
    hero = await read_json(
        client, f"contentstack://stacks/{STACK}/variant-groups/{data.HERO_VARIANT_GROUP_UID}/variants"
    )
    variants = {v["uid"]: v for v in hero["variants"]}
    assert variants[data.HERO_AUSTRALIA_VARIANT_UID]["name"] == "Australia"
    assert variants[data.HERO_MOBILE_VARIANT_UID]["alias"] == "cs_personalize_0_1"
    plain = await read_json(
        client, f"contentstack://stacks/{STACK}/variant-groups/{data.PLAIN_VARIANT_GROUP_UID}/variants"
    )
    assert [v["uid"] for v in plain["variants"]] == sorted(data.PLAIN_VARIANT_UIDS)
    big = await read_json(
        client,
        f"contentstack://stacks/{data.BIG_STACK_API_KEY}/variant-groups/{data.BIG_VARIANT_GROUP_UID}/variants",
    )
    assert big["total"] == data.BIG_VARIANT_COUNT and len(big["variants"]) == 50 and "list_variants" in big["note"]


NOT_FOUND = [
    (f"personalize://projects/{data.SECOND_ORG_PROJECT_UID}/audiences", "list_projects"),
    ("personalize://projects/nosuchproject/experiences", "list_projects"),
    (f"contentstack://stacks/{data.SECOND_STACK_API_KEY}/variant-groups", "list_stacks"),
    ("contentstack://stacks/bltnosuchstack/variant-groups", "list_stacks"),
    ("contentstack://stacks/bltnosuchstack/variant-groups/cse4a1b9c7d2f3e6e2/variants", "list_stacks"),
    (f"contentstack://stacks/{STACK}/variant-groups/nosuchgroup/variants", "list_variant_groups"),
]


@pytest.mark.parametrize(("uri", "next_step"), NOT_FOUND)
async def test_an_unknown_project_stack_or_group_is_resource_not_found(
    client: Client, uri: str, next_step: str
) -> None:
    error = await read_error(client, uri)
    assert error.error.code == INVALID_PARAMS
    assert error.error.data == {"uri": uri}
    assert_one_sentence(error.error.message)
    assert "not found" in error.error.message and next_step in error.error.message


async def test_an_unknown_uri_is_resource_not_found(client: Client) -> None:
    for uri in ("personalize://nothing", "personalize://projects/x/variants", "test://nonexistent"):
        error = await read_error(client, uri)
        assert error.error.code == INVALID_PARAMS
        assert error.error.data == {"uri": uri}


BAD_URIS = [
    "personalize://projects/..%2F..%2Fv3%2Fuser/audiences",
    "personalize://projects/../experiences",
    "personalize://projects/%2E%2E/experiences",
    "personalize://projects/a%20b/audiences",
    "personalize://projects/x%3Fy%3D1/audiences",
    "personalize://projects//audiences",
    f"personalize://projects/{'x' * 65}/audiences",
    "personalize://projects/%C3%A9/experiences",
    "contentstack://stacks/a%2Fb/variant-groups",
    "contentstack://stacks/%2Fetc%2Fpasswd/variant-groups",
    f"contentstack://stacks/{STACK}/variant-groups/a%23b/variants",
    f"contentstack://stacks/{STACK}/variant-groups/%00/variants",
    f"contentstack://stacks/x%20y/variant-groups/{data.HERO_VARIANT_GROUP_UID}/variants",
]


async def test_invalid_identifiers_in_a_uri_never_reach_upstream(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.clear_requests()
    for uri in BAD_URIS:
        error = await read_error(client, uri)
        assert error.error.code == INVALID_PARAMS, uri
        assert error.error.data == {"uri": uri}
        assert "\n" not in error.error.message
    assert sandbox.state.request_log() == []


async def test_an_upstream_failure_is_a_resource_error_with_one_sentence(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 500, count=1)
    error = await read_error(client, "personalize://projects")
    assert error.error.code == INTERNAL_ERROR
    assert_one_sentence(error.error.message)
    assert "Personalize Management API" in error.error.message
    # and the next read answers
    assert len((await read_json(client, "personalize://projects"))["projects"]) == len(data.MAIN_ORG_PROJECT_UIDS)


async def test_an_upstream_failure_on_a_stack_list_is_one_sentence(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.fail_next("cma", 500, count=1)
    error = await read_error(client, f"contentstack://stacks/{STACK}/variant-groups")
    assert error.error.code == INTERNAL_ERROR
    assert_one_sentence(error.error.message)


@pytest.mark.parametrize("mode", ["auto"], indirect=True)
async def test_reads_carry_private_cache_hints_matching_the_lookup_cache(client: Client) -> None:
    read = await client.read_resource("personalize://projects", cache_mode="bypass")
    assert (read.ttl_ms, read.cache_scope) == (30_000, "private")
    for listing in (
        await client.list_resources(cache_mode="bypass"),
        await client.list_resource_templates(cache_mode="bypass"),
        await client.list_prompts(cache_mode="bypass"),
        await client.list_tools(cache_mode="bypass"),
    ):
        assert (listing.ttl_ms, listing.cache_scope) == (300_000, "public")


async def test_a_server_without_lookup_cache_says_reads_are_immediately_stale(sandbox: Sandbox) -> None:
    async with open_lookups(sandbox.connection(), cache_ttl=0) as actions, Client(build_server(actions)) as client:
        read = await client.read_resource("contentstack://stacks")
        assert (read.ttl_ms, read.cache_scope) == (0, "private")


async def test_without_a_login_reads_name_the_login_command_and_completions_stay_quiet() -> None:
    nowhere = ConnectionOverrides(personalize_base_url="http://127.0.0.1:9", cma_base_url="http://127.0.0.1:9")
    connection = Connection(settings=ConnectionSettings.resolve(nowhere), credentials=MissingCredentials())
    async with open_lookups(connection) as actions, Client(build_server(actions)) as client:
        for uri in ("personalize://projects", "contentstack://stacks", f"personalize://projects/{WEB}/audiences"):
            error = await read_error(client, uri)
            assert error.error.code == INTERNAL_ERROR
            assert error.error.message == "No Contentstack account is connected; run `personalize-mcp login`."
        completion = await client.complete(
            ResourceTemplateReference(uri="personalize://projects/{project_uid}/audiences"),
            {"name": "project_uid", "value": ""},
        )
        assert completion.completion.values == []
