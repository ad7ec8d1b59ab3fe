"""Get Audience(s) of a Variant: the connector's join from a CMS entry variant to who sees it.

CMS variant -> its Personalize link (on the variant, else its group, else the experience's `_cms`
map read backwards) -> the experience's versions, picked by status -> the variant by short uid ->
its audiences resolved (contentstack-api.md §4). Upstream-sourced ids go into URLs too, so they
are validated like arguments.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.audiences import AudienceInfo, audience_catalogue, resolve_in
from personalize_mcp.answers.experiences import AB_TEST, SEGMENTED, experience_label
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import VariantRef, VersionRef
from personalize_mcp.answers.versions import ACTIVE, DRAFT, find_variant, missing_version_sentence, select_version
from personalize_mcp.contentstack.models.cms_variants import PersonalizeMetadata
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, quoted
from personalize_mcp.runtime.ids import is_identifier, validate_identifier


class VariantAudiencesResult(Paged):
    stack_api_key: str = Field(description="The stack of the CMS variant.")
    variant_group_uid: str = Field(description="The CMS variant group.")
    variant_uid: str = Field(description="The CMS variant.")
    project_uid: str = Field(description="The Personalize project the variant is linked to.")
    experience_uid: str = Field(description="The Personalize experience the variant group is linked to.")
    experience_name: str | None = Field(default=None, description="The experience's name, when known.")
    version: VersionRef = Field(description="The version whose audiences are given.")
    variant: VariantRef = Field(description="The Personalize variant the CMS variant is linked to.")
    experience_type: str = Field(
        description="SEGMENTED: the audiences below see the variant; AB_TEST: no audience is targeted, a share of "
        "the traffic (traffic_distribution) gets it at random."
    )
    traffic_distribution: float | None = Field(
        default=None, description="A/B test variants: the percentage of the experience's traffic that gets it."
    )
    audience_combination: str | None = Field(
        default=None, description="OR: a visitor in any of the audiences sees it; AND: only visitors in all."
    )
    audiences: list[AudienceInfo] = Field(
        description="The audiences who see this variant, Lytics ones included (this page: see total); "
        "empty for an A/B test variant."
    )


def short_uid_of_cms_variant(experience: Experience, cms_variant_uid: str) -> str | None:
    """The experience's `_cms.variants` map read backwards: CMS variant uid -> variant short uid."""
    if experience.cms is None:
        return None
    return next((short for short, uid in experience.cms.variants.items() if uid == cms_variant_uid), None)


def format_traffic(share: float | None) -> str:
    if share is None:
        return "an unspecified share"
    return f"{share:g}%"


async def get_variant_audiences(
    lookups: Lookups,
    stack_api_key: str,
    variant_group_uid: str,
    variant_uid: str,
    draft: bool = False,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> VariantAudiencesResult:
    stack = validate_identifier("stack_api_key", stack_api_key)
    group = validate_identifier("variant_group_uid", variant_group_uid)
    variant_id = validate_identifier("variant_uid", variant_uid)
    status = DRAFT if draft else ACTIVE
    args = list_args(f"get_variant_audiences:{stack}:{group}:{variant_id}:{status}", limit=limit, cursor=cursor)

    link = await personalize_link(lookups, stack, group, variant_id)
    project, experience_uid, short_uid = _checked_link(link, group, variant_id)
    versions, known, experiences = await gather(
        lambda: lookups.versions(project, experience_uid),
        lambda: audience_catalogue(lookups, project),
        lambda: lookups.experiences_or_empty(project),
    )
    experience = next((e for e in experiences if e.uid == experience_uid), None)
    label = experience_label(experience_uid, experience)

    version = select_version(versions, status)
    if version is None:
        raise NotFoundError(missing_version_sentence(experience_uid, status, versions, label=label))
    personalize_variant = find_variant(version, short_uid)
    if personalize_variant is None:
        raise NotFoundError(
            f"CMS variant {variant_id} is linked to variant short uid {short_uid} of {label}, but the "
            f"{status} version ({version.uid}) has no such variant; call get_all_versions for "
            f"experience_uid {experience_uid} to see its variants."
        )
    ab_test = personalize_variant.is_ab_test
    resolved = [] if ab_test else resolve_in(known, personalize_variant.all_audience_uids)
    catalogue = Catalogue.in_key_order(
        ((f"{n:06d}", info) for n, info in enumerate(resolved)), search=lambda info: (info.name, info.uid)
    )
    page = catalogue.page(args, "audiences", tool="get_variant_audiences")
    note = page.note
    if ab_test:
        note = (
            f"{quoted(personalize_variant.name or short_uid, 40)} is a variant of the A/B test {label}: no audience is "
            f"targeted; {format_traffic(personalize_variant.traffic_distribution)} of the visitors who reach the "
            "experience get it, at random."
        )
    return VariantAudiencesResult(
        stack_api_key=stack,
        variant_group_uid=group,
        variant_uid=variant_id,
        project_uid=project,
        experience_uid=experience_uid,
        experience_name=experience.name if experience else None,
        version=VersionRef(uid=version.uid, status=version.status),
        variant=VariantRef(short_uid=personalize_variant.short_uid, name=personalize_variant.name),
        experience_type=AB_TEST if ab_test else SEGMENTED,
        traffic_distribution=personalize_variant.traffic_distribution if ab_test else None,
        audience_combination=None if ab_test else personalize_variant.audience_combination_type,
        audiences=page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        note=note,
    )


async def personalize_link(lookups: Lookups, stack: str, group: str, variant_uid: str) -> PersonalizeMetadata:
    """The CMS variant's link to Personalize, from the variant or, failing that, its group."""
    variant = await lookups.cms_variant(stack, group, variant_uid)
    meta = variant.personalize_metadata
    if meta is not None and meta.project_uid and meta.variant_short_uid is not None:
        return meta
    return await _link_from_group(lookups, stack, group, variant_uid, meta)


async def _link_from_group(
    lookups: Lookups, stack: str, group_uid: str, variant_uid: str, partial: PersonalizeMetadata | None
) -> PersonalizeMetadata:
    group = next((g for g in await lookups.variant_groups(stack) if g.uid == group_uid), None)
    group_meta = group.personalize_metadata if group else None
    experience_uid = (partial.experience_uid if partial else None) or (
        group_meta.experience_uid if group_meta else None
    )
    project_uid = (partial.project_uid if partial else None) or (group_meta.project_uid if group_meta else None)
    if not experience_uid or not project_uid:
        raise InvalidInputError(
            f"Variant group {group_uid} is a plain CMS variant group, not linked to a Personalize "
            "experience, so its variants have no audiences; call list_variant_groups to find groups "
            "whose experience_uid is set."
        )
    short_uid = partial.variant_short_uid if partial else None
    if short_uid is None and is_identifier(project_uid):
        experience = next((e for e in await lookups.experiences(project_uid) if e.uid == experience_uid), None)
        short_uid = short_uid_of_cms_variant(experience, variant_uid) if experience else None
    if short_uid is None:
        raise NotFoundError(
            f"CMS variant {variant_uid} is in a group linked to experience {experience_uid}, but it is not "
            "linked to any of the experience's variants; link it in Contentstack or pick another variant "
            "with list_variants."
        )
    return PersonalizeMetadata(project_uid=project_uid, experience_uid=experience_uid, variant_short_uid=short_uid)


def _checked_link(link: PersonalizeMetadata, group: str, variant_uid: str) -> tuple[str, str, str]:
    project, experience, short_uid = link.project_uid, link.experience_uid, link.variant_short_uid
    if project and experience and short_uid and all(is_identifier(v) for v in (project, experience, short_uid)):
        return project, experience, short_uid
    raise NotFoundError(
        f"The Personalize link stored on CMS variant {variant_uid} (group {group}) is incomplete or "
        "malformed; re-link the variant group in Contentstack."
    )
