"""The version answers' result models: a version and its variants, resolved audiences, Get All Versions' page.

Apart from `versions` (which builds them and holds the joins other subjects use) so the schema reads
in one place.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.audiences import AudienceInfo
from personalize_mcp.answers.paging import Paged
from personalize_mcp.answers.shapes import ResultModel


class VersionVariantInfo(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name.")
    type: str | None = Field(default=None, description="SEGMENTED (targets audiences) or AB_TEST (traffic split).")
    audience_uids: list[str] = Field(
        default_factory=list,
        description="Audiences targeted, Lytics audiences included (segmented variants); the first ones only "
        "when audience_count is larger.",
    )
    audience_count: int = Field(default=0, description="How many audiences the variant targets.")
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
    audience_count: int = Field(default=0, description="How many audiences the variant targets in all.")
    audiences: list[AudienceInfo] = Field(
        default_factory=list,
        description="The audiences who see this variant, Lytics ones included (those on this page: see total).",
    )


class AudiencesVersion(ResultModel):
    uid: str = Field(description="Uid of the version whose audiences are resolved.")
    status: str | None = Field(default=None, description="Its status (ACTIVE, or DRAFT when asked for).")
    variants: list[ResolvedVariant] = Field(default_factory=list, description="Each variant with its audiences.")


class VersionsResult(Paged):
    """Paged by the resolved audiences of `audiences_version`, variant by variant (`total` counts them)."""

    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience whose versions these are.")
    experience_name: str | None = Field(default=None, description="The experience's name, when known.")
    versions: list[VersionInfo] = Field(description="Every version of the experience, whatever its status.")
    audiences_version: AudiencesVersion | None = Field(
        description="The ACTIVE version (or the DRAFT, when asked) with each variant's audiences resolved; "
        "null when the experience has no version of that status."
    )
