"""Upstream models -> the compact views the tools answer with."""

from __future__ import annotations

from collections.abc import Mapping

from personalize_mcp.answers.results import (
    AudienceInfo,
    ExperienceInfo,
    ProjectInfo,
    StackInfo,
    VariantGroupInfo,
    VariantInfo,
    VersionInfo,
    VersionVariantInfo,
)
from personalize_mcp.contentstack.models import (
    Audience,
    CMSVariant,
    Experience,
    Project,
    Stack,
    VariantGroup,
    Version,
    VersionVariant,
)
from personalize_mcp.rules.render import render_definition

SEGMENTED = "SEGMENTED"
AB_TEST = "AB_TEST"
UNKNOWN_AUDIENCE_RULES = "(unknown: this audience uid is not among the project's audiences)"


def project_view(project: Project) -> ProjectInfo:
    return ProjectInfo(
        uid=project.uid,
        name=project.name,
        description=project.description or None,
        connected_stack_api_key=project.connected_stack_api_key,
    )


def audience_view(audience: Audience, attribute_names: Mapping[str, str] | None = None) -> AudienceInfo:
    return AudienceInfo(
        uid=audience.uid,
        name=audience.name,
        description=audience.description or None,
        source=audience.source,
        rules=render_definition(audience.definition, attribute_names),
    )


def unknown_audience_view(uid: str) -> AudienceInfo:
    """A referenced audience the project no longer lists: keep the uid, say what is missing."""
    return AudienceInfo(uid=uid, rules=UNKNOWN_AUDIENCE_RULES)


def experience_type(raw: str | None) -> str | None:
    """Normalise `__type` spellings (`SEGMENTED`, `SegmentedExperience`, `AB_TEST`, `ABTestVariant`)."""
    if raw is None:
        return None
    squashed = raw.upper().replace("_", "").replace("-", "")
    if squashed.startswith("SEGMENT"):
        return SEGMENTED
    if squashed.startswith("ABTEST") or squashed == "AB":
        return AB_TEST
    return raw


def experience_view(experience: Experience) -> ExperienceInfo:
    cms = experience.cms
    return ExperienceInfo(
        uid=experience.uid,
        name=experience.name,
        description=experience.description or None,
        type=experience_type(experience.type),
        status=experience.status,
        short_uid=experience.short_uid,
        latest_version_uid=experience.latest_version,
        audience_uids=experience.referred_audiences,
        variant_group_uid=cms.variant_group if cms else None,
        cms_variant_uids=dict(cms.variants) if cms else {},
    )


def variant_type(variant: VersionVariant) -> str:
    return AB_TEST if variant.is_ab_test else SEGMENTED


def version_variant_view(variant: VersionVariant) -> VersionVariantInfo:
    ab_test = variant.is_ab_test
    return VersionVariantInfo(
        short_uid=variant.short_uid,
        name=variant.name,
        type=variant_type(variant),
        audience_uids=variant.all_audience_uids,
        audience_combination=None if ab_test else variant.audience_combination_type,
        traffic_distribution=variant.traffic_distribution,
    )


def version_view(version: Version) -> VersionInfo:
    return VersionInfo(
        uid=version.uid,
        status=version.status,
        variants=[version_variant_view(v) for v in version.variants],
    )


def stack_view(stack: Stack) -> StackInfo:
    return StackInfo(api_key=stack.api_key, name=stack.name, uid=stack.uid, master_locale=stack.master_locale)


def variant_group_view(group: VariantGroup) -> VariantGroupInfo:
    meta = group.personalize_metadata
    return VariantGroupInfo(
        uid=group.uid,
        name=group.name,
        experience_uid=meta.experience_uid if meta else None,
        project_uid=meta.project_uid if meta else None,
        content_type_uids=[link.uid for link in group.content_types],
    )


def variant_view(variant: CMSVariant) -> VariantInfo:
    meta = variant.personalize_metadata
    return VariantInfo(
        uid=variant.uid,
        name=variant.name,
        alias=variant.alias,
        variant_short_uid=meta.variant_short_uid if meta else None,
    )
