"""The pure joins: version choice by status, variants by short uid, audiences by uid."""

from __future__ import annotations

from typing import Any

from personalize_mcp.answers.audiences import UNKNOWN_AUDIENCE_RULES, resolve_audiences
from personalize_mcp.answers.variants import format_traffic, short_uid_of_cms_variant
from personalize_mcp.answers.versions import find_variant, resolve_version, select_version, statuses_of
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version


def version(uid: str, status: str, *variants: dict[str, Any]) -> Version:
    return Version.model_validate({"uid": uid, "status": status, "variants": list(variants)})


def segmented(short: str, *audiences: str, lytics: tuple[str, ...] = (), combine: str = "OR") -> dict[str, Any]:
    return {
        "__type": "SegmentedVariant",
        "shortUid": short,
        "name": f"variant {short}",
        "audiences": list(audiences),
        "lyticsAudiences": list(lytics),
        "audienceCombinationType": combine,
    }


def audience(uid: str, name: str, definition: Any = None) -> Audience:
    return Audience.model_validate({"uid": uid, "name": name, "definition": definition})


def test_select_version_by_status_never_by_position() -> None:
    versions = [version("d", "DRAFT"), version("p", "PAUSED"), version("a", "ACTIVE"), version("x", "ARCHIVED")]
    assert select_version(versions, "ACTIVE") is versions[2]
    assert select_version(versions, "draft") is versions[0]
    assert select_version(versions[:2], "ACTIVE") is None


def test_status_is_normalised_to_upper_case() -> None:
    assert select_version([version("a", "active")], "ACTIVE") is not None


def test_statuses_of_lists_each_once_in_order() -> None:
    versions = [version("1", "ARCHIVED"), version("2", "DRAFT"), version("3", "ARCHIVED")]
    assert statuses_of(versions) == ["ARCHIVED", "DRAFT"]


def test_find_variant_by_short_uid_also_numeric_short_uids() -> None:
    v = version("a", "ACTIVE", {**segmented("0", "x"), "shortUid": 0}, segmented("1", "y"))
    found = find_variant(v, "0")
    assert found is not None and found.audiences == ["x"]
    assert find_variant(v, "2") is None


def test_resolve_audiences_keeps_order_lytics_and_dangling_uids() -> None:
    known = {a.uid: a for a in [audience("a", "A"), audience("l", "Lytics")]}
    resolved = resolve_audiences(["l", "missing", "a"], known)
    assert [r.uid for r in resolved] == ["l", "missing", "a"]
    assert resolved[1].name is None and resolved[1].rules == UNKNOWN_AUDIENCE_RULES


def test_resolve_version_merges_native_and_lytics_audiences_without_repeats() -> None:
    v = version("v", "ACTIVE", segmented("0", "a", "b", lytics=("l", "a"), combine="AND"))
    known = {x.uid: x for x in [audience("a", "A"), audience("b", "B"), audience("l", "L")]}
    resolved = resolve_version(v, known)
    variant = resolved.variants[0]
    assert [a.uid for a in variant.audiences] == ["a", "b", "l"]
    assert variant.audience_combination == "AND"
    assert variant.type == "SEGMENTED"


def test_ab_test_variants_have_traffic_and_no_audiences() -> None:
    v = version(
        "v", "ACTIVE", {"__type": "ABTestVariant", "shortUid": "0", "name": "Control", "trafficDistribution": 50}
    )
    variant = resolve_version(v, {}).variants[0]
    assert variant.type == "AB_TEST"
    assert variant.traffic_distribution == 50
    assert variant.audiences == []
    assert variant.audience_combination is None


def test_short_uid_of_cms_variant_reads_the_cms_map_backwards() -> None:
    experience = Experience.model_validate(
        {"uid": "e", "_cms": {"variantGroup": "g", "variants": {"0": "a", "1": "b"}}}
    )
    assert short_uid_of_cms_variant(experience, "b") == "1"
    assert short_uid_of_cms_variant(experience, "zz") is None
    assert short_uid_of_cms_variant(Experience.model_validate({"uid": "e"}), "b") is None


def test_format_traffic() -> None:
    assert format_traffic(30.0) == "30%"
    assert format_traffic(12.5) == "12.5%"
    assert format_traffic(None) == "an unspecified share"
