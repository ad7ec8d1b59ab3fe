"""Invariants of the sample data: the joins agree, uids look real, every scenario exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from personalize_mcp.sandbox import audit_data as audit
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox import lytics_data as lytics
from personalize_mcp.sandbox.data import seed_data
from personalize_mcp.sandbox.shapes import SandboxData

IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
PERSONALIZE_UID = re.compile(r"[0-9a-f]{24}")
LYTICS_UID = re.compile(r"[0-9a-f]{32}")
CMS_BLT = re.compile(r"blt[0-9a-f]{16}")
CMS_CS = re.compile(r"cs[0-9a-f]{16}")
AUDIT_BREAKS = {
    audit.AUDIT_LOST_GROUP_EXPERIENCE_UID,
    audit.AUDIT_ORPHAN_VARIANT_GROUP_UID,
    audit.AUDIT_MISSING_AUDIENCE_EXPERIENCE_UID,
    audit.AUDIT_BAD_SPLIT_EXPERIENCE_UID,
    lytics.LYTICS_RETIRED_EXPERIENCE_UID,
}
"""What the Audit demo project (audit_data.py) and the Lytics demo project's retired Lytics audience
(lytics_data.py) break on purpose: the invariants below skip exactly these."""

CONDITIONS = {
    "STRING_EQUALS",
    "CONTAINS_SUBSTRING",
    "HAS_ANY_VALUE",
    "IS_TRUE",
    "IS_FALSE",
    "NUMBER_LESS_THAN",
    "NUMBER_GREATER_THAN",
    "NUMBER_EQUAL_TO",
    "JSON_MATCH",
    "IS_MEMBER_OF",
    "BEFORE_TIME",
    "AFTER_TIME",
    "BETWEEN_TIME",
}
PRESETS = {
    "COUNTRY",
    "REGION",
    "CITY",
    "DEVICE_TYPE",
    "OPERATING_SYSTEM",
    "QUERY_PARAMETERS",
    "REFERRER",
    "DATE_AND_TIME",
}


@pytest.fixture(scope="module")
def seed() -> SandboxData:
    return seed_data()


def _rules(node: dict[str, Any], depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    yield node, depth
    for child in node.get("rules", []):
        yield from _rules(child, depth + 1)


def _all_rules(seed: SandboxData) -> list[tuple[dict[str, Any], int]]:
    """Every rule of every audience that has rules (a Lytics-synced audience has none, only its slug)."""
    return [
        pair
        for audiences in seed.audiences.values()
        for a in audiences
        if "definition" in a
        for pair in _rules(a["definition"])
    ]


def _project_of_stack(seed: SandboxData, api_key: str) -> str | None:
    return next((p["uid"] for p in seed.projects if p.get("connectedStackApiKey") == api_key), None)


def test_every_experience_cms_map_agrees_with_its_stack(seed: SandboxData) -> None:
    projects = {p["uid"]: p for p in seed.projects}
    for project_uid, experiences in seed.experiences.items():
        stack = projects[project_uid].get("connectedStackApiKey")
        groups = {g["uid"]: g for g in seed.variant_groups.get(stack, [])} if stack else {}
        for experience in experiences:
            if "_cms" not in experience or experience["uid"] in AUDIT_BREAKS:
                continue
            group = groups[experience["_cms"]["variantGroup"]]
            assert group["personalize_metadata"] == {
                "project_uid": project_uid,
                "experience_uid": experience["uid"],
                "experience_short_uid": experience["shortUid"],
                "status": "linked",
            }
            by_short = {v["personalize_metadata"]["variant_short_uid"]: v["uid"] for v in group["variants"]}
            assert by_short == experience["_cms"]["variants"]
            for variant in group["variants"]:
                short = variant["personalize_metadata"]["variant_short_uid"]
                assert variant["alias"] == f"cs_personalize_{experience['shortUid']}_{short}"
                assert variant["variant_group_uid"] == group["uid"]
                assert variant["personalize_metadata"]["experience_uid"] == experience["uid"]


def test_every_linked_group_points_at_an_existing_experience(seed: SandboxData) -> None:
    for api_key, groups in seed.variant_groups.items():
        for group in groups:
            metadata = group.get("personalize_metadata")
            if metadata is None or group["uid"] in AUDIT_BREAKS:
                continue
            assert metadata["project_uid"] == _project_of_stack(seed, api_key)
            uids = {e["uid"] for e in seed.experiences[metadata["project_uid"]]}
            assert metadata["experience_uid"] in uids


def test_every_audience_a_version_targets_exists_in_its_project(seed: SandboxData) -> None:
    for project_uid, experiences in seed.experiences.items():
        audiences = {a["uid"] for a in seed.audiences[project_uid]}
        for experience in experiences:
            if experience["uid"] in AUDIT_BREAKS:
                continue
            assert set(experience["referredAudiences"]) <= audiences
            for version in seed.versions[experience["uid"]]:
                assert version["experienceUid"] == experience["uid"]
                for variant in version["variants"]:
                    assert set(variant.get("audiences", [])) <= audiences
                    assert set(variant.get("lyticsAudiences", [])) <= audiences


def test_versions_follow_the_lifecycle_rules(seed: SandboxData) -> None:
    statuses = set()
    for experience_uid, versions in seed.versions.items():
        kinds = [v["status"] for v in versions]
        statuses |= set(kinds)
        assert kinds.count("DRAFT") <= 1
        assert kinds.count("ACTIVE") <= 1
        experience = next(e for es in seed.experiences.values() for e in es if e["uid"] == experience_uid)
        assert experience["latestVersion"] == versions[-1]["uid"]
        for version in versions:
            for variant in version["variants"]:
                if experience["__type"] == "AB_TEST":
                    assert variant["__type"] == "ABTestVariant"
                    assert "audiences" not in variant
                else:
                    assert variant["__type"] == "SegmentedVariant"
                    assert variant["audienceCombinationType"] in ("AND", "OR")
        if experience["__type"] == "AB_TEST" and experience_uid not in AUDIT_BREAKS:
            for version in versions:
                assert sum(v["trafficDistribution"] for v in version["variants"]) == 100
    assert statuses == {"ACTIVE", "DRAFT", "PAUSED", "ARCHIVED"}


def test_scenarios_the_product_relies_on(seed: SandboxData) -> None:
    versions = {e: {v["status"]: v for v in vs} for e, vs in seed.versions.items()}
    hero = versions[data.HERO_EXPERIENCE_UID]
    assert [v["audiences"] for v in hero["ACTIVE"]["variants"]] != [v["audiences"] for v in hero["DRAFT"]["variants"]]
    assert set(versions[data.PROMO_EXPERIENCE_UID]) == {"DRAFT"}
    assert set(versions[data.CHECKOUT_EXPERIENCE_UID]) == {"PAUSED"}
    lytics_variant = versions[data.LYTICS_EXPERIENCE_UID]["ACTIVE"]["variants"][0]
    assert lytics_variant["lyticsAudiences"] == [data.LYTICS_AUDIENCE_UID]
    assert lytics_variant["audienceCombinationType"] == "AND"
    pricing = versions[data.PRICING_AB_EXPERIENCE_UID]["ACTIVE"]["variants"]
    assert [v["trafficDistribution"] for v in pricing] == [50, 30, 20]
    main_projects = [p for p in seed.projects if p["organizationUid"] == data.MAIN_ORG_UID]
    second_projects = [p for p in seed.projects if p["organizationUid"] == data.SECOND_ORG_UID]
    assert len(main_projects) >= 2
    assert len(second_projects) == 1
    assert _project_of_stack(seed, data.BIG_STACK_API_KEY) is None
    assert len(seed.variant_groups[data.BIG_STACK_API_KEY]) == data.BIG_STACK_GROUP_COUNT > 100
    big = next(g for g in seed.variant_groups[data.BIG_STACK_API_KEY] if g["uid"] == data.BIG_VARIANT_GROUP_UID)
    assert len(big["variants"]) == data.BIG_VARIANT_COUNT > 100
    lytics_audience = next(a for a in seed.audiences[data.WEB_PROJECT_UID] if a["uid"] == data.LYTICS_AUDIENCE_UID)
    assert lytics_audience["source"] == "LYTICS"
    empty = next(a for a in seed.audiences[data.WEB_PROJECT_UID] if a["uid"] == data.EMPTY_AUDIENCE_UID)
    assert empty["definition"]["rules"] == []
    plain = next(g for g in seed.variant_groups[data.MAIN_STACK_API_KEY] if g["uid"] == data.PLAIN_VARIANT_GROUP_UID)
    assert "personalize_metadata" not in plain
    assert [v["uid"] for v in plain["variants"]] == list(data.PLAIN_VARIANT_UIDS)


def test_audience_rules_cover_every_condition_and_preset(seed: SandboxData) -> None:
    rules = _all_rules(seed)
    leaves = [r for r, _ in rules if r["__type"] == "Rule"]
    assert {r["attributeMatchCondition"] for r in leaves} >= CONDITIONS
    assert {r["attribute"]["ref"] for r in leaves if r["attribute"]["__type"] == "PresetAttributeReference"} >= PRESETS
    assert {r["attribute"]["__type"] for r in leaves} == {
        "PresetAttributeReference",
        "CustomAttributeReference",
        "LyticsAttributeReference",
    }
    assert any(r["invertCondition"] for r in leaves)
    assert max(depth for r, depth in rules if r["__type"] == "RuleCombination") >= 2
    assert sum(len(a) for a in seed.audiences.values()) >= 10


def test_uids_look_like_the_real_ones(seed: SandboxData) -> None:
    for project in seed.projects:
        assert PERSONALIZE_UID.fullmatch(project["uid"])
        assert CMS_BLT.fullmatch(project["organizationUid"])
    for audiences in seed.audiences.values():
        for audience in audiences:
            pattern = LYTICS_UID if audience["source"] == "LYTICS" else PERSONALIZE_UID
            assert pattern.fullmatch(audience["uid"]), audience["uid"]
    for experiences in seed.experiences.values():
        for experience in experiences:
            assert PERSONALIZE_UID.fullmatch(experience["uid"])
            for version in seed.versions[experience["uid"]]:
                assert PERSONALIZE_UID.fullmatch(version["uid"])
    for stack in seed.stacks:
        assert CMS_BLT.fullmatch(stack["api_key"])
        assert CMS_BLT.fullmatch(stack["uid"])
    for uid in (*seed.organizations, *seed.users):
        assert CMS_BLT.fullmatch(uid)
    for groups in seed.variant_groups.values():
        for group in groups:
            assert CMS_CS.fullmatch(group["uid"]), group["uid"]
            for variant in group["variants"]:
                assert CMS_CS.fullmatch(variant["uid"]) or variant["uid"] in data.PLAIN_VARIANT_UIDS


def test_every_identifier_is_safe() -> None:
    for name in dir(data):
        value = getattr(data, name)
        if name.isupper() and name.endswith(("_UID", "_API_KEY")):
            assert isinstance(value, str), name
            assert IDENTIFIER.fullmatch(value), name


SCENARIO_CONSTANTS = sorted(n for n in dir(data) if n.isupper() and n.endswith(("_UID", "_API_KEY")))


@pytest.mark.parametrize("name", SCENARIO_CONSTANTS)
def test_each_scenario_constant_exists_in_the_data(seed: SandboxData, name: str) -> None:
    value = getattr(data, name)
    everything = {
        *seed.organizations,
        *seed.users,
        *(p["uid"] for p in seed.projects),
        *(a["uid"] for audiences in seed.audiences.values() for a in audiences),
        *(e["uid"] for experiences in seed.experiences.values() for e in experiences),
        *(v["uid"] for versions in seed.versions.values() for v in versions),
        *(s["api_key"] for s in seed.stacks),
        *(g["uid"] for groups in seed.variant_groups.values() for g in groups),
        *(v["uid"] for groups in seed.variant_groups.values() for g in groups for v in g["variants"]),
        *(r["attribute"]["ref"] for r, _ in _all_rules(seed) if r["__type"] == "Rule"),
        data.CLI_APP_UID,
        data.CONFIDENTIAL_APP_UID,
    }
    assert value in everything, name


def test_each_scenario_constant_is_documented() -> None:
    doc = data.__doc__ or ""
    undocumented = [
        n
        for n in SCENARIO_CONSTANTS
        if n not in doc and not n.endswith("_ATTRIBUTE_UID") and not n.endswith("_VARIANT_UID")
    ]
    assert undocumented == []


def test_seed_data_is_a_fresh_copy() -> None:
    first = seed_data()
    first.projects.clear()
    first.audiences[data.WEB_PROJECT_UID][0]["name"] = "changed"
    second = seed_data()
    assert second.projects
    assert second.audiences[data.WEB_PROJECT_UID][0]["name"] == "Australian Users"


def test_lytics_audiences_are_listed_as_contentstack_lists_them(seed: SandboxData) -> None:
    """Source LYTICS, a 32-hex uid, a slug and no rules (issue 22); the Lytics demo project has one of each
    variant kind: native OR Lytics, native AND Lytics, Lytics only, and a Lytics id it no longer lists."""
    synced = [a for audiences in seed.audiences.values() for a in audiences if a["source"] == "LYTICS"]
    assert {a["uid"] for a in synced} == {
        data.LYTICS_AUDIENCE_UID,
        lytics.CART_ABANDONERS_AUDIENCE_UID,
        lytics.DEAL_SEEKERS_AUDIENCE_UID,
    }
    for audience in synced:
        assert LYTICS_UID.fullmatch(audience["uid"]) and audience["slug"] and "definition" not in audience
    listed = {a["uid"] for a in seed.audiences[lytics.LYTICS_PROJECT_UID]}
    kinds = []
    for uid in lytics.LYTICS_EXPERIENCE_UIDS:
        (version,) = seed.versions[uid]
        first = version["variants"][0]
        kinds.append((first["audienceCombinationType"], bool(first["audiences"]), bool(first["lyticsAudiences"])))
        if uid == lytics.LYTICS_RETIRED_EXPERIENCE_UID:
            assert first["lyticsAudiences"] == [lytics.RETIRED_LYTICS_AUDIENCE_UID]
            assert lytics.RETIRED_LYTICS_AUDIENCE_UID not in listed
    assert kinds == [("OR", True, True), ("AND", True, True), ("OR", False, True), ("OR", False, True)]
    assert seed.priority[lytics.LYTICS_PROJECT_UID] == list(lytics.LYTICS_EXPERIENCE_UIDS)
