"""Every tool through a real MCP client (both protocol eras), our server talking HTTP to the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from personalize_mcp.sandbox import data
from tests.helpers import CONTRACT_TOOLS, call_error, call_ok

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID
STACK = data.MAIN_STACK_API_KEY


async def test_tools_list_has_the_contract_tools_with_their_titles_and_hints(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {name: tool.title for name, tool in tools.items()} == CONTRACT_TOOLS
    for tool in tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.open_world_hint is True
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        assert tool.description and len(tool.description) > 60


async def test_list_projects_lists_the_organisations_projects(client: Client) -> None:
    projects = (await call_ok(client, "list_projects"))["projects"]
    by_uid = {p["uid"]: p for p in projects}
    assert set(by_uid) == set(data.MAIN_ORG_PROJECT_UIDS)
    assert by_uid[WEB]["name"] == "Web"
    assert by_uid[WEB]["connected_stack_api_key"] == STACK
    assert data.SECOND_ORG_PROJECT_UID not in by_uid


async def test_get_all_audiences_renders_rules_and_sources(client: Client) -> None:
    result = await call_ok(client, "get_all_audiences", {"project_uid": WEB})
    assert result["project_uid"] == WEB
    audiences = {a["uid"]: a for a in result["audiences"]}
    assert len(audiences) == 14
    assert audiences[data.AUSTRALIA_AUDIENCE_UID]["rules"] == 'country equals "AU"'
    assert audiences[data.NON_US_AUDIENCE_UID]["rules"] == 'country does not equal "US"'
    assert audiences[data.EMPTY_AUDIENCE_UID]["rules"] == "everyone (no rules)"
    assert audiences[data.LYTICS_AUDIENCE_UID]["source"] == "LYTICS"
    eu = audiences[data.EU_DESKTOP_AUDIENCE_UID]["rules"]
    assert eu.startswith('(country equals "DE" OR country equals "FR" OR (country equals "NL" AND region equals')
    assert 'device type equals "DESKTOP"' in eu and ") AND (" in eu
    for audience in audiences.values():
        assert set(audience) >= {"uid", "name", "description", "source", "rules"}


async def test_get_all_audiences_limited_to_selected_uids_keeps_their_order(client: Client) -> None:
    chosen = [data.SYDNEY_AUDIENCE_UID, data.AUSTRALIA_AUDIENCE_UID]
    result = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "audience_uids": chosen})
    assert [a["uid"] for a in result["audiences"]] == chosen


async def test_get_all_audiences_with_unknown_uid_names_it(client: Client) -> None:
    message = await call_error(
        client, "get_all_audiences", {"project_uid": WEB, "audience_uids": [data.AUSTRALIA_AUDIENCE_UID, "nope123"]}
    )
    assert "nope123" in message and "get_all_audiences" in message
    assert data.AUSTRALIA_AUDIENCE_UID not in message


async def test_get_single_audience(client: Client) -> None:
    result = await call_ok(
        client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.RETURNING_CUSTOMERS_AUDIENCE_UID}
    )
    audience = result["audience"]
    assert audience["uid"] == data.RETURNING_CUSTOMERS_AUDIENCE_UID
    assert " AND (" in audience["rules"] and " OR " in audience["rules"]
    assert "custom attribute" in audience["rules"]


async def test_get_single_audience_not_found(client: Client) -> None:
    message = await call_error(client, "get_single_audience", {"project_uid": WEB, "audience_uid": "0" * 24})
    assert "0" * 24 in message and "get_all_audiences" in message


async def test_get_all_experiences(client: Client) -> None:
    result = await call_ok(client, "get_all_experiences", {"project_uid": WEB})
    experiences = {e["uid"]: e for e in result["experiences"]}
    assert len(experiences) == 6
    hero = experiences[data.HERO_EXPERIENCE_UID]
    assert hero["type"] == "SEGMENTED"
    assert hero["status"] == "ACTIVE"
    assert hero["short_uid"] == "0"
    assert hero["variant_group_uid"] == data.HERO_VARIANT_GROUP_UID
    assert hero["cms_variant_uids"]["0"] == data.HERO_AUSTRALIA_VARIANT_UID
    assert data.AUSTRALIA_AUDIENCE_UID in hero["audience_uids"]
    assert hero["latest_version_uid"]
    assert experiences[data.PRICING_AB_EXPERIENCE_UID]["type"] == "AB_TEST"
    assert experiences[data.FOOTER_AB_EXPERIENCE_UID]["variant_group_uid"] is None
    for experience in experiences.values():
        assert set(experience) >= {
            "uid", "name", "description", "type", "status", "short_uid",
            "latest_version_uid", "audience_uids", "variant_group_uid",
        }  # fmt: skip


async def test_get_single_experience(client: Client) -> None:
    result = await call_ok(
        client, "get_single_experience", {"project_uid": WEB, "experience_uid": data.LYTICS_EXPERIENCE_UID}
    )
    assert result["project_uid"] == WEB
    assert result["experience"]["uid"] == data.LYTICS_EXPERIENCE_UID
    assert result["experience"]["variant_group_uid"] == data.LYTICS_VARIANT_GROUP_UID


async def test_get_single_experience_not_found(client: Client) -> None:
    message = await call_error(client, "get_single_experience", {"project_uid": WEB, "experience_uid": "f" * 24})
    assert "f" * 24 in message and "get_all_experiences" in message


async def test_get_all_versions_resolves_the_active_versions_audiences(client: Client) -> None:
    result = await call_ok(client, "get_all_versions", {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID})
    statuses = {v["uid"]: v["status"] for v in result["versions"]}
    assert statuses == {
        data.HERO_ACTIVE_VERSION_UID: "ACTIVE",
        data.HERO_DRAFT_VERSION_UID: "DRAFT",
        data.HERO_ARCHIVED_VERSION_UID: "ARCHIVED",
    }
    resolved = result["audiences_version"]
    assert resolved["uid"] == data.HERO_ACTIVE_VERSION_UID and resolved["status"] == "ACTIVE"
    by_short = {v["short_uid"]: v for v in resolved["variants"]}
    assert [a["uid"] for a in by_short["0"]["audiences"]] == [data.AUSTRALIA_AUDIENCE_UID]
    assert by_short["0"]["audiences"][0]["rules"] == 'country equals "AU"'
    assert [a["uid"] for a in by_short["1"]["audiences"]] == [
        data.MOBILE_VISITORS_AUDIENCE_UID,
        data.RETURNING_CUSTOMERS_AUDIENCE_UID,
    ]
    assert by_short["1"]["audience_combination"] == "AND"
    assert "note" not in result  # every resolved audience is on this page: nothing extra to say
    assert result["total"] == 3 and result["next_cursor"] is None
    assert result["experience_name"] == "Homepage hero"


async def test_get_all_versions_draft_audiences_differ_from_active(client: Client) -> None:
    result = await call_ok(
        client,
        "get_all_versions",
        {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID, "audiences_of": "draft"},
    )
    resolved = result["audiences_version"]
    assert resolved["uid"] == data.HERO_DRAFT_VERSION_UID and resolved["status"] == "DRAFT"
    by_short = {v["short_uid"]: [a["uid"] for a in v["audiences"]] for v in resolved["variants"]}
    assert by_short == {"0": [data.SYDNEY_AUDIENCE_UID], "1": [data.NEWSLETTER_AUDIENCE_UID]}


async def test_get_all_versions_without_active_version_says_what_to_try(client: Client) -> None:
    result = await call_ok(
        client, "get_all_versions", {"project_uid": WEB, "experience_uid": data.PROMO_EXPERIENCE_UID}
    )
    assert [v["status"] for v in result["versions"]] == ["DRAFT"]
    assert result["audiences_version"] is None
    assert "DRAFT" in result["note"] and "audiences_of='draft'" in result["note"]


async def test_get_all_versions_ab_test_gives_traffic_split(client: Client) -> None:
    result = await call_ok(
        client, "get_all_versions", {"project_uid": WEB, "experience_uid": data.PRICING_AB_EXPERIENCE_UID}
    )
    variants = result["audiences_version"]["variants"]
    assert [(v["type"], v["traffic_distribution"]) for v in variants] == [
        ("AB_TEST", 50),
        ("AB_TEST", 30),
        ("AB_TEST", 20),
    ]
    assert all(v["audiences"] == [] for v in variants)


async def test_get_all_versions_rejects_unknown_audiences_of(client: Client) -> None:
    message = await call_error(
        client,
        "get_all_versions",
        {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID, "audiences_of": "live"},
    )
    assert "audiences_of" in message and "'active'" in message and "'draft'" in message


async def test_get_all_versions_of_unknown_experience(client: Client) -> None:
    message = await call_error(client, "get_all_versions", {"project_uid": WEB, "experience_uid": "a" * 24})
    assert "a" * 24 in message and "get_all_experiences" in message


async def test_get_variant_audiences_active(client: Client) -> None:
    arguments = {
        "stack_api_key": STACK,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
    }
    result = await call_ok(client, "get_variant_audiences", arguments)
    assert result["project_uid"] == WEB
    assert result["experience_uid"] == data.HERO_EXPERIENCE_UID
    assert result["version"] == {"uid": data.HERO_ACTIVE_VERSION_UID, "status": "ACTIVE"}
    assert result["variant"]["short_uid"] == "0"
    assert [a["uid"] for a in result["audiences"]] == [data.AUSTRALIA_AUDIENCE_UID]
    assert result["audiences"][0]["rules"] == 'country equals "AU"'
    assert {k: result[k] for k in ("stack_api_key", "variant_group_uid", "variant_uid")} == arguments


async def test_get_variant_audiences_draft(client: Client) -> None:
    result = await call_ok(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
            "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
            "draft": True,
        },
    )
    assert result["version"] == {"uid": data.HERO_DRAFT_VERSION_UID, "status": "DRAFT"}
    assert [a["uid"] for a in result["audiences"]] == [data.SYDNEY_AUDIENCE_UID]


async def test_get_variant_audiences_includes_lytics_audiences(client: Client) -> None:
    result = await call_ok(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.LYTICS_VARIANT_GROUP_UID,
            "variant_uid": data.LYTICS_HIGH_INTENT_VARIANT_UID,
        },
    )
    assert [a["uid"] for a in result["audiences"]] == [data.EU_DESKTOP_AUDIENCE_UID, data.LYTICS_AUDIENCE_UID]
    assert result["audiences"][1]["source"] == "LYTICS"
    assert result["audience_combination"] == "AND"


async def test_get_variant_audiences_without_active_version(client: Client) -> None:
    arguments = {
        "stack_api_key": STACK,
        "variant_group_uid": data.PROMO_VARIANT_GROUP_UID,
        "variant_uid": data.PROMO_SUMMER_VARIANT_UID,
    }
    message = await call_error(client, "get_variant_audiences", arguments)
    assert "no ACTIVE version" in message and "DRAFT" in message and "draft=true" in message
    drafted = await call_ok(client, "get_variant_audiences", {**arguments, "draft": True})
    assert [a["uid"] for a in drafted["audiences"]] == [data.CAMPAIGN_VISITORS_AUDIENCE_UID]


async def test_get_variant_audiences_paused_only(client: Client) -> None:
    message = await call_error(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.CHECKOUT_VARIANT_GROUP_UID,
            "variant_uid": data.CHECKOUT_LOYAL_VARIANT_UID,
            "draft": True,
        },
    )
    assert "no DRAFT version" in message and "PAUSED" in message


async def test_get_variant_audiences_of_ab_test_variant_gives_traffic_share(client: Client) -> None:
    """Who sees an A/B variant has a true answer (nobody is targeted; a share of traffic gets it), so it is
    not an error: a model reads isError as a failure to retry."""
    result = await call_ok(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.PRICING_VARIANT_GROUP_UID,
            "variant_uid": data.PRICING_ANNUAL_VARIANT_UID,
        },
    )
    assert result["audiences"] == [] and result["total"] == 0
    assert result["experience_type"] == "AB_TEST" and result["traffic_distribution"] == 30
    assert result["variant"] == {"short_uid": "1", "name": "Annual plan first"}
    assert result["audience_combination"] is None
    assert "A/B test" in result["note"] and "30%" in result["note"]


async def test_get_variant_audiences_of_segmented_variant_says_so(client: Client) -> None:
    result = await call_ok(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
            "variant_uid": data.HERO_MOBILE_VARIANT_UID,
        },
    )
    assert result["experience_type"] == "SEGMENTED" and result["traffic_distribution"] is None
    assert result["total"] == len(result["audiences"]) == 2


async def test_get_variant_audiences_of_plain_variant_group(client: Client) -> None:
    message = await call_error(
        client,
        "get_variant_audiences",
        {
            "stack_api_key": STACK,
            "variant_group_uid": data.PLAIN_VARIANT_GROUP_UID,
            "variant_uid": data.PLAIN_VARIANT_UID,
        },
    )
    assert "plain CMS variant group" in message and "list_variant_groups" in message


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"variant_uid": "csfffffffffffffff0"}, "list_variants"),
        ({"variant_group_uid": "cseffffffffffffff0"}, "list_variant_groups"),
        ({"stack_api_key": "bltffffffffffffff00"}, "list_stacks"),
    ],
)
async def test_get_variant_audiences_unknown_ids_point_to_the_right_list(
    client: Client, arguments: dict[str, str], expected: str
) -> None:
    base = {
        "stack_api_key": STACK,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
    }
    message = await call_error(client, "get_variant_audiences", {**base, **arguments})
    assert expected in message
    assert next(iter(arguments.values())) in message


async def test_list_stacks_only_the_accounts_organisation(client: Client) -> None:
    stacks = {s["api_key"]: s for s in (await call_ok(client, "list_stacks"))["stacks"]}
    assert set(stacks) == set(data.MAIN_ORG_STACK_API_KEYS)
    assert stacks[STACK]["name"] == "Website"


async def test_list_variant_groups_marks_plain_groups(client: Client) -> None:
    result = await call_ok(client, "list_variant_groups", {"stack_api_key": STACK})
    groups = {g["uid"]: g for g in result["variant_groups"]}
    assert groups[data.PLAIN_VARIANT_GROUP_UID]["experience_uid"] is None
    assert groups[data.HERO_VARIANT_GROUP_UID]["experience_uid"] == data.HERO_EXPERIENCE_UID
    assert groups[data.HERO_VARIANT_GROUP_UID]["project_uid"] == WEB


async def walk(client: Client, tool: str, arguments: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor to the last page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await call_ok(client, tool, {**arguments, **({"cursor": cursor} if cursor else {})})
        items.extend(page[key])
        cursor = page["next_cursor"]
        if cursor is None:
            assert page["total"] == len(items)
            return items


async def test_list_variant_groups_follows_upstream_pages_to_the_end(client: Client) -> None:
    first = await call_ok(client, "list_variant_groups", {"stack_api_key": data.BIG_STACK_API_KEY})
    assert first["total"] == data.BIG_STACK_GROUP_COUNT and len(first["variant_groups"]) == 50
    groups = await walk(client, "list_variant_groups", {"stack_api_key": data.BIG_STACK_API_KEY}, "variant_groups")
    uids = [g["uid"] for g in groups]
    assert len(uids) == data.BIG_STACK_GROUP_COUNT == len(set(uids)) and uids == sorted(uids)


async def test_list_variants_follows_upstream_pages_to_the_end(client: Client) -> None:
    arguments = {"stack_api_key": data.BIG_STACK_API_KEY, "variant_group_uid": data.BIG_VARIANT_GROUP_UID}
    uids = [v["uid"] for v in await walk(client, "list_variants", {**arguments, "limit": 500}, "variants")]
    assert len(uids) == data.BIG_VARIANT_COUNT == len(set(uids))


async def test_list_variants_of_plain_group_with_user_chosen_uids(client: Client) -> None:
    result = await call_ok(
        client, "list_variants", {"stack_api_key": STACK, "variant_group_uid": data.PLAIN_VARIANT_GROUP_UID}
    )
    assert [v["uid"] for v in result["variants"]] == sorted(data.PLAIN_VARIANT_UIDS)


async def test_list_variants_of_unknown_group(client: Client) -> None:
    message = await call_error(client, "list_variants", {"stack_api_key": STACK, "variant_group_uid": "cs_missing"})
    assert "cs_missing" in message and "list_variant_groups" in message


async def test_list_variant_groups_of_unknown_stack(client: Client) -> None:
    message = await call_error(client, "list_variant_groups", {"stack_api_key": "blt0000000000000000"})
    assert "list_stacks" in message


async def test_project_uid_is_required_when_the_organisation_has_several(client: Client) -> None:
    message = await call_error(client, "get_all_experiences", {})
    assert "project_uid" in message
    assert "'Web' (" + WEB + ")" in message and data.MOBILE_PROJECT_UID in message  # names quoted (issue 17)


async def test_unknown_project_points_to_list_projects(client: Client) -> None:
    message = await call_error(client, "get_all_audiences", {"project_uid": "6650b8f1a3c94e2d17000fff"})
    assert "6650b8f1a3c94e2d17000fff" in message and "list_projects" in message
