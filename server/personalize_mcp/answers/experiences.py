"""Experiences: Get All Experiences and Get a Single Experience (summaries; variants live in versions)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models import Experience
from personalize_mcp.runtime.ids import validate_identifier

SEGMENTED = "SEGMENTED"
AB_TEST = "AB_TEST"


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


class ExperiencesResult(ResultModel):
    project_uid: str = Field(description="The project the experiences belong to.")
    experiences: list[ExperienceInfo] = Field(description="The project's experiences.")


class SingleExperienceResult(ResultModel):
    project_uid: str = Field(description="The project the experience belongs to.")
    experience: ExperienceInfo = Field(description="The experience.")


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


def experience_label(uid: str, experience: Experience | None) -> str:
    """ "experience 'Homepage hero' (uid)" when the name is known, for sentences."""
    if experience is not None and experience.name:
        return f"experience '{experience.name}' ({uid})"
    return f"experience {uid}"


async def get_all_experiences(lookups: Lookups, project_uid: str | None) -> ExperiencesResult:
    project = await lookups.resolve_project(project_uid)
    experiences = await lookups.experiences(project)
    return ExperiencesResult(project_uid=project, experiences=[experience_view(e) for e in experiences])


async def get_single_experience(
    lookups: Lookups, project_uid: str | None, experience_uid: str
) -> SingleExperienceResult:
    uid = validate_identifier("experience_uid", experience_uid)
    project = await lookups.resolve_project(project_uid)
    experience = await lookups.experience(project, uid)
    return SingleExperienceResult(project_uid=project, experience=experience_view(experience))
