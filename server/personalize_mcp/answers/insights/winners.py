"""The winner of a running A/B test, for the audit's `winner_still_running` check.

The verdict is get_experiment_results' own (`answers.results.assess` on the analytics summary of the
ACTIVE version), so the audit and the results tool never disagree: a winner has a probability to be
best of at least 95 % after at least 14 complete days. A result with a sample-ratio mismatch is not
called a winner here: a broken split can look like one, and get_experiment_results says so in full.
"""

from __future__ import annotations

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.results import assess
from personalize_mcp.answers.verdict import WINNER, percent
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version


async def declared_winner(lookups: Lookups, project: str, experience: Experience, version: Version) -> str | None:
    """ "variant 1 'Short headline': 99.9 % probability to be best after 35 days" when the ACTIVE version has
    a winner by the results' rules, else None.

    One analytics request per version (cached like the lists); an answer that cannot be read raises its
    one-sentence error, which the audit reports instead of the check's result for that test.
    """
    summary = await lookups.analytics_summary(project, experience.uid, version.uid)
    result = assess(
        project=project,
        experience=experience,
        version=version,
        choice="ACTIVE",
        summary=summary,
        events=[],  # names the metric only; the verdict does not depend on it
        now=lookups.now(),
    )
    if result.verdict != WINNER or result.leader is None:
        return None
    if result.sample_ratio is not None and result.sample_ratio.mismatch:
        return None
    best = next((v for v in result.variants if v.short_uid == result.leader), None)
    if best is None:
        return f"variant {result.leader}"
    label = f"variant {best.short_uid} '{best.name}'" if best.name else f"variant {best.short_uid}"
    return (
        f"{label}: {percent(best.probability_to_be_best)} probability to be best after "
        f"{result.days_since_activation} complete days"
    )
