"""Versions, variants and audience sets in plain words, for every insight's sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant

MAX_NAMED = 12
"""Audiences named in one expression; the rest are counted ("… and 388 more")."""


def quoted(name: str | None, uid: str) -> str:
    return f"'{name}'" if name else uid


def experience_words(experience: Experience | None, uid: str) -> str:
    """ "'Homepage hero'" or the uid, for sentences that already say it is an experience."""
    return quoted(experience.name if experience else None, uid)


def version_words(version: Version) -> str:
    return f"{version.status or 'UNKNOWN'} version {version.uid}"


def variant_words(variant: VersionVariant, position: int | None = None) -> str:
    short = variant.short_uid if variant.short_uid is not None else f"#{(position or 0) + 1}"
    return f"variant {short} '{variant.name}'" if variant.name else f"variant {short}"


def combination_of(variant: VersionVariant) -> str:
    """OR or AND as the variant combines its audiences (OR when Contentstack does not say)."""
    combination = (variant.audience_combination_type or "OR").strip().upper()
    return "AND" if combination == "AND" else "OR"


def audience_expression(uids: Sequence[str], combination: str, names: Mapping[str, str | None]) -> str:
    """`'Australian Users' OR 'Sydney'`; an uid the project does not list says so; long sets are counted."""
    if not uids:
        return "no audience"
    shown = [quoted(names[uid], uid) if uid in names else f"missing audience {uid}" for uid in uids[:MAX_NAMED]]
    text = f" {combination} ".join(shown)
    if len(uids) > MAX_NAMED:
        text += f" … and {len(uids) - MAX_NAMED:,} more ({combination})"
    return text


def traffic_words(share: float | None) -> str:
    return "no traffic share" if share is None else f"{share:g}%"


def some(items: Sequence[str], shown: int = 3) -> str:
    """ "a, b and c" or "a, b, c and 4 more" for sentences."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) <= shown:
        return f"{', '.join(items[:-1])} and {items[-1]}"
    return f"{', '.join(items[:shown])} and {len(items) - shown:,} more"
