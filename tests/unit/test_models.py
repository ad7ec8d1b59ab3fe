"""Upstream parsing tolerates envelopes, extra fields, missing fields and odd item shapes."""

from __future__ import annotations

import pytest

from personalize_mcp.answers.experiences import experience_type, experience_view
from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError
from personalize_mcp.contentstack.models.account import Project
from personalize_mcp.contentstack.models.cms_variants import CMSVariant, VariantGroup
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import VersionVariant
from personalize_mcp.contentstack.parsing import count_of, parse_list, parse_object


def test_bare_array_and_items_envelope_both_parse() -> None:
    bare = [{"uid": "a", "name": "A", "extra": 1}]
    assert [p.uid for p in parse_list(Api.PERSONALIZE, bare, Project, keys=("items",), what="projects")] == ["a"]
    wrapped = {"items": bare}
    assert [p.uid for p in parse_list(Api.PERSONALIZE, wrapped, Project, keys=("items",), what="projects")] == ["a"]


def test_items_without_uid_are_skipped_not_fatal() -> None:
    parsed = parse_list(Api.PERSONALIZE, [{"name": "no uid"}, {"uid": "b"}], Project, keys=(), what="projects")
    assert [p.uid for p in parsed] == ["b"]


@pytest.mark.parametrize("body", [None, "text", 3, {"unexpected": []}])
def test_a_list_answer_in_another_shape_is_a_clear_error(body: object) -> None:
    with pytest.raises(UnexpectedResponseError, match="Personalize Management API returned projects"):
        parse_list(Api.PERSONALIZE, body, Project, keys=("items",), what="projects")


def test_single_variant_under_either_key() -> None:
    one = {"uid": "v", "name": "V"}
    for key in ("variant", "variants"):
        assert parse_object(Api.CMA, {key: one}, CMSVariant, keys=("variant", "variants"), what="a variant").uid == "v"
    listed = {"variants": [one]}
    assert parse_object(Api.CMA, listed, CMSVariant, keys=("variant", "variants"), what="a variant").uid == "v"


def test_experience_tolerates_missing_and_odd_fields() -> None:
    experience = Experience.model_validate(
        {
            "uid": "e",
            "shortUid": 3,
            "referredAudiences": ["a", {"uid": "b"}, 7],
            "_cms": "nonsense",
            "latestVersion": {"uid": "v"},
        }
    )
    assert experience.short_uid == "3"
    assert experience.referred_audiences == ["a", "b"]
    assert experience.cms is None
    assert experience.latest_version == "v"
    view = experience_view(experience)
    assert view.variant_group_uid is None and view.cms_variant_uids == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SEGMENTED", "SEGMENTED"),
        ("SegmentedExperience", "SEGMENTED"),
        ("AB_TEST", "AB_TEST"),
        ("ABTest", "AB_TEST"),
        ("OTHER", "OTHER"),
        (None, None),
    ],
)
def test_experience_type_spellings(raw: str | None, expected: str | None) -> None:
    assert experience_type(raw) == expected


def test_ab_variant_detected_by_type_or_by_traffic_without_audiences() -> None:
    assert VersionVariant.model_validate({"__type": "ABTestVariant"}).is_ab_test
    assert VersionVariant.model_validate({"trafficDistribution": "50"}).is_ab_test
    assert not VersionVariant.model_validate({"__type": "SegmentedVariant", "audiences": ["a"]}).is_ab_test
    # A segmented variant stays segmented even when it carries a traffic share and no audience yet.
    assert not VersionVariant.model_validate({"__type": "SegmentedVariant", "trafficDistribution": 50}).is_ab_test


def test_variant_group_metadata_without_experience_is_no_link() -> None:
    group = VariantGroup.model_validate(
        {"uid": "g", "personalize_metadata": {"status": "unlinked"}, "content_types": ["page"]}
    )
    assert group.personalize_metadata is None
    assert [c.uid for c in group.content_types] == ["page"]


def test_count_of() -> None:
    assert count_of({"count": 5}) == 5
    assert count_of({"count": True}) is None
    assert count_of({"count": -1}) is None
    assert count_of([]) is None
