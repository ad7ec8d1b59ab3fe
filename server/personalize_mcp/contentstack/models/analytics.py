"""What the analytics answers parse into (`contentstack.analytics`): counts per variant, a summary, a series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class VariantCounts:
    short_uid: str
    impressions: int
    conversions: int | None
    """None when the answer carries no conversions for the variant (segmented: impressions only)."""
    probability_to_be_best: float | None = None
    """Contentstack's own figure, as a fraction, when it gives one."""


@dataclass(frozen=True, slots=True)
class AnalyticsSummary:
    variants: tuple[VariantCounts, ...]
    leader: str | None
    winner: str | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    start: datetime
    variants: tuple[VariantCounts, ...]


@dataclass(frozen=True, slots=True)
class TimeSeries:
    granularity: str | None
    """HOUR, DAY, or None when the answer does not say."""
    points: tuple[SeriesPoint, ...]
