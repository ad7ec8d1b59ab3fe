"""Every failure is one sentence a person can act on: bad input, missing login, upstream trouble."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from personalize_mcp.auth.protocol import MissingCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.runtime.errors import MAX_MESSAGE_CHARS
from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN, data
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID
STACK = data.MAIN_STACK_API_KEY

ID_ARGUMENTS = {
    "get_all_audiences": {"project_uid": WEB},
    "get_all_experiences": {"project_uid": WEB},
    "get_all_versions": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
    "get_single_audience": {"project_uid": WEB, "audience_uid": data.AUSTRALIA_AUDIENCE_UID},
    "get_single_experience": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
    "get_variant_audiences": {
        "stack_api_key": STACK,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
    },
    "list_variant_groups": {"stack_api_key": STACK},
    "list_variants": {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
}
BAD_IDS = ["../../v3/user", "a/b", "x?y=1", "x#y", "%2F", "a b", "x" * 65, "é", ""]
CASES = [
    (tool, argument, bad)
    for tool, arguments in ID_ARGUMENTS.items()
    for argument in arguments
    for bad in BAD_IDS
    if not (bad == "" and argument == "project_uid")  # an empty project_uid means "the default project"
]


@pytest.mark.parametrize(("tool", "argument", "bad"), CASES)
async def test_bad_identifiers_are_refused_before_any_upstream_request(
    client: Client, sandbox: Sandbox, tool: str, argument: str, bad: str
) -> None:
    sandbox.state.clear_requests()
    message = await call_error(client, tool, {**ID_ARGUMENTS[tool], argument: bad})
    assert argument in message
    assert "not a valid identifier" in message
    paths = [r.path for r in sandbox.state.request_log()]
    assert all(bad not in path for path in paths if bad), paths
    # Only lookups of *valid* ids may have happened (e.g. resolving nothing at all).
    assert not any(".." in p or "%" in p for p in paths)


async def test_audience_uids_items_are_validated_too(client: Client) -> None:
    message = await call_error(client, "get_all_audiences", {"project_uid": WEB, "audience_uids": ["ok", "../x"]})
    assert "audience_uid" in message and "'../x'" in message


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("get_all_versions", {"project_uid": WEB}, "experience_uid is required"),
        ("get_single_audience", {"project_uid": 12}, "audience_uid is required"),
        ("get_variant_audiences", {**ID_ARGUMENTS["get_variant_audiences"], "draft": "maybe"}, "draft must be true"),
        ("get_all_audiences", {"audience_uids": 5}, "audience_uids must be a list of strings"),
        ("get_single_experience", {"experience_uid": ["x"]}, "experience_uid must be a string"),
    ],
)  # fmt: skip
async def test_schema_violations_are_one_sentence(
    client: Client, tool: str, arguments: dict[str, object], expected: str
) -> None:
    message = await call_error(client, tool, arguments)
    assert message.startswith(f"Invalid arguments for {tool}: ")
    assert expected in message


async def test_unknown_tool_names_the_tools(client: Client) -> None:
    message = await call_error(client, "delete_everything")
    tools = sorted(tool.name for tool in (await client.list_tools()).tools)
    full = f"Unknown tool 'delete_everything'; the tools are: {', '.join(tools)}."
    if len(full) <= MAX_MESSAGE_CHARS:
        assert message == full
    else:  # one bounded sentence (issue 17): as many names as fit, the closest first, and how many more
        assert message.startswith("Unknown tool 'delete_everything'; the tools include ")
        assert len(message) <= MAX_MESSAGE_CHARS
        named = message.split(" include ", 1)[1].split(" and ", 1)[0].split(", ")
        assert set(named) <= set(tools)
        assert f" and {len(tools) - len(named)} more (see tools/list)." in message


@pytest.fixture
async def logged_out_client(mode: str) -> AsyncIterator[Client]:
    nowhere = ConnectionOverrides(personalize_base_url="http://127.0.0.1:9", cma_base_url="http://127.0.0.1:9")
    connection = Connection(settings=ConnectionSettings.resolve(nowhere), credentials=MissingCredentials())
    async with open_lookups(connection) as actions, Client(build_server(actions), mode=mode) as client:
        yield client


@pytest.mark.parametrize(
    ("tool", "arguments"), [("list_projects", {}), ("list_stacks", {}), *[(t, a) for t, a in ID_ARGUMENTS.items()]]
)
async def test_without_a_login_every_tool_names_the_login_command(
    logged_out_client: Client, tool: str, arguments: dict[str, str]
) -> None:
    message = await call_error(logged_out_client, tool, arguments)
    assert message == "No Contentstack account is connected; run `personalize-mcp login`."


@pytest.fixture
async def second_org_client(sandbox: Sandbox, mode: str) -> AsyncIterator[Client]:
    connection = sandbox.connection(token=SANDBOX_SECOND_ORG_ACCESS_TOKEN, organization_uid=data.SECOND_ORG_UID)
    async with open_lookups(connection) as actions, Client(build_server(actions), mode=mode) as client:
        yield client


async def test_project_uid_may_be_omitted_when_the_organisation_has_one_project(second_org_client: Client) -> None:
    result = await call_ok(second_org_client, "get_all_experiences")
    assert result["project_uid"] == data.SECOND_ORG_PROJECT_UID
    assert [e["uid"] for e in result["experiences"]] == [data.EU_BANNER_EXPERIENCE_UID]
    stacks = await call_ok(second_org_client, "list_stacks")
    assert [s["api_key"] for s in stacks["stacks"]] == [data.SECOND_STACK_API_KEY]


async def test_another_organisations_project_is_not_found(second_org_client: Client) -> None:
    message = await call_error(second_org_client, "get_all_audiences", {"project_uid": WEB})
    assert WEB in message and "list_projects" in message


async def test_default_project_from_settings(sandbox: Sandbox) -> None:
    async with (
        open_lookups(sandbox.connection(), default_project_uid=data.MOBILE_PROJECT_UID) as actions,
        Client(build_server(actions)) as client,
    ):
        result = await call_ok(client, "get_all_audiences")
        assert result["project_uid"] == data.MOBILE_PROJECT_UID
        assert {a["uid"] for a in result["audiences"]} == {data.IOS_USERS_AUDIENCE_UID, data.BETA_TESTERS_AUDIENCE_UID}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_persistent_server_errors_are_one_sentence_without_the_body(
    client: Client, sandbox: Sandbox, status: int
) -> None:
    sandbox.state.fail_next("personalize", status, count=10)
    message = await call_error(client, "list_projects")
    assert f"HTTP {status}" in message and "Personalize Management API" in message
    assert "<html" not in message.lower() and "statusCode" not in message


async def test_a_transient_server_error_is_retried(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.fail_next("cma", 503, count=1)
    result = await call_ok(client, "list_stacks")
    assert len(result["stacks"]) == len(data.MAIN_ORG_STACK_API_KEYS)


async def test_invalid_json_is_a_clear_error(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.invalid_json_next("personalize", count=1)
    message = await call_error(client, "list_projects")
    assert "not valid JSON" in message and "Personalize Management API" in message


async def test_rate_limit_waits_for_retry_after(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.rate_limit_next("personalize", count=1, retry_after=1)
    result = await call_ok(client, "list_projects")
    assert len(result["projects"]) == len(data.MAIN_ORG_PROJECT_UIDS)
    statuses = [r.status for r in sandbox.state.request_log() if r.path == "/projects"]
    assert statuses[:2] == [429, 200]


async def test_custom_attribute_names_make_rules_readable(client: Client) -> None:
    result = await call_ok(
        client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.RETURNING_CUSTOMERS_AUDIENCE_UID}
    )
    assert result["audience"]["rules"] == (
        'custom attribute "Lifetime orders" is greater than 1 AND '
        '(custom attribute "Loyalty member" is true OR custom attribute "Last order value" is greater than 100)'
    )


async def test_a_rule_on_a_deleted_attribute_keeps_its_uid_and_says_why(client: Client) -> None:
    result = await call_ok(
        client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.VIP_TIER_AUDIENCE_UID}
    )
    assert result["audience"]["rules"] == (
        f'custom attribute "{data.LOYALTY_TIER_ATTRIBUTE_UID}" (deleted attribute) equals 3'
    )


async def test_rules_keep_uids_when_the_project_lists_no_attributes(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.data.attributes.clear()
    result = await call_ok(
        client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.BUDGET_SHOPPERS_AUDIENCE_UID}
    )
    assert result["audience"]["rules"] == f'custom attribute "{data.AVERAGE_ORDER_VALUE_ATTRIBUTE_UID}" is less than 50'


@pytest.mark.parametrize(
    ("scopes", "expected_paths"),
    [
        ({"cm.stacks.management:read"}, ["/v3/stacks"]),
        ({"organization:read"}, ["/v3/stacks", f"/v3/organizations/{data.MAIN_ORG_UID}/stacks"]),
    ],
    ids=["stacks-scope", "organization-scope-only"],
)
async def test_stacks_are_listed_by_either_documented_route(
    sandbox: Sandbox, scopes: set[str], expected_paths: list[str]
) -> None:
    token = sandbox.state.issue_access_token(data.MAIN_ORG_UID, data.MAIN_USER_UID, scopes=frozenset(scopes))
    async with open_lookups(sandbox.connection(token=token)) as actions, Client(build_server(actions)) as client:
        result = await call_ok(client, "list_stacks")
    assert {s["api_key"] for s in result["stacks"]} >= {data.MAIN_STACK_API_KEY, data.BIG_STACK_API_KEY}
    assert [r.path for r in sandbox.state.request_log()] == expected_paths


async def test_stacks_refused_by_both_routes_is_one_sentence_about_access(sandbox: Sandbox) -> None:
    token = sandbox.state.issue_access_token(data.MAIN_ORG_UID, data.MAIN_USER_UID, scopes=frozenset({"user:read"}))
    async with open_lookups(sandbox.connection(token=token)) as actions, Client(build_server(actions)) as client:
        message = await call_error(client, "list_stacks")
    assert message.startswith("Contentstack's CMS Management API denied access (HTTP 403)")
