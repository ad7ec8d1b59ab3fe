"""Load: fifty concurrent tool calls against Contentstack's real rate limit never draw a 429, and
identical lookups made at the same moment share one upstream request."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import call_ok, text_of

from .support import busiest_second, mcp_client

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
GROUPS = [
    data.HERO_VARIANT_GROUP_UID,
    data.PROMO_VARIANT_GROUP_UID,
    data.CHECKOUT_VARIANT_GROUP_UID,
    data.LYTICS_VARIANT_GROUP_UID,
    data.PRICING_VARIANT_GROUP_UID,
]


def fifty_calls() -> list[tuple[str, dict[str, Any]]]:
    """What a busy assistant (or several users of one HTTP server) asks at once: every kind of call."""
    calls: list[tuple[str, dict[str, Any]]] = [("list_projects", {}), ("list_stacks", {})] * 2
    calls += [("get_all_audiences", {"project_uid": p}) for p in (WEB, MOBILE)] * 2
    calls += [("get_all_experiences", {"project_uid": p}) for p in (WEB, MOBILE)] * 2
    calls += [("get_single_experience", {"project_uid": WEB, "experience_uid": e}) for e in WEB_EXPERIENCES]
    calls += [("get_all_versions", {"project_uid": WEB, "experience_uid": e}) for e in WEB_EXPERIENCES]
    calls += [("get_single_audience", {"project_uid": WEB, "audience_uid": data.AUSTRALIA_AUDIENCE_UID})] * 3
    calls += [("list_variant_groups", {"stack_api_key": STACK})] * 3
    calls += [("list_variants", {"stack_api_key": STACK, "variant_group_uid": g}) for g in GROUPS]
    variant = {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID}
    calls += [
        ("get_variant_audiences", {**variant, "variant_uid": v})
        for v in (data.HERO_AUSTRALIA_VARIANT_UID, data.HERO_MOBILE_VARIANT_UID)
    ] * 2
    calls += [("get_variant_audiences", {**variant, "variant_uid": data.HERO_MOBILE_VARIANT_UID, "draft": True})] * 2
    calls += [("list_projects", {})] * (50 - len(calls))
    assert len(calls) == 50
    return calls


async def test_fifty_concurrent_tool_calls_never_draw_a_429(limited: Sandbox) -> None:
    limited.state.set_latency("all", 20)
    failures: list[str] = []
    async with mcp_client(limited.connection()) as (client, _):

        async def one(tool: str, arguments: dict[str, Any]) -> None:
            result = await client.call_tool(tool, arguments)
            if result.is_error:
                failures.append(f"{tool}: {text_of(result)}")

        async with anyio.create_task_group() as group:
            for tool, arguments in fifty_calls():
                group.start_soon(one, tool, arguments)
    assert failures == []
    log = limited.state.request_log()
    assert [r for r in log if r.status == 429] == []
    busiest = busiest_second(log)
    assert max(busiest.values()) <= 10, busiest
    assert busiest[(data.MAIN_ORG_UID, "personalize")] == 10  # the budget is used, not only respected


async def test_concurrent_identical_lookups_share_one_upstream_request(sandbox: Sandbox) -> None:
    sandbox.state.set_latency("all", 50)
    async with mcp_client(sandbox.connection(), cache_ttl=0) as (client, _):  # no caching: single-flight only
        answers: list[dict[str, Any]] = []

        async def one() -> None:
            answers.append(await call_ok(client, "get_all_audiences", {"project_uid": WEB}))

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(one)
    assert len(answers) == 20 and all(a == answers[0] for a in answers)
    paths = [r.path for r in sandbox.state.request_log()]
    assert sorted(paths) == ["/attributes", "/audiences"]


@pytest.mark.parametrize(("cache_ttl", "requests"), [(30.0, 1), (0.0, 2)], ids=["cached", "no-cache"])
async def test_lookups_are_cached_for_the_ttl(sandbox: Sandbox, cache_ttl: float, requests: int) -> None:
    async with mcp_client(sandbox.connection(), cache_ttl=cache_ttl) as (client, _):
        first = await call_ok(client, "list_variant_groups", {"stack_api_key": STACK})
        assert await call_ok(client, "list_variant_groups", {"stack_api_key": STACK}) == first
    assert [r.path for r in sandbox.state.request_log()].count("/v3/variant_groups") == requests
