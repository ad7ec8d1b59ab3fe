"""CMS Management API: auth, required headers, organisation isolation, paging, variant lookups."""

from __future__ import annotations

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN, SandboxState
from personalize_mcp.sandbox.audit_data import AUDIT_STACK_API_KEY
from personalize_mcp.sandbox.data import (
    BIG_STACK_API_KEY,
    BIG_STACK_GROUP_COUNT,
    BIG_VARIANT_COUNT,
    BIG_VARIANT_GROUP_UID,
    EMPTY_STACK_API_KEY,
    HERO_MOBILE_VARIANT_UID,
    HERO_VARIANT_GROUP_UID,
    MAIN_ORG_UID,
    MAIN_STACK_API_KEY,
    MAIN_USER_EMAIL,
    PLAIN_VARIANT_GROUP_UID,
    PLAIN_VARIANT_UID,
    SECOND_ORG_UID,
    SECOND_STACK_API_KEY,
)

from .helpers import bearer

pytestmark = pytest.mark.anyio

MAIN = {"api_key": MAIN_STACK_API_KEY}
BIG = {"api_key": BIG_STACK_API_KEY}


async def test_401_body_is_the_documented_cms_error(client: httpx2.AsyncClient) -> None:
    response = await client.get("/cma/v3/user", headers={"authorization": "Bearer expired"})
    assert response.status_code == 401
    assert response.json() == {
        "error_message": "The provided access token is invalid or expired or revoked",
        "error_code": 105,
        "errors": {"authorization": ["is not valid."]},
    }


async def test_user_and_organization(client: httpx2.AsyncClient) -> None:
    user = (await client.get("/cma/v3/user", headers=bearer())).json()["user"]
    assert user["email"] == MAIN_USER_EMAIL
    assert {"uid", "first_name", "last_name"} <= user.keys()
    org = (await client.get(f"/cma/v3/organizations/{MAIN_ORG_UID}", headers=bearer())).json()
    assert org["organization"]["name"] == "Northwind Retail"
    other = await client.get(f"/cma/v3/organizations/{SECOND_ORG_UID}", headers=bearer())
    assert other.status_code == 403
    assert other.json()["error_code"] == 161


async def test_stacks_need_the_organization_uid_header(client: httpx2.AsyncClient) -> None:
    missing = await client.get("/cma/v3/stacks", headers=bearer())
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"organization_uid": ["is required."]}
    other = await client.get("/cma/v3/stacks", headers=bearer(organization_uid=SECOND_ORG_UID))
    assert other.status_code == 403
    assert set(other.json()) == {"error_message", "error_code", "errors"}


async def test_stacks_of_my_organisation_only(client: httpx2.AsyncClient) -> None:
    body = (await client.get("/cma/v3/stacks", headers=bearer(organization_uid=MAIN_ORG_UID))).json()
    assert "count" not in body
    assert {s["api_key"] for s in body["stacks"]} == {
        MAIN_STACK_API_KEY,
        BIG_STACK_API_KEY,
        EMPTY_STACK_API_KEY,
        AUDIT_STACK_API_KEY,
    }
    for stack in body["stacks"]:
        assert {"uid", "name", "api_key", "org_uid", "master_locale"} <= stack.keys()
        assert stack["org_uid"] == MAIN_ORG_UID
    counted = await client.get(
        "/cma/v3/stacks",
        params={"include_count": "true", "limit": 2},
        headers=bearer(organization_uid=MAIN_ORG_UID),
    )
    assert counted.json()["count"] == 4
    assert len(counted.json()["stacks"]) == 2
    second = await client.get(
        "/cma/v3/stacks", headers=bearer(SANDBOX_SECOND_ORG_ACCESS_TOKEN, organization_uid=SECOND_ORG_UID)
    )
    assert [s["api_key"] for s in second.json()["stacks"]] == [SECOND_STACK_API_KEY]


async def test_organization_stacks_route(client: httpx2.AsyncClient) -> None:
    mine = await client.get(f"/cma/v3/organizations/{MAIN_ORG_UID}/stacks", headers=bearer())
    assert len(mine.json()["stacks"]) == 4
    other = await client.get(f"/cma/v3/organizations/{SECOND_ORG_UID}/stacks", headers=bearer())
    assert other.status_code == 403


async def test_stack_calls_need_a_valid_api_key_of_my_organisation(client: httpx2.AsyncClient) -> None:
    missing = await client.get("/cma/v3/variant_groups", headers=bearer())
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"api_key": ["is required."]}
    for api_key in ("blt0000000000000000", SECOND_STACK_API_KEY):
        response = await client.get("/cma/v3/variant_groups", headers=bearer(api_key=api_key))
        assert response.status_code == 412
        assert response.json() == {
            "error_message": "We can't find that Stack. Please try again.",
            "error_code": 109,
            "errors": {"api_key": ["is not valid."]},
        }


async def test_variant_groups_embed_variants_and_count_only_when_asked(client: httpx2.AsyncClient) -> None:
    plain = (await client.get("/cma/v3/variant_groups", headers=bearer(**MAIN))).json()
    assert set(plain) == {"variant_groups"}
    assert all("variants" not in g for g in plain["variant_groups"])
    full = (
        await client.get(
            "/cma/v3/variant_groups",
            params={"include_variant_info": "true", "include_count": "true"},
            headers=bearer(**MAIN),
        )
    ).json()
    assert full["count"] == len(full["variant_groups"]) == 6
    hero = next(g for g in full["variant_groups"] if g["uid"] == HERO_VARIANT_GROUP_UID)
    assert hero["personalize_metadata"]["status"] == "linked"
    assert {v["alias"] for v in hero["variants"]} == {"cs_personalize_0_0", "cs_personalize_0_1"}
    plain_group = next(g for g in full["variant_groups"] if g["uid"] == PLAIN_VARIANT_GROUP_UID)
    assert "personalize_metadata" not in plain_group


async def test_empty_stack(client: httpx2.AsyncClient) -> None:
    body = (
        await client.get(
            "/cma/v3/variant_groups",
            params={"include_count": "true"},
            headers=bearer(api_key=EMPTY_STACK_API_KEY),
        )
    ).json()
    assert body == {"variant_groups": [], "count": 0}


async def test_variant_groups_page_past_100(client: httpx2.AsyncClient) -> None:
    seen: list[str] = []
    skip = 0
    while True:
        body = (
            await client.get(
                "/cma/v3/variant_groups",
                params={"limit": 100, "skip": skip, "include_count": "true"},
                headers=bearer(**BIG),
            )
        ).json()
        assert body["count"] == BIG_STACK_GROUP_COUNT
        seen += [g["uid"] for g in body["variant_groups"]]
        skip += 100
        if skip >= body["count"]:
            break
    assert len(seen) == len(set(seen)) == BIG_STACK_GROUP_COUNT
    default = (await client.get("/cma/v3/variant_groups", headers=bearer(**BIG))).json()
    assert len(default["variant_groups"]) == 100


async def test_variants_page_past_100(client: httpx2.AsyncClient) -> None:
    path = f"/cma/v3/variant_groups/{BIG_VARIANT_GROUP_UID}/variants"
    first = (await client.get(path, params={"limit": 100, "include_count": "true"}, headers=bearer(**BIG))).json()
    second = (
        await client.get(path, params={"limit": 100, "skip": 100, "include_count": "true"}, headers=bearer(**BIG))
    ).json()
    assert first["count"] == second["count"] == BIG_VARIANT_COUNT
    assert len(first["variants"]) == 100
    assert len(second["variants"]) == BIG_VARIANT_COUNT - 100
    assert {v["variant_group_uid"] for v in first["variants"] + second["variants"]} == {BIG_VARIANT_GROUP_UID}
    assert "count" not in (await client.get(path, headers=bearer(**BIG))).json()


@pytest.mark.parametrize("params", [{"limit": "101"}, {"limit": "0"}, {"limit": "ten"}, {"skip": "-1"}])
async def test_bad_paging_is_a_400_cms_error(client: httpx2.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get("/cma/v3/variant_groups", params=params, headers=bearer(**BIG))
    assert response.status_code == 400
    assert response.json()["error_code"] == 102
    assert set(response.json()["errors"]) == set(params)


async def test_single_variant_and_its_switchable_key(client: httpx2.AsyncClient, state: SandboxState) -> None:
    path = f"/cma/v3/variant_groups/{HERO_VARIANT_GROUP_UID}/variants/{HERO_MOBILE_VARIANT_UID}"
    variant = (await client.get(path, headers=bearer(**MAIN))).json()["variant"]
    assert variant["personalize_metadata"]["variant_short_uid"] == "1"
    state.single_variant_key = "variants"
    assert (await client.get(path, headers=bearer(**MAIN))).json()["variants"]["uid"] == HERO_MOBILE_VARIANT_UID


async def test_plain_variant_with_a_user_chosen_uid(client: httpx2.AsyncClient) -> None:
    path = f"/cma/v3/variant_groups/{PLAIN_VARIANT_GROUP_UID}/variants/{PLAIN_VARIANT_UID}"
    variant = (await client.get(path, headers=bearer(**MAIN))).json()["variant"]
    assert variant["uid"] == "iphone_color_white"
    assert "personalize_metadata" not in variant


@pytest.mark.parametrize(
    "path",
    [
        "/cma/v3/variant_groups/csnope/variants",
        f"/cma/v3/variant_groups/{HERO_VARIANT_GROUP_UID}/variants/csnope",
        f"/cma/v3/variant_groups/{BIG_VARIANT_GROUP_UID}/variants",  # exists, but in another stack
    ],
)
async def test_unknown_group_or_variant_is_404(client: httpx2.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=bearer(**MAIN))
    assert response.status_code == 404
    assert response.json()["error_code"] == 141


async def test_cms_paths_need_the_v3_prefix(client: httpx2.AsyncClient) -> None:
    response = await client.get("/cma/stacks", headers=bearer(organization_uid=MAIN_ORG_UID))
    assert response.status_code == 404
    assert "error_message" in response.json()
