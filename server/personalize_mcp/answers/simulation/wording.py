"""How the simulation's reasons read: variant labels, tried variants joined, one bounded sentence each.

Shared by `matching` (the segmented and A/B reasons), `aliases` (its note) and `simulate`.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.contentstack.models.versions import VersionVariant
from personalize_mcp.rules.wording import clip
from personalize_mcp.runtime.plurals import count

MAX_PART_CHARS = 320
MAX_REASON_CHARS = 900


def variant_label(variant: VersionVariant) -> str:
    name = f" '{variant.name}'" if variant.name else ""
    return f"variant {variant.short_uid if variant.short_uid is not None else '?'}{name}"


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_parts(parts: Sequence[str]) -> str:
    shown = [clip(p, MAX_PART_CHARS) for p in parts[:4]]
    more = len(parts) - len(shown)
    return "; ".join(shown) + (
        f"; and {count(more, 'more variant')} {'does' if more == 1 else 'do'} not match" if more > 0 else ""
    )


def as_sentence(text: str) -> str:
    text = clip(text, MAX_REASON_CHARS)
    return text if text.endswith((".", "…")) else text + "."
