"""Planning `promote_winner`: the documented path to ship an A/B test's winner (contentstack-api.md §8).

It needs get_experiment_results' verdict `winner` (else one sentence with the verdict and its reason).
Then: a new draft of the ACTIVE version's variants with 100 % of the traffic on the winner (the others
kept at 0 %, so their CMS variants stay linked), and its activation -- two calls, the second naming the
version the first creates. The plan records the evidence (counts, P2BB, days) and says that analytics
restart. One draft at a time: an existing draft is not overwritten.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from personalize_mcp.answers.experiences import experience_label
from personalize_mcp.answers.results import get_experiment_results
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version
from personalize_mcp.answers.writes.drafting import NEW, PlanDraft, Planning, new_version_activated, row, subject
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.plan_experiences import experience_of
from personalize_mcp.answers.writes.plan_versions import ANALYTICS
from personalize_mcp.answers.writes.variants import as_version, kept_metrics, variant_rows
from personalize_mcp.contentstack.write_bodies import VariantDraft, VersionDraft
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError


async def plan_promote_winner(planning: Planning, uid: str, variant_short_uid: str | None) -> PlanDraft:
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    results = await get_experiment_results(planning.lookups, planning.project, experience.uid)
    if results.verdict != "winner" or results.leader is None:
        raise InvalidInputError(f"The {label} has no winner to promote: its verdict is {results.verdict} "
                                f"({results.verdict_reason.rstrip('.')}).")  # fmt: skip
    winner = results.leader
    if variant_short_uid is not None and variant_short_uid != winner:
        raise InvalidInputError(f"Variant {variant_short_uid} is not the winner of the {label}; variant {winner} is.")
    versions = await planning.reads.versions(experience.uid)
    active = select_version(versions, ACTIVE)
    if active is None or active.uid != results.version.uid:
        raise NotFoundError(f"The results of the {label} are for version {results.version.uid}, which is not ACTIVE "
                            "now; call get_experiment_results again.")  # fmt: skip
    draft = select_version(versions, DRAFT)
    if draft is not None:
        raise InvalidInputError(f"The {label} has a draft ({draft.uid}) and Contentstack keeps one at a time; "
                                "activate it or delete_draft first.")  # fmt: skip
    variants = [
        replace(VariantDraft.from_upstream(v), traffic=100.0 if v.short_uid == winner else 0.0) for v in active.variants
    ]
    shown = next(r for r in results.variants if r.short_uid == winner)
    evidence: dict[str, Any] = {
        "version_uid": active.uid,
        "winner": winner,
        "winner_name": shown.name,
        "impressions": shown.impressions,
        "conversions": shown.conversions,
        "probability_to_be_best": shown.probability_to_be_best,
        "days_since_activation": results.days_since_activation,
        "verdict_reason": results.verdict_reason,
        "variants": [r.model_dump(include={"short_uid", "impressions", "conversions"}) for r in results.variants],
    }
    p2bb = f"{shown.probability_to_be_best:.1%}" if shown.probability_to_be_best is not None else "n/a"
    said = (f"Evidence: variant {winner} {shown.name!r}: {shown.impressions:,} impressions, {shown.conversions or 0:,} "
            f"conversions, P2BB {p2bb}, {results.days_since_activation} days since activation.")  # fmt: skip
    new = as_version("(new draft)", DRAFT, variants)
    rows = await variant_rows(planning, active, new)
    new_ref = subject("version", NEW, "draft")
    rows += [
        row(new_ref, "status", None, ACTIVE),
        row(subject("version", active.uid, ACTIVE), "status", ACTIVE, "ARCHIVED"),
    ]
    metrics = kept_metrics(active)
    return PlanDraft(
        action="promote_winner",
        summary=f"Ship the winner of the {label}: a new draft with 100 % of the traffic on variant {winner} "
        f"{shown.name!r}, activated at once (version {active.uid} is archived).",
        rows=rows,
        steps=new_version_activated(
            experience.uid,
            new_ref,
            VersionDraft(ACTIVE, tuple(variants), metrics),
            created=f"create the draft with the winner of the {label}",
            activated=f"activate the winner's draft of the {label}",
        ),
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[ANALYTICS, said],
        destructive=True,
        needs_all="it changes what visitors see",
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=[
            ("versions", planning.project, experience.uid),
            ("experiences", planning.project),
            ("experience", planning.project, experience.uid),
        ],
        cannot_undo=ANALYTICS,
        evidence=evidence,
    )
