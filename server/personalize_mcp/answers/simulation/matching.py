"""How one experience's version decides for a visitor: a variant's match, and the segmented and A/B outcomes.

Segmented: the first variant in the version's order whose audiences match (combined as its
`audienceCombinationType` says, AND with its inline `target`); an undecided variant before a matching
one makes the outcome `unknown`. A/B: a visitor who passes the version's targeting gets one variant at
random. Every outcome carries one bounded sentence saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize_mcp.answers.simulation.aliases import alias
from personalize_mcp.answers.simulation.context import Context
from personalize_mcp.answers.simulation.models import ExperienceOutcome, SimulatedVariant, VariantCheck, outcome_with
from personalize_mcp.answers.simulation.wording import (
    MAX_PART_CHARS,
    as_sentence,
    join_parts,
    upper_first,
    variant_label,
)
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.rules.evaluate import combine, evaluate
from personalize_mcp.rules.model import parse_audience
from personalize_mcp.rules.render import render_tree
from personalize_mcp.rules.wording import clip

MAX_VARIANT_CHECKS = 20


@dataclass(frozen=True)
class Match:
    """A variant's (or an A/B version's targeting's) match: true, false or None (undecided), and why."""

    result: bool | None
    wants: str
    """What the variant needs, in words ("Australian Users", "Mobile Visitors AND Returning Customers")."""
    why: str
    needs: tuple[str, ...]


def variant_match(context: Context, variant: VersionVariant) -> Match:
    """The variant's audiences (combined as it says) and its inline target (AND), three-valued."""
    uids = variant.all_audience_uids
    combination = (variant.audience_combination_type or "OR").strip().upper()
    parts: list[tuple[bool | None, str, tuple[str, ...]]] = []
    names: list[str] = []
    lytics = set(variant.lytics_audiences) - set(variant.audiences)
    for uid in uids:
        evaluation = context.audience(uid)
        name = context.name(uid, lytics=uid in lytics)
        names.append(name)
        if evaluation is None:
            parts.append((None, _unlisted(name, lytics=uid in lytics), ()))
        else:
            why = evaluation.why if len(uids) == 1 and variant.target is None else f"{name}: {evaluation.why}"
            parts.append((evaluation.result, why, evaluation.needs))
    pieces: list[tuple[bool | None, str, tuple[str, ...]]] = []
    wants: list[str] = []
    if parts:
        pieces.append(combine(combination, parts))
        wants.append(f" {combination} ".join(names) if len(names) > 1 else names[0])
    if variant.target is not None:
        tree = parse_audience(variant.target)
        evaluation = evaluate(tree, context.visitor, context.index)
        pieces.append((evaluation.result, f"its own rules: {evaluation.why}", evaluation.needs))
        wants.append(f"its own rules ({clip(render_tree(tree, context.index.names), 120)})")
    if not pieces:
        return Match(
            None, "nothing", "it targets no audience and has no rules of its own (undocumented at the Edge)", ()
        )
    result, why, needs = pieces[0] if len(pieces) == 1 else combine("AND", pieces)
    return Match(result, " AND ".join(wants), clip(why, MAX_PART_CHARS), needs)


def _unlisted(name: str, *, lytics: bool) -> str:
    """Why an audience the project does not list is undecided (never a match)."""
    if lytics:
        return f"{name} is not among the project's audiences (no longer synced from Lytics?), so it is undecided"
    return f"{name} is not among the project's audiences (deleted?), so it is undecided"


def segmented(
    context: Context, head: ExperienceOutcome, experience: Experience, version: Version, prefix: str
) -> ExperienceOutcome:
    """A segmented version's outcome: the first variant that matches, unless an undecided one comes before."""
    checks: list[VariantCheck] = []
    tried: list[str] = []
    undecided: list[str] = []
    needs: list[str] = []
    chosen: tuple[VersionVariant, Match] | None = None
    for variant in version.variants:
        match = variant_match(context, variant)
        if len(checks) < MAX_VARIANT_CHECKS:
            checks.append(VariantCheck(short_uid=variant.short_uid, name=variant.name, matched=match.result))
        if chosen is not None:
            continue
        label = variant_label(variant)
        if match.result is True:
            chosen = (variant, match)
        elif match.result is None:
            undecided.append(f"{label} needs {match.wants} ({match.why})")
            needs.extend(match.needs)
        else:
            tried.append(f"{label} needs {match.wants} ({match.why})")
    head = outcome_with(head, variants=checks)
    if not version.variants:
        return outcome_with(
            head, outcome="no_match", reason=f"{prefix}Its version has no variants, so nothing is shown."
        )
    if chosen is not None and not undecided:
        variant, match = chosen
        reason = f"{upper_first(variant_label(variant))} matches {match.wants} ({match.why})"
        if tried:
            reason += f", the first in the version's order to do so: {join_parts(tried)}"
        return outcome_with(
            head,
            outcome="variant",
            variant=_variant_view(experience, variant, context),
            reason=as_sentence(prefix + reason),
        )
    if undecided:
        needed = list(dict.fromkeys(needs))
        reason = f"Undecided: {join_parts(undecided)}"
        if chosen is not None:
            reason += f"; {variant_label(chosen[0])} matches, and is shown unless a variant before it does"
        if tried:
            reason += f"; {join_parts(tried)}"
        if needed:
            reason += f"; give {', '.join(needed[:5])} to decide"
        return outcome_with(head, outcome="unknown", reason=as_sentence(prefix + reason), needs=needed)
    return outcome_with(
        head, outcome="no_match", reason=as_sentence(f"{prefix}No variant matches: {join_parts(tried)}")
    )


def ab_test(
    context: Context, head: ExperienceOutcome, experience: Experience, version: Version, prefix: str
) -> ExperienceOutcome:
    """An A/B version's outcome: a variant at random for a visitor its targeting (if any) lets in."""
    split = [_variant_view(experience, v, context) for v in version.variants[:MAX_VARIANT_CHECKS]]
    shares = ", ".join(
        f"{v.short_uid} {v.name!r} {v.traffic_distribution:g}%"
        if v.traffic_distribution is not None
        else f"{v.short_uid} {v.name!r}"
        for v in split
    )
    head = outcome_with(head, split=split)
    targeting = _ab_targeting(context, version)
    if targeting is not None and targeting.result is False:
        return outcome_with(
            head,
            outcome="no_match",
            reason=as_sentence(
                f"{prefix}A/B test the visitor is not part of: it needs {targeting.wants}: {targeting.why}"
            ),
        )
    if targeting is not None and targeting.result is None:
        return outcome_with(
            head,
            outcome="unknown",
            needs=list(targeting.needs),
            reason=as_sentence(f"{prefix}Undecided whether the visitor takes part in this A/B test: {targeting.why}"),
        )
    passes = f" passes its targeting ({targeting.wants}) and" if targeting is not None else ""
    reason = (
        f"{prefix}A/B test: the visitor{passes} gets one variant at random, sticky per user (the Edge's bucketing "
        f"is not published): {shares or 'no variants'}"
    )
    return outcome_with(head, outcome="ab_random", reason=as_sentence(reason))


def _ab_targeting(context: Context, version: Version) -> Match | None:
    """An A/B version's own targeting, when it carries any (see `Version`): None when it targets everyone."""
    if not version.targeting_uids and version.target is None:
        return None
    stand_in = VersionVariant.model_validate(
        {
            "audiences": version.audiences,
            "lyticsAudiences": version.lytics_audiences,
            "audienceCombinationType": version.audience_combination_type,
            "target": version.target,
        }
    )
    return variant_match(context, stand_in)


def _variant_view(experience: Experience, variant: VersionVariant, context: Context) -> SimulatedVariant:
    target = None
    if variant.target is not None:
        target = render_tree(parse_audience(variant.target), context.index.names)
    return SimulatedVariant(
        short_uid=variant.short_uid,
        name=variant.name,
        alias=alias(experience, variant),
        audience_combination=None if variant.is_ab_test else (variant.audience_combination_type or "OR"),
        audience_uids=variant.all_audience_uids,
        target_rules=target,
        traffic_distribution=variant.traffic_distribution,
    )
