"""Tool calls through a real MCP client while the sandbox (on loopback) misbehaves or is rate-limited."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import anyio
import pytest
from mcp import Client

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.errors import Api
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.retries import RetryPolicy
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN, data
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok, text_of

from .support import busy_connections, http_for, most_in_any_window, tool_client, wait_for

pytestmark = pytest.mark.anyio

WEB, MOBILE, STACK = data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID, data.MAIN_STACK_API_KEY
WEB_EXPERIENCES = [
    data.HERO_EXPERIENCE_UID,
    data.PROMO_EXPERIENCE_UID,
    data.CHECKOUT_EXPERIENCE_UID,
    data.LYTICS_EXPERIENCE_UID,
    data.PRICING_AB_EXPERIENCE_UID,
    data.FOOTER_AB_EXPERIENCE_UID,
]
MOBILE_EXPERIENCES = [data.ONBOARDING_EXPERIENCE_UID, data.PUSH_PROMPT_EXPERIENCE_UID]
WEB_AUDIENCES = [
    data.AUSTRALIA_AUDIENCE_UID,
    data.MOBILE_VISITORS_AUDIENCE_UID,
    data.RETURNING_CUSTOMERS_AUDIENCE_UID,
    data.EU_DESKTOP_AUDIENCE_UID,
    data.CAMPAIGN_VISITORS_AUDIENCE_UID,
    data.NON_US_AUDIENCE_UID,
    data.BLACK_FRIDAY_AUDIENCE_UID,
    data.LAUNCH_WEEK_AUDIENCE_UID,
    data.LYTICS_AUDIENCE_UID,
    data.SYDNEY_AUDIENCE_UID,
]


def fifty_calls() -> list[tuple[str, dict[str, Any]]]:
    """Fifty different tool calls that all succeed: every tool, both APIs, paged lists too."""
    groups = [
        data.HERO_VARIANT_GROUP_UID,
        data.PROMO_VARIANT_GROUP_UID,
        data.CHECKOUT_VARIANT_GROUP_UID,
        data.LYTICS_VARIANT_GROUP_UID,
        data.PRICING_VARIANT_GROUP_UID,
        data.PLAIN_VARIANT_GROUP_UID,
    ]
    variants = [
        (data.HERO_VARIANT_GROUP_UID, data.HERO_AUSTRALIA_VARIANT_UID, False),
        (data.HERO_VARIANT_GROUP_UID, data.HERO_MOBILE_VARIANT_UID, False),
        (data.LYTICS_VARIANT_GROUP_UID, data.LYTICS_HIGH_INTENT_VARIANT_UID, False),
        (data.LYTICS_VARIANT_GROUP_UID, data.LYTICS_SEASONAL_VARIANT_UID, False),
        (data.PROMO_VARIANT_GROUP_UID, data.PROMO_SUMMER_VARIANT_UID, True),
        (data.PROMO_VARIANT_GROUP_UID, data.PROMO_INTERNATIONAL_VARIANT_UID, True),
    ]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_projects", {}),
        ("list_stacks", {}),
        *[("get_all_experiences", {"project_uid": p}) for p in (WEB, MOBILE)],
        *[("get_all_audiences", {"project_uid": p}) for p in (WEB, MOBILE)],
        *[("get_single_experience", {"project_uid": WEB, "experience_uid": e}) for e in WEB_EXPERIENCES],
        *[("get_single_experience", {"project_uid": MOBILE, "experience_uid": e}) for e in MOBILE_EXPERIENCES],
        *[("get_all_versions", {"project_uid": WEB, "experience_uid": e}) for e in WEB_EXPERIENCES],
        *[("get_all_versions", {"project_uid": MOBILE, "experience_uid": e}) for e in MOBILE_EXPERIENCES],
        *[
            ("get_all_versions", {"project_uid": WEB, "experience_uid": e, "audiences_of": "draft"})
            for e in (data.HERO_EXPERIENCE_UID, data.PROMO_EXPERIENCE_UID)
        ],
        *[("get_single_audience", {"project_uid": WEB, "audience_uid": a}) for a in WEB_AUDIENCES],
        *[
            ("list_variant_groups", {"stack_api_key": s})
            for s in (STACK, data.BIG_STACK_API_KEY, data.EMPTY_STACK_API_KEY)
        ],
        *[("list_variants", {"stack_api_key": STACK, "variant_group_uid": g}) for g in groups],
        ("list_variants", {"stack_api_key": data.BIG_STACK_API_KEY, "variant_group_uid": data.BIG_VARIANT_GROUP_UID}),
        *[
            (
                "get_variant_audiences",
                {"stack_api_key": STACK, "variant_group_uid": g, "variant_uid": v, "draft": draft},
            )
            for g, v, draft in variants
        ],
    ]
    assert len(calls) == 50
    return calls


async def call_many(client: Client, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def one(index: int, name: str, arguments: dict[str, Any]) -> None:
        results[index] = await client.call_tool(name, arguments)

    async with anyio.create_task_group() as group:
        for index, (name, arguments) in enumerate(calls):
            group.start_soon(one, index, name, arguments)
    return results


# ---- the rate limit, under load -----------------------------------------------------------------


async def test_fifty_concurrent_tool_calls_draw_no_429_and_stay_within_10_per_second(sandbox: Sandbox) -> None:
    sandbox.state.rate_limit_per_second = 10  # the real limit, enforced by the sandbox as Contentstack does
    async with tool_client(sandbox.connection(), cache_ttl=0) as client:
        results = await call_many(client, fifty_calls())
    failed = [text_of(r) for r in results if r.is_error]
    assert not failed, failed
    log = sandbox.state.request_log()
    assert [r for r in log if r.status == 429] == []
    per_api = Counter(r.api for r in log)
    assert per_api["personalize"] > 10 and per_api["cma"] > 10, per_api  # the limiter had work to do
    assert all(count <= 10 for count in most_in_any_window(log).values()), most_in_any_window(log)


async def test_a_429_burst_with_retry_after_ends_in_success_without_exceeding_the_limit(sandbox: Sandbox) -> None:
    sandbox.state.rate_limit_per_second = 10
    sandbox.state.rate_limit_next("personalize", count=4, retry_after=1)
    calls = [("get_single_experience", {"project_uid": WEB, "experience_uid": e}) for e in WEB_EXPERIENCES]
    async with tool_client(sandbox.connection()) as client:
        results = await call_many(client, calls)
    assert [r.is_error for r in results] == [False] * len(calls)
    log = sandbox.state.request_log()
    limited = [r for r in log if r.status == 429]
    assert [r.fault for r in limited] == ["rate_limit"] * 4  # the injected burst, and no 429 of the sandbox's own
    last_429 = max(r.time for r in limited)
    retries = [r for r in log if r.status == 200][-4:]
    assert all(r.time - last_429 >= 0.95 for r in retries)  # Retry-After: 1 was honoured
    assert all(count <= 10 for count in most_in_any_window(log).values())


# ---- 5xx, timeouts, resets, bodies, through the tools ------------------------------------------


async def test_a_5xx_then_success(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("cma", 502, count=2)
    async with tool_client(sandbox.connection()) as client:
        result = await call_ok(client, "list_stacks")
    assert len(result["stacks"]) == len(data.MAIN_ORG_STACK_API_KEYS)
    assert [r.status for r in sandbox.state.request_log()] == [502, 502, 200]


async def test_persistent_5xx_is_a_clear_error_well_within_the_deadline(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 503, count=10)
    began = anyio.current_time()
    async with tool_client(sandbox.connection(), deadline=5, retry=RetryPolicy()) as client:  # production backoff
        message = await call_error(client, "list_projects")
    assert message == "Contentstack's Personalize Management API is failing (HTTP 503); try again shortly."
    # The retries gave up by themselves (3 attempts), not the deadline: its sentence would differ, and the
    # whole call ends well before it (the bound is the deadline itself, so a busy machine cannot fail it).
    assert [r.status for r in sandbox.state.request_log()] == [503, 503, 503]
    assert anyio.current_time() - began < 5


async def test_persistent_5xx_with_a_short_deadline_fails_at_once_with_the_deadline_sentence(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 503, count=10)
    retry = RetryPolicy(base_backoff=2, max_backoff=2)
    async with tool_client(sandbox.connection(), deadline=0.5, retry=retry) as client:
        began = anyio.current_time()
        message = await call_error(client, "list_projects")
        assert anyio.current_time() - began < 0.4
    assert message == (
        "Contentstack did not answer within 0.5 s (its Personalize Management API is failing with HTTP 503); "
        "try again shortly."
    )


async def test_a_slow_response_ends_in_the_deadline_sentence_and_its_request_is_dropped(sandbox: Sandbox) -> None:
    sandbox.state.set_slow("personalize", seconds=1.5)
    http = http_for(sandbox.connection())
    actions = Lookups(
        PersonalizeAPI(http), CMSAPI(http), credentials=http.credentials, cache=TTLCache(30), deadline=0.4
    )
    try:
        async with Client(build_server(actions)) as client:
            began = anyio.current_time()
            message = await call_error(client, "get_all_experiences", {"project_uid": WEB})
            assert 0.39 <= anyio.current_time() - began < 1.0
            assert message == "Contentstack did not answer within 0.4 s; try again shortly."
            assert http.in_flight == 0 and busy_connections(http) == 0
    finally:
        await http.aclose()


async def test_reset_connections_are_retried_then_persistent_resets_are_one_sentence(sandbox: Sandbox) -> None:
    async with tool_client(sandbox.connection(), cache_ttl=0) as client:
        sandbox.state.reset_next("cma", count=2)
        assert len((await call_ok(client, "list_stacks"))["stacks"]) == len(data.MAIN_ORG_STACK_API_KEYS)
        sandbox.state.reset_next("cma", count=3)
        message = await call_error(client, "list_stacks")
    assert message == "Contentstack's CMS Management API dropped the connection (3 attempts); try again shortly."


async def test_a_truncated_body_is_retried_and_invalid_json_is_one_sentence(sandbox: Sandbox) -> None:
    async with tool_client(sandbox.connection(), cache_ttl=0) as client:
        sandbox.state.truncate_next("cma")
        assert len((await call_ok(client, "list_stacks"))["stacks"]) == len(data.MAIN_ORG_STACK_API_KEYS)
        sandbox.state.invalid_json_next("cma")
        message = await call_error(client, "list_stacks")
    assert message == (
        "Contentstack's CMS Management API returned a response that is not valid JSON (HTTP 200); try again shortly."
    )


# ---- cancellation --------------------------------------------------------------------------------


async def test_a_cancelled_tool_call_cancels_its_upstream_request(sandbox: Sandbox) -> None:
    """The sandbox sees the request start; the client cancels; the server stops waiting at once,
    its connection is not left in use, and no task outlives the call."""
    sandbox.state.set_slow("personalize", seconds=1.5)  # headers at once, body held back
    http = http_for(sandbox.connection())
    actions = Lookups(PersonalizeAPI(http), CMSAPI(http), credentials=http.credentials)
    try:
        async with Client(build_server(actions)) as client:
            await client.list_tools()
            tasks_before = set(asyncio.all_tasks())
            async with anyio.create_task_group() as group:
                group.start_soon(client.call_tool, "get_all_experiences", {"project_uid": WEB})
                await wait_for(lambda: any(r.path == "/experiences" for r in sandbox.state.request_log()))
                assert http.in_flight == 1 and busy_connections(http) == 1
                cancelled = anyio.current_time()
                group.cancel_scope.cancel()
            await wait_for(lambda: http.in_flight == 0, within=1)  # the server got notifications/cancelled
            assert anyio.current_time() - cancelled < 0.5  # not the 1.5 s the body would take
            assert busy_connections(http) == 0
            assert http.limiter.in_flight(http.limit_key(Api.PERSONALIZE)) == 0
            await wait_for(lambda: set(asyncio.all_tasks()) <= tasks_before, within=1)
            # The server still answers afterwards.
            sandbox.state.set_slow("personalize", enabled=False)
            assert len((await call_ok(client, "get_all_experiences", {"project_uid": WEB}))["experiences"]) == 6
    finally:
        await http.aclose()


# ---- the lookup cache ---------------------------------------------------------------------------


@pytest.mark.parametrize("cache_ttl", [30.0, 0.0])
async def test_concurrent_identical_lookups_share_one_upstream_request(sandbox: Sandbox, cache_ttl: float) -> None:
    sandbox.state.set_latency("personalize", 50)  # all fifty are waiting at once
    calls = [("get_all_audiences", {"project_uid": WEB})] * 50
    async with tool_client(sandbox.connection(), cache_ttl=cache_ttl) as client:
        results = await call_many(client, calls)
        assert len({text_of(r) for r in results}) == 1 and not results[0].is_error
        assert Counter(r.path for r in sandbox.state.request_log()) == {"/audiences": 1, "/attributes": 1}
        await call_ok(client, "get_all_audiences", {"project_uid": WEB})  # after the burst
    expected = 1 if cache_ttl else 2
    assert Counter(r.path for r in sandbox.state.request_log()) == {"/audiences": expected, "/attributes": expected}


async def test_one_cache_never_hands_an_account_another_accounts_data(sandbox: Sandbox) -> None:
    shared = TTLCache(30)
    northwind = http_for(sandbox.connection(account_name="northwind"))
    contoso = http_for(
        sandbox.connection(
            account_name="contoso", token=SANDBOX_SECOND_ORG_ACCESS_TOKEN, organization_uid=data.SECOND_ORG_UID
        )
    )
    try:
        first, second = (
            Lookups(PersonalizeAPI(h), CMSAPI(h), credentials=h.credentials, cache=shared) for h in (northwind, contoso)
        )
        assert {p.uid for p in await first.projects()} == set(data.MAIN_ORG_PROJECT_UIDS)
        assert {p.uid for p in await second.projects()} == {data.SECOND_ORG_PROJECT_UID}
        assert {s.api_key for s in await second.stacks()} == {data.SECOND_STACK_API_KEY}
        assert len(await first.stacks()) == len(data.MAIN_ORG_STACK_API_KEYS)
    finally:
        await northwind.aclose()
        await contoso.aclose()


async def test_an_api_without_attributes_is_asked_once_and_rules_keep_uids(sandbox: Sandbox) -> None:
    sandbox.state.serve_attributes = False  # 404, as an API built from contentstack-api.md alone
    async with tool_client(sandbox.connection(), cache_ttl=0.0) as client:
        for _ in range(3):
            result = await call_ok(
                client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.BUDGET_SHOPPERS_AUDIENCE_UID}
            )
            uid = data.AVERAGE_ORDER_VALUE_ATTRIBUTE_UID
            assert result["audience"]["rules"] == f'custom attribute "{uid}" is less than 50'
    log = sandbox.state.request_log()
    assert Counter(r.path for r in log) == {"/audiences": 3, "/attributes": 1}
    assert [r.status for r in log if r.path == "/attributes"] == [404]


async def test_an_unknown_project_does_not_hide_another_projects_attribute_names(sandbox: Sandbox) -> None:
    async with tool_client(sandbox.connection(), cache_ttl=0.0) as client:
        await call_error(client, "get_all_audiences", {"project_uid": "6650b8f1a3c94e2d17ffffff"})
        result = await call_ok(
            client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.BUDGET_SHOPPERS_AUDIENCE_UID}
        )
    assert result["audience"]["rules"] == 'custom attribute "Average order value" is less than 50'


async def test_a_passing_attributes_failure_is_asked_again(sandbox: Sandbox) -> None:
    connection = sandbox.connection()
    async with open_lookups(connection, cache_ttl=0.0, retry=RetryPolicy(max_attempts=1)) as actions:
        sandbox.state.fail_next("personalize", status=503)
        assert await actions.attribute_names(WEB) == {}  # a 503 may pass: not remembered
        names = await actions.attribute_names(WEB)
    assert names[data.AVERAGE_ORDER_VALUE_ATTRIBUTE_UID] == "Average order value"
    assert [r.status for r in sandbox.state.request_log()] == [503, 200]
