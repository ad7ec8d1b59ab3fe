"""Answers that fit any account: paging laws, filters, the size budget, bad list arguments, resources.

Through the MCP client in both protocol eras, against the sandbox served on loopback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp_types import PromptReference, TextResourceContents

from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.generated import GeneratedAccount, ScaleSpec
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok, text_of
from tests.resilience.support import tool_client

pytestmark = pytest.mark.anyio

WEB, STACK, BIG = data.WEB_PROJECT_UID, data.MAIN_STACK_API_KEY, data.BIG_STACK_API_KEY
BUDGET = 32 * 1024

LISTS: dict[str, tuple[dict[str, Any], str, str]] = {
    # tool: (arguments, items key, key field)
    "list_projects": ({}, "projects", "uid"),
    "get_all_audiences": ({"project_uid": WEB}, "audiences", "uid"),
    "get_all_experiences": ({"project_uid": WEB}, "experiences", "uid"),
    "list_stacks": ({}, "stacks", "api_key"),
    "list_variant_groups": ({"stack_api_key": BIG}, "variant_groups", "uid"),
    "list_variants": ({"stack_api_key": BIG, "variant_group_uid": data.BIG_VARIANT_GROUP_UID}, "variants", "uid"),
}


async def walk(client: Client, tool: str, arguments: dict[str, Any], key: str) -> tuple[list[Any], list[int]]:
    """Every page of a listing: the items in order, and each page's `total`."""
    items: list[Any] = []
    totals: list[int] = []
    cursor: str | None = None
    for _ in range(1000):
        page = await call_ok(client, tool, {**arguments, **({"cursor": cursor} if cursor else {})})
        items.extend(page[key])
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            assert "note" not in page or len(items) > len(page[key])  # a last page after others may say so
            return items, totals
        assert page["note"] and "cursor" in page["note"]
    raise AssertionError("the cursors never ended")


LARGE = ScaleSpec.of(
    60,
    audiences=1100,
    experiences=300,
    variant_groups=500,
    catalog_groups=20,
    big_group_variants=1200,
    broad_audiences=1000,
    extra_projects=0,
)
"""Test-sized (the scale benchmark goes to thousands): every default answer would blow the budget
without paging, and a variant targets 400 of the 1,000 audiences its experience uses."""


@pytest.fixture
def large(sandbox: Sandbox) -> GeneratedAccount:
    return sandbox.state.load_generated(LARGE)


@pytest.fixture
async def fast_client(sandbox: Sandbox) -> AsyncIterator[Client]:
    async with tool_client(sandbox.connection(), rate_limit=RateLimit(requests=10_000)) as client:
        yield client


QUERIES = ["", "a", "e", "group 1", "VARIANT", "zz-none", "Australia", "6651", "cs"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tool=st.sampled_from(sorted(LISTS)), limit=st.integers(min_value=1, max_value=60), query=st.sampled_from(QUERIES)
)
async def test_paging_laws(fast_client: Client, tool: str, limit: int, query: str) -> None:
    """Every matching item exactly once, in key order, `total` right on every page, the last cursor null."""
    arguments, key, field = LISTS[tool]
    everything = (await call_ok(fast_client, tool, {**arguments, "limit": 500}))[key]
    expected = [
        item
        for item in everything
        if not query
        or any(
            query.casefold() in str(item.get(f) or "").casefold()
            for f in ("name", "uid", "api_key", "alias", "short_uid")
        )
    ]
    items, totals = await walk(
        fast_client, tool, {**arguments, "limit": limit, **({"query": query} if query else {})}, key
    )
    keys = [item[field] for item in items]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert items == expected
    assert set(totals) == {len(expected)}


async def test_pages_stay_put_when_the_upstream_list_changes_between_them(client: Client, sandbox: Sandbox) -> None:
    """Keyset paging: an item present for the whole walk comes once; one added behind the cursor never."""
    arguments = {"stack_api_key": BIG, "limit": 40}
    first = await call_ok(client, "list_variant_groups", arguments)
    seen = [g["uid"] for g in first["variant_groups"]]
    with sandbox.state.lock:
        groups = sandbox.state.data.variant_groups[BIG]
        groups.insert(0, {**groups[0], "uid": "cs0000000000added"})  # sorts before every page so far
        groups.remove(max(groups, key=lambda g: g["uid"]))  # one not yet seen goes away
    # A fresh server process sees the change at once (this client's cache would hide it for 30 s).
    async with tool_client(sandbox.connection()) as fresh:
        rest, _ = await walk(
            fresh, "list_variant_groups", {**arguments, "cursor": first["next_cursor"]}, "variant_groups"
        )
    uids = seen + [g["uid"] for g in rest]
    assert len(uids) == len(set(uids)) == data.BIG_STACK_GROUP_COUNT - 1
    assert "cs0000000000added" not in uids


async def test_experiences_filter_by_status_and_type(client: Client) -> None:
    active = await call_ok(client, "get_all_experiences", {"project_uid": WEB, "status": "active"})
    assert {e["uid"] for e in active["experiences"]} == {
        data.HERO_EXPERIENCE_UID,
        data.LYTICS_EXPERIENCE_UID,
        data.PRICING_AB_EXPERIENCE_UID,
    }
    assert active["total"] == 3
    ab = await call_ok(client, "get_all_experiences", {"project_uid": WEB, "type": "AB_TEST"})
    assert {e["uid"] for e in ab["experiences"]} == {data.PRICING_AB_EXPERIENCE_UID, data.FOOTER_AB_EXPERIENCE_UID}
    both = await call_ok(client, "get_all_experiences", {"project_uid": WEB, "type": "AB_TEST", "status": "ARCHIVED"})
    assert [e["uid"] for e in both["experiences"]] == [data.FOOTER_AB_EXPERIENCE_UID]
    message = await call_error(client, "get_all_experiences", {"project_uid": WEB, "status": "LIVE"})
    assert "ACTIVE, DRAFT, PAUSED, ARCHIVED" in message


async def test_query_matches_names_and_uids_case_insensitively(client: Client) -> None:
    by_name = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "query": "australian"})
    assert [a["uid"] for a in by_name["audiences"]] == [data.AUSTRALIA_AUDIENCE_UID]
    by_uid = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "query": data.SYDNEY_AUDIENCE_UID[-6:]})
    assert [a["uid"] for a in by_uid["audiences"]] == [data.SYDNEY_AUDIENCE_UID]
    none = await call_ok(client, "list_stacks", {"query": "no such stack"})
    assert none["stacks"] == [] and none["total"] == 0 and none["next_cursor"] is None


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"limit": 0}, "limit must be a whole number from 1 to 500"),
        ({"limit": 501}, "limit must be a whole number from 1 to 500"),
        ({"limit": "ten"}, "limit must be a whole number"),
        ({"cursor": "not-a-cursor"}, "cursor is not one this server gave out"),
        ({"cursor": "eyJ2IjoxfQ.deadbeef"}, "cursor is not one this server gave out"),
        ({"query": "x" * 201}, "query is 201 characters long"),
    ],
)
async def test_bad_list_arguments_are_one_sentence(client: Client, arguments: dict[str, Any], says: str) -> None:
    message = await call_error(client, "list_variant_groups", {"stack_api_key": BIG, **arguments})
    assert says in message


async def test_a_cursor_from_another_listing_is_refused(client: Client) -> None:
    page = await call_ok(client, "list_variant_groups", {"stack_api_key": BIG, "limit": 5})
    cursor = page["next_cursor"]
    tampered = cursor[:-1] + ("0" if cursor[-1] != "0" else "1")
    assert "not one this server gave out" in await call_error(
        client, "list_variant_groups", {"stack_api_key": BIG, "limit": 5, "cursor": tampered}
    )
    other = await call_error(client, "list_variant_groups", {"stack_api_key": BIG, "query": "group", "cursor": cursor})
    assert "another listing" in other
    elsewhere = await call_error(
        client,
        "list_variants",
        {"stack_api_key": BIG, "variant_group_uid": data.BIG_VARIANT_GROUP_UID, "cursor": cursor},
    )
    assert "another listing" in elsewhere


async def test_every_default_answer_fits_the_budget_on_a_large_account(
    fast_client: Client, large: GeneratedAccount
) -> None:
    ids = large.notable
    project, stack, big = ids["project_uid"], ids["stack_api_key"], ids["big_stack_api_key"]
    calls = {
        "list_projects": {},
        "get_all_audiences": {"project_uid": project},
        "get_all_experiences": {"project_uid": project},
        "get_all_versions": {"project_uid": project, "experience_uid": ids["broad_experience_uid"]},
        "get_variant_audiences": {
            "stack_api_key": stack,
            "variant_group_uid": ids["broad_variant_group_uid"],
            "variant_uid": ids["broad_variant_uid"],
        },
        "list_stacks": {},
        "list_variant_groups": {"stack_api_key": stack},
        "list_variants": {"stack_api_key": big, "variant_group_uid": ids["big_variant_group_uid"]},
    }
    for tool, arguments in calls.items():
        result = await fast_client.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        assert len(text_of(result).encode()) <= BUDGET, (tool, len(text_of(result)))
    audiences = await call_ok(fast_client, "get_all_audiences", calls["get_all_audiences"])
    assert audiences["total"] == 1100 and audiences["next_cursor"] and "of 1100 matching" in audiences["note"]
    variants = await call_ok(fast_client, "list_variants", calls["list_variants"])
    assert variants["total"] == 1200 and len(variants["variants"]) == 50
    # An explicit limit may ask for more, still bounded.
    many = await fast_client.call_tool("get_all_audiences", {"project_uid": project, "limit": 500})
    assert 2 * BUDGET < len(text_of(many).encode()) <= 256 * 1024


async def test_versions_of_an_experience_targeting_a_thousand_audiences(
    fast_client: Client, large: GeneratedAccount
) -> None:
    arguments = {"project_uid": large.notable["project_uid"], "experience_uid": large.notable["broad_experience_uid"]}
    first = await call_ok(fast_client, "get_all_versions", arguments)
    assert first["experience_name"]
    active = next(v for v in first["versions"] if v["status"] == "ACTIVE")
    counts = [v["audience_count"] for v in active["variants"]]
    assert counts == [400, 200, 200, 200]
    assert all(len(v["audience_uids"]) < v["audience_count"] for v in active["variants"])
    assert "audience_count has the full number" in first["note"]
    pairs: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = await call_ok(fast_client, "get_all_versions", {**arguments, **({"cursor": cursor} if cursor else {})})
        assert page["total"] == sum(counts)
        pairs += [(v["short_uid"], a["uid"]) for v in page["audiences_version"]["variants"] for a in v["audiences"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(pairs) == len(set(pairs)) == sum(counts)
    shorts = [v["short_uid"] for v in active["variants"]]
    assert [short for short, _ in pairs] == [short for short, n in zip(shorts, counts, strict=True) for _ in range(n)]


async def test_resources_give_the_first_page_and_say_how_to_get_the_rest(
    fast_client: Client, large: GeneratedAccount
) -> None:
    project = large.notable["project_uid"]
    contents = (await fast_client.read_resource(f"personalize://projects/{project}/audiences")).contents[0]
    assert isinstance(contents, TextResourceContents)
    assert len(contents.text.encode()) <= BUDGET
    page = json.loads(contents.text)
    assert page == await call_ok(fast_client, "get_all_audiences", {"project_uid": project})
    assert page["total"] == 1100 and "call get_all_audiences again" in page["note"]


async def test_long_cms_walks_report_progress(sandbox: Sandbox, large: GeneratedAccount) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    async with tool_client(sandbox.connection(), rate_limit=RateLimit(requests=10_000)) as client:
        result = await client.call_tool(
            "list_variants",
            {
                "stack_api_key": large.notable["big_stack_api_key"],
                "variant_group_uid": large.notable["big_variant_group_uid"],
            },
            progress_callback=on_progress,
        )
    assert not result.is_error
    assert seen and max(seen) == (12, 12) and all(total == 12 for _, total in seen)


async def test_completion_in_a_huge_group_offers_what_was_read_in_time(
    fast_client: Client, sandbox: Sandbox, large: GeneratedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk longer than the completion's time limit still offers the variants read by then, never nothing."""
    from personalize_mcp.mcp_server import completions

    monkeypatch.setattr(completions, "COMPLETION_TIMEOUT", 0.6)
    sandbox.state.set_latency("cma", 400)  # the first page comes at 0.4 s, the other eleven after 0.8 s
    # The explain_variant_audiences prompt's variant_uid argument completes from the chosen group.
    prompt = PromptReference(type="ref/prompt", name="explain_variant_audiences")
    context = {
        "stack_api_key": large.notable["big_stack_api_key"],
        "variant_group_uid": large.notable["big_variant_group_uid"],
    }
    result = await fast_client.complete(prompt, {"name": "variant_uid", "value": ""}, context)
    values = result.completion.values
    assert values and all(v.startswith("cs") for v in values)
    assert len(values) <= 100
