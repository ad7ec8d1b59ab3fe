"""Get Experiment Results: counts, rates, uplift, P2BB, the SRM check and a verdict, each saying how it was reached.

The version, control, metrics and start come from `experiment`; the statistics from `statistics`;
the verdict's rules from `verdict`; the result models live in `experiment_result`. Days since activation
count complete days up to `Lookups.now()`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from personalize_mcp.answers.experiences import SEGMENTED, experience_type
from personalize_mcp.answers.experiment import ResultVersion, choose_control, experiment_inputs, metrics_of, started_at
from personalize_mcp.answers.experiment_result import ExperimentResult, ResultVariant, SampleRatio, Totals
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import DEFAULT_BUDGET_BYTES, json_size
from personalize_mcp.answers.statistics import SRM_P_VALUE, probability_to_be_best, sample_ratio_test
from personalize_mcp.answers.verdict import Arm, decide, percent
from personalize_mcp.answers.versions import ACTIVE
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, VariantCounts
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version

DISAGREEMENT = 0.02
"""Contentstack's P2BB and ours differing by more than this is worth a note (15,000 draws: ±0.002)."""
P2BB_METHOD = (
    "Computed from the counts shown: each variant's conversion rate ~ Beta(1 + conversions, 1 + impressions - "
    "conversions), P2BB = the chance its rate is the highest, integrated numerically (deterministic; Contentstack "
    "estimates the same from 15,000 draws, shown as probability_to_be_best_upstream)."
)


def assess(
    *,
    project: str,
    experience: Experience,
    version: Version,
    choice: str,
    summary: AnalyticsSummary,
    events: Sequence[Event],
    now: datetime,
) -> ExperimentResult:
    """Everything the answer says, from data already read (no I/O: the unit tests' entry point)."""
    notes: list[str] = []
    kind = experience_type(experience.type)
    segmented = kind == SEGMENTED or (kind is None and not any(v.is_ab_test for v in version.variants))
    names: dict[str, str | None] = {v.short_uid: v.name for v in version.variants if v.short_uid}
    shares: dict[str, float | None] = {v.short_uid: v.traffic_distribution for v in version.variants if v.short_uid}
    reported = {row.short_uid: row for row in summary.variants}
    order = [*names, *[uid for uid in reported if uid not in names]]
    rows: list[VariantCounts] = []
    for uid in order:
        row = reported.get(uid)
        if row is None:
            notes.append(f"Contentstack's summary has no row for variant {uid}; it is shown with zero counts.")
            row = VariantCounts(uid, 0, None if segmented else 0)
        elif uid not in names:
            notes.append(f"Variant {uid} is in Contentstack's results but not in version {version.uid}.")
        rows.append(row)
    counted = not segmented and any(r.conversions is not None for r in rows)
    if counted:
        for row in rows:
            if row.conversions is not None and row.conversions > row.impressions:
                notes.append(f"Variant {row.short_uid} has more conversions than impressions; P2BB caps them.")
    p2bb = (
        probability_to_be_best([(r.impressions, r.conversions or 0) for r in rows]) if counted else [None] * len(rows)
    )
    arms = [
        Arm(r.short_uid, names.get(r.short_uid), r.impressions, (r.conversions or 0) if counted else None, p)
        for r, p in zip(rows, p2bb, strict=True)
    ]
    control = choose_control(order, names) if not segmented else None
    control_arm = next((a for a in arms if control and a.short_uid == control.short_uid), None)
    start, source = started_at(version)
    days = None if start is None else max(0, math.floor((now - start).total_seconds() / 86400))
    verdict = decide(arms, segmented=segmented, days=days, days_basis=_basis(version, source), control=control_arm)
    reason = verdict.reason
    ratio = None if segmented else _ratio(rows, shares)
    if ratio is not None and ratio.mismatch:
        reason = (
            f"{reason[:-1]}; but the impressions do not match the traffic split (sample-ratio mismatch, chi-square "
            f"p = {ratio.p_value:.1e} < {SRM_P_VALUE}), so a broken assignment may be behind this result."
        )
    variants = [
        ResultVariant(
            short_uid=arm.short_uid,
            name=arm.name,
            traffic_distribution=shares.get(arm.short_uid),
            impressions=arm.impressions,
            conversions=arm.conversions,
            conversion_rate=_round(arm.rate),
            probability_to_be_best=_round(arm.p2bb),
            probability_to_be_best_upstream=row.probability_to_be_best,
            uplift_vs_control=_uplift(arm, control_arm),
        )
        for arm, row in zip(arms, rows, strict=True)
    ]
    differing = [
        f"variant {v.short_uid} ({percent(v.probability_to_be_best_upstream)} in Contentstack's answer, "
        f"{percent(v.probability_to_be_best)} here)"
        for v in variants
        if counted
        and v.probability_to_be_best_upstream is not None
        and v.probability_to_be_best is not None
        and abs(v.probability_to_be_best_upstream - v.probability_to_be_best) > DISAGREEMENT
    ]
    if differing:
        notes.append(
            f"Contentstack's own probability to be best differs by more than {DISAGREEMENT} from the one computed "
            f"here from the same counts for {' and '.join(differing)}: its 15,000 random draws, or counts a minute "
            "older, may explain it; the verdict uses the computed one."
        )
    winner = verdict.leader if verdict.verdict == "winner" else None
    if summary.winner is not None and summary.winner != winner:
        notes.append(f"Contentstack's answer names variant {summary.winner} the winner; by the rules above it is not.")
    metrics = metrics_of(experience, events)
    conversions = sum(a.conversions or 0 for a in arms) if counted else None
    result = ExperimentResult(
        project_uid=project,
        experience_uid=experience.uid,
        experience_name=experience.name,
        experience_type=kind,
        version=ResultVersion(uid=version.uid, status=version.status),
        version_choice=choice,
        metric=metrics[0] if metrics else None,
        other_metrics=metrics[1:],
        control=control,
        variants=variants,
        totals=Totals(impressions=sum(a.impressions for a in arms), conversions=conversions),
        activated_at=_iso(start),
        activated_at_source=source,
        days_since_activation=days,
        as_of=_iso(now) or "",
        data_from=_iso(summary.start),
        data_to=_iso(summary.end),
        sample_ratio=ratio,
        leader=verdict.leader,
        verdict=verdict.verdict,
        verdict_reason=reason,
        probability_method=P2BB_METHOD if counted else None,
        probability_disagreement=bool(differing),
        upstream_leader=summary.leader,
        upstream_winner=summary.winner,
        notes=notes,
    )
    return _within_budget(result)


def _basis(version: Version, source: str | None) -> str:
    if source is None:
        return "the version has neither activatedAt nor updatedAt"
    if source == "updatedAt" and version.status != ACTIVE:
        return f"counted from updatedAt, which for a {version.status or 'non-active'} version may be when it stopped"
    return f"counted from {source}"


def _ratio(rows: Sequence[VariantCounts], shares: dict[str, float | None]) -> SampleRatio:
    split = [shares.get(r.short_uid) for r in rows]
    if any(s is None for s in split):
        return SampleRatio(mismatch=None, explanation="Not tested: some variants have no traffic share in the version.")
    test = sample_ratio_test([r.impressions for r in rows], [s or 0.0 for s in split])
    if test is None:
        return SampleRatio(
            mismatch=None,
            explanation="Not tested: too few impressions for a chi-square test of the traffic split (at least 5 "
            "expected per variant).",
        )
    expected = {r.short_uid: round(e, 1) for r, e in zip(rows, test.expected, strict=True)}
    split_text = "/".join(f"{s:g}" for s in split if s is not None)
    meaning = (
        "the impressions depart from it far more than chance allows, so visitors are not being assigned as "
        "configured (a bug, a redirect or bot traffic) and any difference between the variants is suspect"
        if test.mismatch
        else "the impressions are consistent with it"
    )
    return SampleRatio(
        mismatch=test.mismatch,
        p_value=float(f"{test.p_value:.3g}"),
        chi_square=round(test.chi_square, 3) if math.isfinite(test.chi_square) else None,
        expected_impressions=expected,
        explanation=f"Chi-square test of the impressions against the {split_text} traffic split "
        f"(mismatch when p < {SRM_P_VALUE}): {meaning}.",
    )


def _uplift(arm: Arm, control: Arm | None) -> float | None:
    if control is None or arm.short_uid == control.short_uid or arm.rate is None or not control.rate:
        return None
    return _round((arm.rate - control.rate) / control.rate)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _within_budget(result: ExperimentResult) -> ExperimentResult:
    """A version with very many variants: the busiest ones (control and leader kept), saying so."""
    if json_size(result) <= DEFAULT_BUDGET_BYTES:
        return result
    keep = {result.leader, result.control.short_uid if result.control else None}
    ranked = sorted(result.variants, key=lambda v: (v.short_uid not in keep, -v.impressions))
    room = DEFAULT_BUDGET_BYTES - json_size(result.model_copy(update={"variants": []})) - 400
    chosen: list[ResultVariant] = []
    for view in ranked:
        room -= json_size(view) + 1
        if room < 0:
            break
        chosen.append(view)
    shown = {v.short_uid for v in chosen}
    note = (
        f"To keep the answer under {DEFAULT_BUDGET_BYTES // 1024} KiB it lists {len(chosen)} of "
        f"{len(result.variants)} variants (the leader, the control, then by impressions); totals and the verdict "
        "count them all, and get_experiment_timeseries has every variant."
    )
    return result.model_copy(
        update={"variants": [v for v in result.variants if v.short_uid in shown], "notes": [*result.notes, note]}
    )


async def get_experiment_results(
    lookups: Lookups, project_uid: str | None, experience_uid: str, version_uid: str | None = None
) -> ExperimentResult:
    project, experience, version, choice, events = await experiment_inputs(
        lookups, project_uid, experience_uid, version_uid
    )
    summary = await lookups.analytics_summary(project, experience.uid, version.uid)
    return assess(
        project=project,
        experience=experience,
        version=version,
        choice=choice,
        summary=summary,
        events=events,
        now=lookups.now(),
    )
