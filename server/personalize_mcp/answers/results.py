"""What the tools answer: compact, model-friendly views of upstream data (these are the outputSchemas).

Field names are snake_case and stable (CONTRACT.md). Ids a follow-up call needs are always
kept; upstream bookkeeping is dropped. Every field is described, since the description is what
a model reads in the outputSchema.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ResultModel(BaseModel):
    model_config = ConfigDict(frozen=True)


# ---- Personalize ----------------------------------------------------------------------------


class ProjectInfo(ResultModel):
    uid: str = Field(description="Project uid: pass it as project_uid to the other tools.")
    name: str | None = Field(default=None, description="Project name.")
    description: str | None = Field(default=None, description="Project description, if any.")
    connected_stack_api_key: str | None = Field(
        default=None, description="API key of the CMS stack connected to this project, if any."
    )


class AudienceInfo(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name.")
    description: str | None = Field(default=None, description="Audience description, if any.")
    source: str | None = Field(default=None, description="Where the audience comes from, e.g. LYTICS for synced ones.")
    rules: str = Field(description="The audience definition in plain words, e.g. 'country equals \"AU\"'.")


class ExperienceInfo(ResultModel):
    uid: str = Field(description="Experience uid: pass it as experience_uid.")
    name: str | None = Field(default=None, description="Experience name.")
    description: str | None = Field(default=None, description="Experience description, if any.")
    type: str | None = Field(default=None, description="SEGMENTED (audience-targeted) or AB_TEST.")
    status: str | None = Field(default=None, description="Experience status, e.g. ACTIVE, DRAFT, PAUSED.")
    short_uid: str | None = Field(default=None, description="Short uid used in CMS variant aliases.")
    latest_version_uid: str | None = Field(default=None, description="Uid of the experience's latest version.")
    audience_uids: list[str] = Field(default_factory=list, description="Uids of the audiences the experience uses.")
    variant_group_uid: str | None = Field(
        default=None, description="Uid of the linked CMS variant group (for list_variants), if linked."
    )
    cms_variant_uids: dict[str, str] = Field(
        default_factory=dict, description="Variant short uid -> linked CMS variant uid."
    )


class VersionVariantInfo(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name.")
    type: str | None = Field(default=None, description="SEGMENTED (targets audiences) or AB_TEST (traffic split).")
    audience_uids: list[str] = Field(
        default_factory=list, description="Audiences targeted, Lytics audiences included (segmented variants)."
    )
    audience_combination: str | None = Field(
        default=None, description="How the audiences combine: OR (any of them) or AND (all of them)."
    )
    traffic_distribution: float | None = Field(
        default=None, description="Percentage of traffic this variant receives (A/B test variants)."
    )


class VersionInfo(ResultModel):
    uid: str = Field(description="Version uid.")
    status: str | None = Field(default=None, description="ACTIVE, DRAFT, PAUSED or ARCHIVED.")
    variants: list[VersionVariantInfo] = Field(default_factory=list, description="The version's variants.")


class ResolvedVariant(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid.")
    name: str | None = Field(default=None, description="Variant name.")
    type: str | None = Field(default=None, description="SEGMENTED or AB_TEST.")
    audience_combination: str | None = Field(default=None, description="OR (any audience) or AND (all audiences).")
    traffic_distribution: float | None = Field(default=None, description="Traffic percentage (A/B test variants).")
    audiences: list[AudienceInfo] = Field(
        default_factory=list, description="The audiences who see this variant, Lytics ones included."
    )


class AudiencesVersion(ResultModel):
    uid: str = Field(description="Uid of the version whose audiences are resolved.")
    status: str | None = Field(default=None, description="Its status (ACTIVE, or DRAFT when asked for).")
    variants: list[ResolvedVariant] = Field(default_factory=list, description="Each variant with its audiences.")


class ProjectsResult(ResultModel):
    projects: list[ProjectInfo] = Field(description="Every Personalize project of the organisation.")


class AudiencesResult(ResultModel):
    project_uid: str = Field(description="The project the audiences belong to.")
    audiences: list[AudienceInfo] = Field(description="The audiences, with their rules in plain words.")


class SingleAudienceResult(ResultModel):
    project_uid: str = Field(description="The project the audience belongs to.")
    audience: AudienceInfo = Field(description="The audience, with its rules in plain words.")


class ExperiencesResult(ResultModel):
    project_uid: str = Field(description="The project the experiences belong to.")
    experiences: list[ExperienceInfo] = Field(description="The project's experiences.")


class SingleExperienceResult(ResultModel):
    project_uid: str = Field(description="The project the experience belongs to.")
    experience: ExperienceInfo = Field(description="The experience.")


class VersionsResult(ResultModel):
    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience whose versions these are.")
    versions: list[VersionInfo] = Field(description="Every version of the experience, whatever its status.")
    audiences_version: AudiencesVersion | None = Field(
        description="The ACTIVE version (or the DRAFT, when asked) with each variant's audiences resolved; "
        "null when the experience has no version of that status."
    )
    note: str | None = Field(default=None, description="Why audiences_version is null, and what to try.")


class VersionRef(ResultModel):
    uid: str = Field(description="Version uid.")
    status: str | None = Field(default=None, description="ACTIVE or DRAFT.")


class VariantRef(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name in Personalize.")


class VariantAudiencesResult(ResultModel):
    stack_api_key: str = Field(description="The stack of the CMS variant.")
    variant_group_uid: str = Field(description="The CMS variant group.")
    variant_uid: str = Field(description="The CMS variant.")
    project_uid: str = Field(description="The Personalize project the variant is linked to.")
    experience_uid: str = Field(description="The Personalize experience the variant group is linked to.")
    experience_name: str | None = Field(default=None, description="The experience's name, when known.")
    version: VersionRef = Field(description="The version whose audiences are given.")
    variant: VariantRef = Field(description="The Personalize variant the CMS variant is linked to.")
    audience_combination: str | None = Field(
        default=None, description="OR: a visitor in any of the audiences sees it; AND: only visitors in all."
    )
    audiences: list[AudienceInfo] = Field(description="The audiences who see this variant, Lytics ones included.")


# ---- CMS --------------------------------------------------------------------------------------


class StackInfo(ResultModel):
    api_key: str = Field(description="Stack API key: pass it as stack_api_key.")
    name: str | None = Field(default=None, description="Stack name.")
    uid: str | None = Field(default=None, description="Stack uid.")
    master_locale: str | None = Field(default=None, description="The stack's master locale.")


class StacksResult(ResultModel):
    stacks: list[StackInfo] = Field(description="The stacks of the account's organisation.")


class VariantGroupInfo(ResultModel):
    uid: str = Field(description="Variant group uid: pass it as variant_group_uid.")
    name: str | None = Field(default=None, description="Variant group name.")
    experience_uid: str | None = Field(
        description="The linked Personalize experience; null for a plain CMS variant group."
    )
    project_uid: str | None = Field(default=None, description="The linked Personalize project, if linked.")
    content_type_uids: list[str] = Field(default_factory=list, description="Content types the group applies to.")


class VariantGroupsResult(ResultModel):
    stack_api_key: str = Field(description="The stack the groups belong to.")
    variant_groups: list[VariantGroupInfo] = Field(description="Every variant group of the stack.")


class VariantInfo(ResultModel):
    uid: str = Field(description="CMS variant uid: pass it as variant_uid.")
    name: str | None = Field(default=None, description="Variant name.")
    alias: str | None = Field(default=None, description="Variant alias, e.g. cs_personalize_0_1.")
    variant_short_uid: str | None = Field(
        default=None, description="Short uid of the linked Personalize variant, if linked."
    )


class VariantsResult(ResultModel):
    stack_api_key: str = Field(description="The stack of the group.")
    variant_group_uid: str = Field(description="The variant group.")
    variants: list[VariantInfo] = Field(description="Every variant of the group.")
