"""Pure joins between experiences, versions, variants and audiences (no I/O, unit-tested alone)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from personalize_mcp.answers.results import AudienceInfo, AudiencesVersion, ResolvedVariant
from personalize_mcp.answers.views import audience_view, unknown_audience_view, variant_type
from personalize_mcp.contentstack.models import Audience, Experience, Version, VersionVariant

ACTIVE = "ACTIVE"
DRAFT = "DRAFT"


def select_version(versions: Iterable[Version], status: str) -> Version | None:
    """The version with `status` — chosen by status, never by position in the list."""
    wanted = status.upper()
    return next((v for v in versions if v.status == wanted), None)


def statuses_of(versions: Sequence[Version]) -> list[str]:
    """Distinct statuses in upstream order, for messages like "its versions are: DRAFT, PAUSED"."""
    return list(dict.fromkeys(v.status or "UNKNOWN" for v in versions))


def find_variant(version: Version, short_uid: str) -> VersionVariant | None:
    return next((v for v in version.variants if v.short_uid == short_uid), None)


def audiences_by_uid(audiences: Iterable[Audience]) -> dict[str, Audience]:
    return {a.uid: a for a in audiences}


def resolve_audiences(
    uids: Iterable[str], known: Mapping[str, Audience], attribute_names: Mapping[str, str] | None = None
) -> list[AudienceInfo]:
    """Audience views in the given order; a dangling uid stays visible as an unknown audience."""
    return [audience_view(known[uid], attribute_names) if uid in known else unknown_audience_view(uid) for uid in uids]


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


def short_uid_of_cms_variant(experience: Experience, cms_variant_uid: str) -> str | None:
    """The experience's `_cms.variants` map read backwards: CMS variant uid -> variant short uid."""
    if experience.cms is None:
        return None
    return next((short for short, uid in experience.cms.variants.items() if uid == cms_variant_uid), None)


def format_traffic(share: float | None) -> str:
    if share is None:
        return "an unspecified share"
    return f"{share:g}%"
