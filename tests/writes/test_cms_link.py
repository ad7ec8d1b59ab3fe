"""A written experience reaches the CMS as Contentstack's background job links it (contentstack-api.md §8):
a variant group on the project's stack, one CMS variant per variant, so the read tools that start from the CMS
(`list_variant_groups`, `get_variant_audiences`) answer for it as they do for a seeded one."""

from __future__ import annotations

import pytest

from personalize_mcp.sandbox import data
from tests.helpers import call_ok
from tests.writes.support import World, apply, plan

pytestmark = pytest.mark.anyio
PHONES = [data.MOBILE_VISITORS_AUDIENCE_UID, data.RETURNING_CUSTOMERS_AUDIENCE_UID]


async def test_a_created_experience_is_linked_to_the_cms_and_its_variants_have_their_audiences(
    writes: World, mode: str
) -> None:
    change = {
        "action": "create_experience",
        "name": "Swedish hero",
        "type": "SEGMENTED",
        "variants": [
            {"name": "Sweden", "audience_uids": [data.AUSTRALIA_AUDIENCE_UID]},
            {"name": "Phones", "audience_uids": PHONES, "audience_combination": "AND"},
        ],
    }  # fmt: skip
    async with writes.client(mode) as client:
        planned = await plan(client, change, data.WEB_PROJECT_UID)
        applied = await apply(client, planned)
        experience_uid = next(s["uid"] for s in applied["subjects"] if s["kind"] == "experience")
        groups = await call_ok(client, "list_variant_groups", {"stack_api_key": data.MAIN_STACK_API_KEY,
                                                                "query": "Swedish hero"})  # fmt: skip
        (group,) = groups["variant_groups"]
        assert group["experience_uid"] == experience_uid
        variants = await call_ok(client, "list_variants", {"stack_api_key": data.MAIN_STACK_API_KEY,
                                                           "variant_group_uid": group["uid"]})  # fmt: skip
        phones = next(v for v in variants["variants"] if v["name"] == "Phones")
        who = await call_ok(
            client,
            "get_variant_audiences",
            {"stack_api_key": data.MAIN_STACK_API_KEY, "variant_group_uid": group["uid"], "variant_uid": phones["uid"],
             "draft": True},
        )  # fmt: skip
    assert who["experience_uid"] == experience_uid and who["version"]["status"] == "DRAFT"
    assert who["audience_combination"] == "AND"
    assert {a["uid"] for a in who["audiences"]} == set(PHONES)
    stored = next(e for e in writes.data().experiences[data.WEB_PROJECT_UID] if e["uid"] == experience_uid)
    assert stored["_cms"]["variantGroup"] == group["uid"] and set(stored["_cms"]["variants"]) == {"0", "1"}
