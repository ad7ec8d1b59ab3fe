"""Get Experiment Results' result models: each variant's counts and rates, the SRM check, totals, the answer.

Apart from `results` (which computes them) so the schema reads in one place.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.experiment import ControlInfo, MetricInfo, ResultVersion
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.answers.verdict import VERDICTS


class ResultVariant(ResultModel):
    short_uid: str = Field(description="Variant short uid.")
    name: str | None = Field(default=None, description="Variant name (from the version).")
    traffic_distribution: float | None = Field(default=None, description="Traffic percentage (A/B tests).")
    impressions: int = Field(description="Visitors who saw the variant (unique per user), as Contentstack counts.")
    conversions: int | None = Field(description="Conversions (A/B tests); null for a segmented experience.")
    conversion_rate: float | None = Field(description="conversions / impressions (0.054 = 5.4 %); null without data.")
    probability_to_be_best: float | None = Field(
        description="Probability that this variant's rate is the highest, computed from the counts (see "
        "probability_method); what the verdict uses. Null for a segmented experience."
    )
    probability_to_be_best_upstream: float | None = Field(
        default=None, description="Contentstack's own figure, when its answer gives one."
    )
    uplift_vs_control: float | None = Field(
        description="Relative difference of the conversion rate from the control's (0.25 = 25 % better); null for "
        "the control itself, a segmented experience or a control without conversions."
    )


class SampleRatio(ResultModel):
    mismatch: bool | None = Field(description="True: impressions depart from the traffic split (p < 0.001); "
                                  "null: the test could not be made (see explanation).")  # fmt: skip
    p_value: float | None = Field(default=None, description="Chi-square goodness-of-fit p-value.")
    chi_square: float | None = Field(default=None, description="The chi-square statistic.")
    expected_impressions: dict[str, float] = Field(
        default_factory=dict, description="Variant short uid -> impressions the traffic split predicts."
    )
    explanation: str = Field(description="What was tested, and what it means.")


class Totals(ResultModel):
    impressions: int = Field(description="Impressions across the variants.")
    conversions: int | None = Field(description="Conversions across the variants (null: not counted).")


class ExperimentResult(ResultModel):
    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience.")
    experience_name: str | None = Field(default=None, description="Its name.")
    experience_type: str | None = Field(default=None, description="SEGMENTED or AB_TEST.")
    version: ResultVersion = Field(description="The version whose results these are.")
    version_choice: str = Field(description="How the version was chosen (asked for, ACTIVE, or latest that ran).")
    metric: MetricInfo | None = Field(default=None, description="The (primary) event the conversions count, if named.")
    other_metrics: list[MetricInfo] = Field(default_factory=list, description="Further events the experience names.")
    control: ControlInfo | None = Field(default=None, description="The variant uplift is measured against (A/B).")
    variants: list[ResultVariant] = Field(description="Each variant's counts, rate, P2BB and uplift.")
    totals: Totals = Field(description="Sums across the variants.")
    activated_at: str | None = Field(default=None, description="When the version was activated, as used.")
    activated_at_source: str | None = Field(default=None, description="activatedAt or updatedAt: where that came from.")
    days_since_activation: int | None = Field(default=None, description="Complete days from activated_at to as_of.")
    as_of: str = Field(description="The time the days were counted up to (UTC).")
    data_from: str | None = Field(default=None, description="Start of the counted data, when Contentstack says.")
    data_to: str | None = Field(default=None, description="End of the counted data, when Contentstack says.")
    sample_ratio: SampleRatio | None = Field(default=None, description="The SRM check (A/B tests); null if segmented.")
    leader: str | None = Field(default=None, description="Short uid of the leading or winning variant, if any.")
    verdict: str = Field(description=f"One of: {', '.join(VERDICTS)}.", json_schema_extra={"enum": list(VERDICTS)})
    verdict_reason: str = Field(description="One sentence: how the verdict was reached.")
    probability_method: str | None = Field(default=None, description="How probability_to_be_best was computed.")
    probability_disagreement: bool = Field(
        default=False,
        description="True when Contentstack's P2BB and the computed one differ by more than 0.02 for a variant "
        "(notes say which).",
    )
    upstream_leader: str | None = Field(default=None, description="The leader Contentstack's answer names, if any.")
    upstream_winner: str | None = Field(default=None, description="The winner Contentstack's answer names, if any.")
    notes: list[str] = Field(default_factory=list, description="Anything else worth knowing, one sentence each.")
