"""simulate_visitor's result models: each experience's outcome, the variant shown or split, the page.

Kept apart from the evaluation so `matching`, `aliases` and `simulate` build the same frozen models;
`outcome_with` is the one way they change an outcome (validated again).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from personalize_mcp.answers.paging import Paged
from personalize_mcp.answers.shapes import ResultModel, VersionRef

OUTCOMES = ("variant", "no_match", "ab_random", "unknown", "not_running")


class SimulatedVariant(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name.")
    alias: str | None = Field(
        default=None, description="CMS variant alias cs_personalize_{experience short uid}_{variant short uid}."
    )
    audience_combination: str | None = Field(
        default=None, description="How its audiences combine: OR (any) or AND (all)."
    )
    audience_uids: list[str] = Field(
        default_factory=list, description="The audiences it targets, Lytics ones included."
    )
    target_rules: str | None = Field(
        default=None, description="Its own inline rules (a variant's `target`) in plain words, if it has any."
    )
    traffic_distribution: float | None = Field(default=None, description="A/B variants: the share of traffic.")


class VariantCheck(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid.")
    name: str | None = Field(default=None, description="Variant name.")
    matched: bool | None = Field(description="Whether its audiences match the visitor; null: undecided.")


class ExperienceOutcome(ResultModel):
    rank: int | None = Field(description="1 = highest priority; null when the priority list leaves it out.")
    uid: str = Field(description="Experience uid.")
    name: str | None = Field(default=None, description="Experience name.")
    type: str | None = Field(default=None, description="SEGMENTED or AB_TEST.")
    outcome: str = Field(
        description="variant (this variant is shown), no_match (no variant: activeVariantShortUid null), ab_random "
        "(an A/B variant at random, see split), unknown (undecided: see needs), not_running (no version runs)."
    )
    variant: SimulatedVariant | None = Field(description="The variant the visitor gets (outcome variant), else null.")
    reason: str = Field(description="Why, in one sentence: each variant tried, the rules that failed or are undecided.")
    version: VersionRef | None = Field(default=None, description="The version simulated (ACTIVE, or DRAFT with draft).")
    variants: list[VariantCheck] = Field(
        default_factory=list, description="Each segmented variant in the version's order and whether it matches."
    )
    split: list[SimulatedVariant] | None = Field(
        default=None, description="A/B tests: the variants one of which the visitor gets, with their traffic shares."
    )
    needs: list[str] = Field(default_factory=list, description="Visitor fields that would decide an unknown outcome.")


class SimulationResult(Paged):
    project_uid: str = Field(description="The project simulated.")
    simulation: str = Field(description="How this answer was reached: a local simulation, never the Edge API.")
    draft: bool = Field(
        description="true: DRAFT versions were simulated where they exist (they do not run at the edge)."
    )
    evaluated_at: str = Field(description="The visit's moment used for time rules (ISO 8601).")
    datetime_given: bool = Field(description="false: the visitor gave no datetime, so now was used.")
    experiences: list[ExperienceOutcome] = Field(description="The experiences in priority order (this page).")
    variant_aliases: list[str] = Field(
        description="Up to three CMS variant aliases of the decided variants, highest priority first: what the CMS "
        "Delivery API would be asked for (x-cs-variant-uid)."
    )
    aliases_note: str | None = Field(
        default=None,
        description="When variant_aliases may differ from the Edge's: A/B tests or undecided experiences above.",
    )
    needs: list[str] = Field(
        description='Visitor fields that would decide the unknown outcomes ("give the visitor\'s ...").'
    )


def outcome_with(base: ExperienceOutcome, /, **changes: Any) -> ExperienceOutcome:
    """A copy with fields changed, validated again (the result models are frozen)."""
    return ExperienceOutcome.model_validate({**dict(base), **changes})
