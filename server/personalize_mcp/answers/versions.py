"""Versions: Get All Versions, and the version joins other subjects use (pick by status, resolve audiences)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import Field

from personalize_mcp.answers.audiences import AudienceInfo, audiences_by_uid, resolve_audiences
from personalize_mcp.answers.experiences import AB_TEST, SEGMENTED
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models import Audience, Version, VersionVariant
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier

ACTIVE = "ACTIVE"
DRAFT = "DRAFT"


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


class VersionsResult(ResultModel):
    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience whose versions these are.")
    versions: list[VersionInfo] = Field(description="Every version of the experience, whatever its status.")
    audiences_version: AudiencesVersion | None = Field(
        description="The ACTIVE version (or the DRAFT, when asked) with each variant's audiences resolved; "
        "null when the experience has no version of that status."
    )
    note: str | None = Field(default=None, description="Why audiences_version is null, and what to try.")


def select_version(versions: Iterable[Version], status: str) -> Version | None:
    """The version with `status` — chosen by status, never by position in the list."""
    wanted = status.upper()
    return next((v for v in versions if v.status == wanted), None)


def statuses_of(versions: Sequence[Version]) -> list[str]:
    """Distinct statuses in upstream order, for messages like "its versions are: DRAFT, PAUSED"."""
    return list(dict.fromkeys(v.status or "UNKNOWN" for v in versions))


def find_variant(version: Version, short_uid: str) -> VersionVariant | None:
    return next((v for v in version.variants if v.short_uid == short_uid), None)


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


def resolve_version(
    version: Version, known: Mapping[str, Audience], attribute_names: Mapping[str, str] | None = None
) -> AudiencesVersion:
    return AudiencesVersion(
        uid=version.uid,
        status=version.status,
        variants=[
            ResolvedVariant(
                short_uid=variant.short_uid,
                name=variant.name,
                type=variant_type(variant),
                audience_combination=None if variant.is_ab_test else variant.audience_combination_type,
                traffic_distribution=variant.traffic_distribution,
                audiences=resolve_audiences(variant.all_audience_uids, known, attribute_names),
            )
            for variant in version.variants
        ],
    )


def missing_version_sentence(
    experience_uid: str, status: str, versions: Sequence[Version], *, label: str | None = None, tool: str = ""
) -> str:
    """Why there is no version of `status`, naming the statuses there are and what to try instead."""
    label = label or f"experience {experience_uid}"
    present = statuses_of(versions)
    has = f"its versions are: {', '.join(present)}" if present else "it has no versions at all"
    if status == ACTIVE:
        fix = (
            "call get_all_versions with audiences_of='draft' to see the draft's audiences"
            if tool == "get_all_versions"
            else "pass draft=true to see the draft's audiences"
        )
        if DRAFT not in present:
            fix = "activate a version in Contentstack Personalize, or call get_all_versions to inspect them"
    else:
        fix = (
            "call get_all_versions with audiences_of='active' instead"
            if tool == "get_all_versions"
            else "call again without draft to see the active version's audiences"
        )
        if ACTIVE not in present:
            fix = "create a draft in Contentstack Personalize, or call get_all_versions to inspect the versions"
    return f"The {label} has no {status} version ({has}); {fix}."


async def get_all_versions(
    lookups: Lookups, project_uid: str | None, experience_uid: str, audiences_of: str = "active"
) -> VersionsResult:
    uid = validate_identifier("experience_uid", experience_uid)
    status = _status_for(audiences_of)
    project = await lookups.resolve_project(project_uid)
    versions, (audiences, names) = await gather(
        lambda: lookups.versions(project, uid),
        lambda: lookups.audience_set(project),
    )
    chosen = select_version(versions, status)
    note = None
    if chosen is None:
        note = missing_version_sentence(uid, status, versions, tool="get_all_versions")
    return VersionsResult(
        project_uid=project,
        experience_uid=uid,
        versions=[version_view(v) for v in versions],
        audiences_version=resolve_version(chosen, audiences_by_uid(audiences), names) if chosen else None,
        note=note,
    )


def _status_for(audiences_of: str) -> str:
    choice = (audiences_of or "active").strip().lower()
    if choice not in ("active", "draft"):
        raise InvalidInputError(f"audiences_of must be 'active' or 'draft', not {audiences_of!r}.")
    return ACTIVE if choice == "active" else DRAFT
