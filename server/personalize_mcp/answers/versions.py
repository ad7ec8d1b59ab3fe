"""Versions: Get All Versions, and the version joins other subjects use (pick by status, resolve audiences).

The result models live in `version_views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from personalize_mcp.answers.audiences import AudienceInfo, audience_catalogue, resolve_audiences, resolve_in
from personalize_mcp.answers.experiences import AB_TEST, SEGMENTED
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import ENVELOPE_BYTES, Catalogue, Page, json_size, list_args
from personalize_mcp.answers.version_views import (
    AudiencesVersion,
    ResolvedVariant,
    VersionInfo,
    VersionsResult,
    VersionVariantInfo,
)
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError, quoted
from personalize_mcp.runtime.ids import validate_identifier
from personalize_mcp.runtime.plurals import count, is_are

ACTIVE = "ACTIVE"
DRAFT = "DRAFT"


def select_version(versions: Iterable[Version], status: str) -> Version | None:
    """The version with `status` — chosen by status, never by position in the list."""
    wanted = status.upper()
    return next((v for v in versions if v.status == wanted), None)


def statuses_of(versions: Sequence[Version]) -> list[str]:
    """Distinct statuses in upstream order, for messages like "its versions are: DRAFT, PAUSED"."""
    return list(dict.fromkeys(_status_word(v.status) for v in versions))


def _status_word(status: str | None) -> str:
    """An upstream status as a message shows it: the word itself when it is one, else quoted."""
    if not status:
        return "UNKNOWN"
    return status if status.replace("_", "").isalpha() and len(status) <= 20 else quoted(status, 20)


def find_variant(version: Version, short_uid: str) -> VersionVariant | None:
    return next((v for v in version.variants if v.short_uid == short_uid), None)


def variant_type(variant: VersionVariant) -> str:
    return AB_TEST if variant.is_ab_test else SEGMENTED


def version_variant_view(variant: VersionVariant, max_uids: int | None = None) -> VersionVariantInfo:
    ab_test = variant.is_ab_test
    uids = variant.all_audience_uids
    return VersionVariantInfo(
        short_uid=variant.short_uid,
        name=variant.name,
        type=variant_type(variant),
        audience_uids=uids if max_uids is None else uids[:max_uids],
        audience_count=len(uids),
        audience_combination=None if ab_test else variant.audience_combination_type,
        traffic_distribution=variant.traffic_distribution,
    )


def version_view(version: Version, max_uids: int | None = None) -> VersionInfo:
    return VersionInfo(
        uid=version.uid,
        status=version.status,
        variants=[version_variant_view(v, max_uids) for v in version.variants],
    )


_UID_CAPS = (None, 100, 25, 5, 0)
"""How far a variant's audience uid list is cut, in turn, until the version summary fits its share."""


def fit_versions(versions: Sequence[Version], room: int) -> tuple[list[VersionInfo], str | None]:
    """The version summary within `room` bytes: audience uid lists cut first, then the oldest versions.

    Returns the views and, when anything was cut, the words saying what (for the answer's note).
    """
    for cap in _UID_CAPS:
        views = [version_view(v, cap) for v in versions]
        if sum(json_size(v) + 1 for v in views) <= room:
            if cap is None:
                return views, None
            return views, f"variants list at most {cap} audience uids each (audience_count has the full number)"
    kept: list[VersionInfo] = []
    spent = 0
    ranked = sorted(views, key=lambda v: v.status not in (ACTIVE, DRAFT, "PAUSED"))  # live ones first, stable
    for view in ranked:
        spent += json_size(view) + 1
        if spent > room and kept:
            break
        kept.append(view)
    shown = {v.uid for v in kept}
    return [v for v in views if v.uid in shown], (
        f"{len(kept)} of {count(len(views), 'version')} {is_are(len(kept))} listed (ACTIVE, DRAFT and PAUSED first), "
        "without audience uids"
    )


def resolve_version(
    version: Version, known: Mapping[str, Audience], attribute_names: Mapping[str, str] | None = None
) -> AudiencesVersion:
    """The whole version with every variant's audiences resolved (no paging: for joins and tests)."""
    return resolved_version(
        version,
        {n: resolve_audiences(v.all_audience_uids, known, attribute_names) for n, v in enumerate(version.variants)},
    )


def resolved_version(version: Version, audiences: Mapping[int, list[AudienceInfo]]) -> AudiencesVersion:
    """The version's variants, variant n holding `audiences[n]` (all of them, or one page's share)."""
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
                audience_count=len(variant.all_audience_uids),
                audiences=audiences.get(index, []),
            )
            for index, variant in enumerate(version.variants)
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


def resolved_catalogue(
    lookups: Lookups, project: str, version: Version, known: Catalogue[AudienceInfo]
) -> Catalogue[AudienceInfo]:
    """A version's resolved audiences, variant by variant, keyed `variant.audience` positions (in order)."""

    def build() -> Catalogue[AudienceInfo]:
        keyed = (
            (f"{v:04d}.{a:06d}", info)
            for v, variant in enumerate(version.variants)
            for a, info in enumerate(resolve_in(known, variant.all_audience_uids))
        )
        return Catalogue.in_key_order(keyed, search=lambda info: (info.name, info.uid))

    return lookups.derived(("resolved-audiences", project, version.uid), (version, known), build)


def audiences_version_page(version: Version, page: Page[AudienceInfo]) -> AudiencesVersion:
    """The version's variants, each holding the resolved audiences of `page` that belong to it."""
    by_variant: dict[int, list[AudienceInfo]] = {}
    for key, info in zip(page.keys, page.items, strict=True):
        by_variant.setdefault(int(key.split(".", 1)[0]), []).append(info)
    return resolved_version(version, by_variant)


async def get_all_versions(
    lookups: Lookups,
    project_uid: str | None,
    experience_uid: str,
    audiences_of: str = "active",
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> VersionsResult:
    uid = validate_identifier("experience_uid", experience_uid)
    status = _status_for(audiences_of)
    project = await lookups.resolve_project(project_uid)
    args = list_args(f"get_all_versions:{project}:{uid}:{status}", limit=limit, cursor=cursor)
    versions, known, experiences = await gather(
        lambda: lookups.versions(project, uid),
        lambda: audience_catalogue(lookups, project),
        lambda: lookups.experiences_or_empty(project),
    )
    experience = next((e for e in experiences if e.uid == uid), None)
    summary, cut = lookups.derived(
        ("versions-summary", project, uid, str(args.budget)),
        (versions,),
        lambda: fit_versions(versions, args.budget // 3),
    )
    chosen = select_version(versions, status)
    if chosen is None:
        return VersionsResult(
            project_uid=project,
            experience_uid=uid,
            experience_name=experience.name if experience else None,
            versions=summary,
            audiences_version=None,
            total=0,
            next_cursor=None,
            note=missing_version_sentence(uid, status, versions, tool="get_all_versions"),
        )
    catalogue = resolved_catalogue(lookups, project, chosen, known)
    taken = (
        lookups.derived(
            ("versions-summary-size", project, uid), (summary,), lambda: sum(json_size(v) + 1 for v in summary)
        )
        + 80 * len(chosen.variants)
        + ENVELOPE_BYTES
    )
    page = catalogue.page(args, "resolved audiences", tool="get_all_versions", taken=taken)
    note = page.note
    if cut:
        note = f"To keep the answer small, {cut}." + (f" {note}" if note else "")
    return VersionsResult(
        project_uid=project,
        experience_uid=uid,
        experience_name=experience.name if experience else None,
        versions=summary,
        audiences_version=audiences_version_page(chosen, page),
        total=page.total,
        next_cursor=page.next_cursor,
        note=note,
    )


def _status_for(audiences_of: str) -> str:
    choice = (audiences_of or "active").strip().lower()
    if choice not in ("active", "draft"):
        shown = quoted(audiences_of, 30) if isinstance(audiences_of, str) else f"of type {type(audiences_of).__name__}"
        raise InvalidInputError(f"audiences_of must be 'active' or 'draft', not {shown}.")
    return ACTIVE if choice == "active" else DRAFT
