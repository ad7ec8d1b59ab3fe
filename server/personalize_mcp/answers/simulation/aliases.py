"""The CMS variant aliases of a simulation: each variant's alias, and the up-to-three the CMS would be asked for.

`cs_personalize_{experience short uid}_{variant short uid}` (contentstack-api.md §7), highest priority
first, with a note when the Edge's list may differ (A/B tests, undecided experiences, other pages).
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.answers.simulation.models import ExperienceOutcome
from personalize_mcp.answers.simulation.wording import upper_first
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import VersionVariant
from personalize_mcp.rules.wording import clip

MAX_ALIASES = 3


def alias(experience: Experience, variant: VersionVariant) -> str | None:
    """The CMS variant alias: cs_personalize_{experience short uid}_{variant short uid} (contentstack-api.md §7)."""
    if experience.short_uid is None or variant.short_uid is None:
        return None
    return f"cs_personalize_{experience.short_uid}_{variant.short_uid}"


def decided_aliases(outcomes: Sequence[ExperienceOutcome]) -> list[str]:
    """The decided variants' aliases, highest priority first, each once, at most `MAX_ALIASES`."""
    found = [o.variant.alias for o in outcomes if o.outcome == "variant" and o.variant and o.variant.alias]
    return list(dict.fromkeys(found))[:MAX_ALIASES]


def aliases_note(outcomes: Sequence[ExperienceOutcome], *, first_page: bool, more: bool) -> str | None:
    """Why the Edge's aliases may differ from `decided_aliases(outcomes)`, or None when they cannot."""
    notes: list[str] = []
    if not first_page:
        notes.append("experiences on earlier pages rank higher and come first in the CMS's list")
    decided = 0
    for outcome in outcomes:
        if decided >= MAX_ALIASES:
            break
        label = f"{outcome.name or outcome.uid} (rank {outcome.rank if outcome.rank is not None else 'none'})"
        if outcome.outcome == "variant":
            decided += 1
        elif outcome.outcome == "ab_random":
            candidates = [v.alias for v in outcome.split or [] if v.alias]
            notes.append(
                f"the A/B test {label} also takes a place, with one of {', '.join(candidates[:5]) or 'its variants'} "
                "at random"
            )
        elif outcome.outcome == "unknown":
            notes.append(f"{label} is undecided and may add its alias")
    if more and decided < MAX_ALIASES:
        notes.append("lower-ranked experiences on the next page may add aliases")
    if not notes:
        return None
    return clip(upper_first("; ".join(notes)) + ".", 1200)
