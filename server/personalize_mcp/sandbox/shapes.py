"""The upstream shapes the sandbox's accounts are built from: `SandboxData` (everything the APIs
serve) and one builder per upstream object, each in the exact JSON the real API sends (camelCase
for Personalize, snake_case for the CMS).

The lowest module of the sample data: data.py (the sample account), audit_data.py (its Audit demo
project) and generated.py (accounts of any size) all build with these, and this module knows none
of them. The builders' objects belong to the main organisation and its user, so their ids are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAIN_ORG_UID = "blt5a1e9c2f7d3b4e60"
"""Northwind Retail, the demo organisation (data.py's table says what it holds)."""
MAIN_USER_UID = "blt2f8e4a6c9d1b3e57"
"""Dana Whitfield, who created every variant group and custom attribute built here."""
CREATED = "2025-05-24T09:12:44.512Z"
UPDATED = "2025-06-03T14:27:05.118Z"


@dataclass
class SandboxData:
    """Everything the APIs serve, keyed the way the routes look it up."""

    organizations: dict[str, JSON] = field(default_factory=dict)
    users: dict[str, JSON] = field(default_factory=dict)
    projects: list[JSON] = field(default_factory=list)
    audiences: dict[str, list[JSON]] = field(default_factory=dict)
    """project uid → audiences (Personalize shape)."""
    experiences: dict[str, list[JSON]] = field(default_factory=dict)
    """project uid → experiences (Personalize shape)."""
    versions: dict[str, list[JSON]] = field(default_factory=dict)
    """experience uid → versions (Personalize shape)."""
    attributes: dict[str, list[JSON]] = field(default_factory=dict)
    """project uid → attributes, preset and custom (Personalize `GET /attributes` shape)."""
    events: dict[str, list[JSON]] = field(default_factory=dict)
    """project uid → events (`GET /events`)."""
    priority: dict[str, list[str]] = field(default_factory=dict)
    """project uid → experience uids, highest priority first (`GET /experiences-priority`)."""
    geolocation: dict[str, list[JSON]] = field(default_factory=dict)
    """countries / regions / cities → rows (`GET /geolocation/...`)."""
    analytics: dict[str, JSON] = field(default_factory=dict)
    """version uid → `{"summary": ..., "timeSeries": ... (optional)}` (`GET /experiences/{uid}/analytics/...`)."""
    stacks: list[JSON] = field(default_factory=list)
    variant_groups: dict[str, list[JSON]] = field(default_factory=dict)
    """stack api key → variant groups (CMS shape), each with its full `variants` list."""
    short_uid_counters: dict[str, int] = field(default_factory=dict)
    """experience uid → the highest variant short uid it ever gave (writes: short uids are never reused)."""


def preset(ref: str, condition: str, options: JSON | None = None, *, invert: bool = False) -> JSON:
    return rule({"__type": "PresetAttributeReference", "ref": ref}, condition, options, invert)


def custom(ref: str, condition: str, options: JSON | None = None) -> JSON:
    return rule({"__type": "CustomAttributeReference", "ref": ref}, condition, options, False)


def rule(attribute: JSON, condition: str, options: JSON | None, invert: bool) -> JSON:
    built: JSON = {"__type": "Rule", "attribute": attribute, "attributeMatchCondition": condition}
    if options is not None:
        built["attributeMatchOptions"] = options
    built["invertCondition"] = invert
    return built


def text(value: str) -> JSON:
    return {"__type": "StringMatchOptions", "value": value}


def number(value: float) -> JSON:
    return {"__type": "NumberMatchOptions", "value": value}


def combo(kind: str, *rules: JSON) -> JSON:
    return {"__type": "RuleCombination", "combinationType": kind, "rules": list(rules)}


def audience(uid: str, project: str, name: str, description: str, definition: JSON, source: str) -> JSON:
    return {
        "uid": uid,
        "name": name,
        "description": description,
        "project": project,
        "source": source,
        "definition": definition,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    }


def lytics_audience(uid: str, project: str, name: str, description: str, slug: str) -> JSON:
    """An audience synced from Lytics as `GET /audiences` lists it: source LYTICS, a 32-hex uid, its `slug` (what
    the site sends in `x-live-attributes`), and no rule `definition` (contentstack-api.md §2, §7)."""
    return {
        "uid": uid,
        "name": name,
        "description": description,
        "project": project,
        "source": "LYTICS",
        "slug": slug,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    }


def segmented(
    short: str, name: str, audiences: list[str], combination: str = "OR", lytics: list[str] | None = None
) -> JSON:
    return {
        "__type": "SegmentedVariant",
        "name": name,
        "shortUid": short,
        "audiences": audiences,
        "lyticsAudiences": lytics or [],
        "audienceCombinationType": combination,
    }


def ab(short: str, name: str, traffic: int) -> JSON:
    return {"__type": "ABTestVariant", "name": name, "shortUid": short, "trafficDistribution": traffic}


def version(uid: str, experience: str, status: str, variants: list[JSON], created: str) -> JSON:
    return {
        "uid": uid,
        "experienceUid": experience,
        "status": status,
        "variants": variants,
        "createdAt": created,
        "updatedAt": created,
    }


def experience(
    uid: str,
    name: str,
    description: str,
    kind: str,
    short: str,
    status: str,
    versions: list[JSON],
    cms: JSON | None,
    tags: list[str],
    metrics: list[JSON] | None = None,
) -> JSON:
    """Experience summary: `latestVersion` is the newest version; `referredAudiences` every audience
    a non-archived version targets (Lytics ones included)."""
    referred: list[str] = []
    for version in versions:
        if version["status"] == "ARCHIVED":
            continue
        for variant in version["variants"]:
            for audience in [*variant.get("audiences", []), *variant.get("lyticsAudiences", [])]:
                if audience not in referred:
                    referred.append(audience)
    experience: JSON = {
        "uid": uid,
        "name": name,
        "description": description,
        "__type": kind,
        "shortUid": short,
        "status": status,
        "latestVersion": versions[-1]["uid"],
        "referredAudiences": referred,
        "referredEvents": [m["event"] for m in metrics or []],
        "tags": tags,
        "createdAt": versions[0]["createdAt"],
        "updatedAt": versions[-1]["updatedAt"],
    }
    if cms is not None:
        experience["_cms"] = cms
    if metrics is not None:
        experience["metrics"] = metrics
    return experience


def linked_group(stack_project: str, experience: JSON, content_type: str, variant_names: list[str]) -> JSON:
    """A CMS variant group created by linking a Personalize experience (metadata on group and variants)."""
    group_uid: str = experience["_cms"]["variantGroup"]
    short: str = experience["shortUid"]
    metadata = {
        "project_uid": stack_project,
        "experience_uid": experience["uid"],
        "experience_short_uid": short,
        "status": "linked",
    }
    variants = []
    for (variant_short, variant_uid), name in zip(experience["_cms"]["variants"].items(), variant_names, strict=True):
        variants.append(
            {
                "uid": variant_uid,
                "name": name,
                "variant_group_uid": group_uid,
                "alias": f"cs_personalize_{short}_{variant_short}",
                "personalize_metadata": {**metadata, "variant_short_uid": variant_short},
                "created_at": CREATED,
                "updated_at": UPDATED,
            }
        )
    return {
        "uid": group_uid,
        "name": experience["name"],
        "description": "",
        "personalize_metadata": metadata,
        "content_types": [{"uid": content_type, "status": "linked"}],
        "created_by": MAIN_USER_UID,
        "updated_by": MAIN_USER_UID,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "variants": variants,
    }


def plain_group(uid: str, name: str, variants: list[tuple[str, str]], content_type: str) -> JSON:
    return {
        "uid": uid,
        "name": name,
        "description": "",
        "content_types": [{"uid": content_type, "status": "linked"}],
        "created_by": MAIN_USER_UID,
        "updated_by": MAIN_USER_UID,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "variants": [
            {
                "uid": v_uid,
                "name": v_name,
                "variant_group_uid": uid,
                "alias": v_uid,
                "created_at": CREATED,
                "updated_at": UPDATED,
            }
            for v_uid, v_name in variants
        ],
    }


def project(uid: str, name: str, description: str, org: str, stack: str | None) -> JSON:
    project: JSON = {
        "uid": uid,
        "name": name,
        "description": description,
        "organizationUid": org,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    }
    if stack is not None:
        project["connectedStackApiKey"] = stack
    return project


def stack(uid: str, api_key: str, name: str, org: str, owner: str, description: str) -> JSON:
    return {
        "uid": uid,
        "name": name,
        "description": description,
        "api_key": api_key,
        "org_uid": org,
        "master_locale": "en-us",
        "owner_uid": owner,
        "user_uids": [owner],
        "created_at": CREATED,
        "updated_at": UPDATED,
    }


def organization(uid: str, name: str, owner: str) -> JSON:
    return {
        "uid": uid,
        "name": name,
        "plan_id": "cms_plan",
        "owner_uid": owner,
        "is_owner": True,
        "enabled": True,
        "created_at": CREATED,
        "updated_at": UPDATED,
    }


def user(uid: str, email: str, first: str, last: str, orgs: list[JSON]) -> JSON:
    return {
        "uid": uid,
        "email": email,
        "username": email.split("@")[0].replace(".", "_"),
        "first_name": first,
        "last_name": last,
        "active": True,
        "created_at": CREATED,
        "updated_at": UPDATED,
        "organizations": [{"uid": o["uid"], "name": o["name"]} for o in orgs],
    }


def attribute(uid: str, project: str, name: str, key: str, description: str) -> JSON:
    """One custom attribute as `GET /attributes` documents it (`__type: "CUSTOM"`)."""
    return {
        "name": name,
        "key": key,
        "description": description,
        "project": project,
        "createdBy": MAIN_USER_UID,
        "updatedBy": MAIN_USER_UID,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
        "uid": uid,
        "createdByUserName": "Dana Whitfield",
        "updatedByUserName": "Dana Whitfield",
        "__type": "CUSTOM",
    }
