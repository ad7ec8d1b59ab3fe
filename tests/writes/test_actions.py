"""Every action planned and applied through a real MCP client (both eras, the client asked by elicitation),
its upstream effect asserted from the sandbox's request log and state -- not only from our words -- and the
next read showing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from personalize_mcp.sandbox import catalogue_data as catalogue
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.shapes import SandboxData
from tests.helpers import call_ok
from tests.writes.support import World, apply, plan

pytestmark = pytest.mark.anyio
WEB = data.WEB_PROJECT_UID
JSON = dict[str, Any]


def _one(items: list[JSON], **match: object) -> JSON:
    found = [item for item in items if all(item.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def holds(condition: object) -> None:
    assert condition


def _versions(state: SandboxData, experience: str) -> dict[str, str]:
    return {v["uid"]: v["status"] for v in state.versions[experience]}


@dataclass(frozen=True)
class Case:
    change: JSON
    writes: list[tuple[str, str]]
    """(method, path) the sandbox must have received, in order; `{new}` is the uid the change created."""
    effect: Callable[[SandboxData, JSON], None]
    destructive: bool


def _created_audience(state: SandboxData, applied: JSON) -> None:
    audience = _one(state.audiences[WEB], name="Swedish mobile")
    assert [r["attributeMatchOptions"]["value"] for r in audience["definition"]["rules"]] == ["SE", "MOBILE"]
    assert applied["subjects"][0]["uid"] == audience["uid"]


def _created_experience(state: SandboxData, applied: JSON) -> None:
    experience = _one(state.experiences[WEB], name="Checkout button colour")
    [draft] = state.versions[experience["uid"]]
    assert draft["status"] == "DRAFT"
    assert [(v["name"], v["trafficDistribution"]) for v in draft["variants"]] == [("Control", 50), ("Green", 50)]
    assert [m["event"] for m in draft["metrics"]] == [catalogue.PURCHASE_EVENT_UID]


def _promoted(state: SandboxData, applied: JSON) -> None:
    versions = state.versions[data.PRICING_AB_EXPERIENCE_UID]
    active = _one(versions, status="ACTIVE")
    assert {v["shortUid"]: v["trafficDistribution"] for v in active["variants"]} == {"0": 0, "1": 100, "2": 0}
    assert _versions(state, data.PRICING_AB_EXPERIENCE_UID)[data.PRICING_ACTIVE_VERSION_UID] == "ARCHIVED"


CASES: dict[str, Case] = {
    "create_audience": Case(
        {"action": "create_audience", "name": "Swedish mobile", "rules": {"all": [
            {"attribute": "COUNTRY", "operator": "equals", "value": "SE"},
            {"attribute": "device_type", "operator": "equals", "value": "MOBILE"}]}},
        [("POST", "/audiences")], _created_audience, False),
    "update_audience": Case(
        {"action": "update_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID, "name": "VIP tier 4",
         "rules": {"any": [{"attribute": "average_order_value", "operator": "greater_than", "value": 200}]}},
        [("PUT", f"/audiences/{data.VIP_TIER_AUDIENCE_UID}")],
        lambda s, _: _one(s.audiences[WEB], uid=data.VIP_TIER_AUDIENCE_UID, name="VIP tier 4"), False),
    "delete_audience": Case(
        {"action": "delete_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID},
        [("DELETE", f"/audiences/{data.VIP_TIER_AUDIENCE_UID}")],
        lambda s, _: holds(not any(a["uid"] == data.VIP_TIER_AUDIENCE_UID for a in s.audiences[WEB])), True),
    "create_attribute": Case(
        {"action": "create_attribute", "key": "plan_tier", "name": "Plan tier"},
        [("POST", "/attributes")], lambda s, _: _one(s.attributes[WEB], key="plan_tier", __type="CUSTOM"), False),
    "update_attribute": Case(
        {"action": "update_attribute", "attribute_uid": catalogue.PREFERRED_STORE_ATTRIBUTE_UID, "name": "Home store"},
        [("PUT", f"/attributes/{catalogue.PREFERRED_STORE_ATTRIBUTE_UID}")],
        lambda s, _: _one(s.attributes[WEB], uid=catalogue.PREFERRED_STORE_ATTRIBUTE_UID, name="Home store"), False),
    "delete_attribute": Case(
        {"action": "delete_attribute", "attribute_uid": catalogue.PREFERRED_STORE_ATTRIBUTE_UID},
        [("DELETE", f"/attributes/{catalogue.PREFERRED_STORE_ATTRIBUTE_UID}")],
        lambda s, _: holds(all(a["uid"] != catalogue.PREFERRED_STORE_ATTRIBUTE_UID for a in s.attributes[WEB])),
        True),
    "create_event": Case(
        {"action": "create_event", "key": "add_to_cart", "description": "Added to the cart"},
        [("POST", "/events")], lambda s, _: _one(s.events[WEB], key="add_to_cart"), False),
    "update_event": Case(
        {"action": "update_event", "event_uid": catalogue.SIGNUP_EVENT_UID, "description": "Joined the newsletter"},
        [("PUT", f"/events/{catalogue.SIGNUP_EVENT_UID}")],
        lambda s, _: _one(s.events[WEB], uid=catalogue.SIGNUP_EVENT_UID, description="Joined the newsletter"), False),
    "delete_event": Case(
        {"action": "delete_event", "event_uid": catalogue.SIGNUP_EVENT_UID},
        [("DELETE", f"/events/{catalogue.SIGNUP_EVENT_UID}")],
        lambda s, _: holds(not any(e["uid"] == catalogue.SIGNUP_EVENT_UID for e in s.events[WEB])), True),
    "create_experience": Case(
        {"action": "create_experience", "name": "Checkout button colour", "type": "AB_TEST",
         "variants": [{"name": "Control"}, {"name": "Green"}], "metrics": ["purchase"]},
        [("POST", "/experiences"), ("PUT", "/experiences/{new}/versions/{draft}")], _created_experience, False),
    "update_experience": Case(
        {"action": "update_experience", "experience_uid": data.PROMO_EXPERIENCE_UID, "name": "Spring promo"},
        [("PUT", f"/experiences/{data.PROMO_EXPERIENCE_UID}")],
        lambda s, _: _one(s.experiences[WEB], uid=data.PROMO_EXPERIENCE_UID, name="Spring promo"), False),
    "delete_experience": Case(
        {"action": "delete_experience", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID},
        [("DELETE", f"/experiences/{data.FOOTER_AB_EXPERIENCE_UID}")],
        lambda s, _: holds(data.FOOTER_AB_EXPERIENCE_UID not in s.versions), True),
    "edit_draft": Case(
        {"action": "edit_draft", "experience_uid": data.HERO_EXPERIENCE_UID, "variants": [
            {"short_uid": "1", "name": "Mobile shoppers"}, {"short_uid": "0", "name": "Aussies",
                                                             "audience_uids": [data.SYDNEY_AUDIENCE_UID]}]},
        [("PUT", f"/experiences/{data.HERO_EXPERIENCE_UID}/versions/{data.HERO_DRAFT_VERSION_UID}")],
        lambda s, _: holds(_one(s.versions[data.HERO_EXPERIENCE_UID], status="DRAFT")["variants"][1]["audiences"]
        == [data.SYDNEY_AUDIENCE_UID]), False),
    "edit_draft without a draft": Case(
        {"action": "edit_draft", "experience_uid": data.LYTICS_EXPERIENCE_UID, "variants": [
            {"short_uid": "0", "name": "Engaged readers, renamed"}]},
        [("POST", f"/experiences/{data.LYTICS_EXPERIENCE_UID}/versions")],
        lambda s, _: holds(_one(s.versions[data.LYTICS_EXPERIENCE_UID], status="DRAFT")["variants"][0]["name"]
        == "Engaged readers, renamed"), False),
    "delete_draft": Case(
        {"action": "delete_draft", "experience_uid": data.HERO_EXPERIENCE_UID},
        [("DELETE", f"/experiences/{data.HERO_EXPERIENCE_UID}/versions/{data.HERO_DRAFT_VERSION_UID}")],
        lambda s, _: holds(data.HERO_DRAFT_VERSION_UID not in _versions(s, data.HERO_EXPERIENCE_UID)), True),
    "activate_draft": Case(
        {"action": "activate_draft", "experience_uid": data.HERO_EXPERIENCE_UID},
        [("PUT", f"/experiences/{data.HERO_EXPERIENCE_UID}/versions/{data.HERO_DRAFT_VERSION_UID}")],
        lambda s, _: holds(_versions(s, data.HERO_EXPERIENCE_UID)[data.HERO_ACTIVE_VERSION_UID] == "ARCHIVED"
        and _versions(s, data.HERO_EXPERIENCE_UID)[data.HERO_DRAFT_VERSION_UID] == "ACTIVE"), True),
    "pause_experience": Case(
        {"action": "pause_experience", "experience_uid": data.PRICING_AB_EXPERIENCE_UID},
        [("PUT", f"/experiences/{data.PRICING_AB_EXPERIENCE_UID}/versions/{data.PRICING_ACTIVE_VERSION_UID}")],
        lambda s, _: _one(s.experiences[WEB], uid=data.PRICING_AB_EXPERIENCE_UID, status="PAUSED"), True),
    "resume_experience": Case(
        {"action": "resume_experience", "experience_uid": data.CHECKOUT_EXPERIENCE_UID},
        [("PUT", f"/experiences/{data.CHECKOUT_EXPERIENCE_UID}/versions/{data.CHECKOUT_PAUSED_VERSION_UID}")],
        lambda s, _: _one(s.experiences[WEB], uid=data.CHECKOUT_EXPERIENCE_UID, status="ACTIVE"), True),
    "set_priority": Case(
        {"action": "set_priority", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID, "rank": 1},
        [("PUT", "/experiences-priority")],
        lambda s, _: holds(s.priority[WEB][0] == data.FOOTER_AB_EXPERIENCE_UID
        and set(s.priority[WEB]) == {e["uid"] for e in s.experiences[WEB]}), True),
    "promote_winner": Case(
        {"action": "promote_winner", "experience_uid": data.PRICING_AB_EXPERIENCE_UID},
        [("POST", f"/experiences/{data.PRICING_AB_EXPERIENCE_UID}/versions"),
         ("PUT", f"/experiences/{data.PRICING_AB_EXPERIENCE_UID}/versions/{{new}}")], _promoted, True),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
async def test_every_action_is_planned_applied_and_seen_upstream(writes: World, mode: str, name: str) -> None:
    case = CASES[name]
    async with writes.client(mode, "accept") as client:
        planned = await plan(client, case.change, WEB)
        assert planned["destructive"] is case.destructive
        assert planned["confirmation"] == {"kind": "elicitation", "token": None}
        assert planned["changes"] and planned["summary"]
        assert writes.writes() == [], "planning writes nothing"
        applied = await apply(client, planned, token=False)
        assert applied["applied"] is True and applied["undo"].startswith("call undo_change")
        assert writes.asked, "the person was asked"
        sent = [(r.method, r.path) for r in writes.writes()]
        assert all(r.status < 300 for r in writes.writes())
        expected = _expected(case.writes, sent, applied)
        assert sent == expected
        case.effect(writes.data(), applied)
        listed = await call_ok(client, "list_changes", {})
        assert listed["changes"][0]["change_id"] == applied["change_id"]
        assert listed["changes"][0]["outcome"] == "applied"


def _expected(patterns: list[tuple[str, str]], sent: list[tuple[str, str]], applied: JSON) -> list[tuple[str, str]]:
    """The expected (method, path) with `{new}`/`{draft}` read from what was created (the answer names it)."""
    created = applied["subjects"][0]["uid"]
    out = []
    for (method, path), (_, actual) in zip(patterns, sent, strict=False):
        if "{draft}" in path:
            path = path.replace("{new}", created)
            assert actual.startswith(path.split("{draft}")[0])
            path = actual
        out.append((method, path.replace("{new}", created)))
    return out


async def test_the_next_read_shows_the_change(writes: World, mode: str) -> None:
    async with writes.client(mode, "accept") as client:
        before = await call_ok(
            client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.VIP_TIER_AUDIENCE_UID}
        )
        planned = await plan(client, CASES["update_audience"].change, WEB)
        await apply(client, planned, token=False)
        after = await call_ok(
            client, "get_single_audience", {"project_uid": WEB, "audience_uid": data.VIP_TIER_AUDIENCE_UID}
        )
    assert before["audience"]["name"] != "VIP tier 4"
    assert after["audience"]["name"] == "VIP tier 4"
    assert after["audience"]["rules"] == 'custom attribute "Average order value" is greater than 200'
