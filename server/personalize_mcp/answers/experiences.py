"""Experiences: Get All Experiences and Get a Single Experience (summaries; variants live in versions)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.runtime.errors import quoted
from personalize_mcp.runtime.ids import validate_choice, validate_identifier

SEGMENTED = "SEGMENTED"
AB_TEST = "AB_TEST"
TYPES = (SEGMENTED, AB_TEST)
STATUSES = ("ACTIVE", "DRAFT", "PAUSED", "ARCHIVED")
"""The experience and version states of contentstack-api.md §2 (what `status` may filter by)."""


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


class ExperiencesResult(Paged):
    project_uid: str = Field(description="The project the experiences belong to.")
    experiences: list[ExperienceInfo] = Field(description="The project's experiences (this page, by uid).")


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
        return f"experience {quoted(experience.name, 40)} ({uid})"
    return f"experience {uid}"


async def experience_catalogue(lookups: Lookups, project: str) -> Catalogue[ExperienceInfo]:
    experiences = await lookups.experiences(project)
    return lookups.derived(
        ("experience-catalogue", project),
        (experiences,),
        lambda: Catalogue(
            (experience_view(e) for e in experiences),
            key=lambda v: v.uid,
            search=lambda v: (v.name, v.uid, v.short_uid),
        ),
    )


async def get_all_experiences(
    lookups: Lookups,
    project_uid: str | None,
    *,
    status: str | None = None,
    type: str | None = None,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> ExperiencesResult:
    wanted_status = validate_choice("status", status, STATUSES)
    wanted_type = validate_choice("type", type, TYPES, aliases={"AB": AB_TEST})
    project = await lookups.resolve_project(project_uid)
    args = list_args(
        f"get_all_experiences:{project}",
        query=query,
        limit=limit,
        cursor=cursor,
        filters={"status": wanted_status, "type": wanted_type},
    )
    catalogue = await experience_catalogue(lookups, project)
    selection = None
    if wanted_status or wanted_type:
        selection = catalogue.select(
            args.query,
            ("filters", wanted_status, wanted_type),
            lambda v: (
                (wanted_status is None or (v.status or "").upper() == wanted_status)
                and (wanted_type is None or v.type == wanted_type)
            ),
        )
    page = catalogue.page(args, "experiences", tool="get_all_experiences", selection=selection)
    return ExperiencesResult(project_uid=project, experiences=page.items, **page.fields())


async def get_single_experience(
    lookups: Lookups, project_uid: str | None, experience_uid: str
) -> SingleExperienceResult:
    uid = validate_identifier("experience_uid", experience_uid)
    project = await lookups.resolve_project(project_uid)
    experience = await lookups.experience(project, uid)
    return SingleExperienceResult(project_uid=project, experience=experience_view(experience))
