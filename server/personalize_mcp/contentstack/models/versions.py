"""Experience versions and their variants: who each variant targets, or how it splits the traffic."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from personalize_mcp.contentstack.models.base import OptionalStr, UidList, UpstreamModel
from personalize_mcp.contentstack.models.experiences import Metric


class VersionVariant(UpstreamModel):
    """A version's variant; fields it does not name are kept (`model_extra`), so a write can send it back whole."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    type: str | None = Field(default=None, alias="__type")
    name: OptionalStr = None
    short_uid: OptionalStr = Field(default=None, alias="shortUid")
    audiences: UidList = Field(default_factory=list)
    lytics_audiences: UidList = Field(default_factory=list, alias="lyticsAudiences")
    audience_combination_type: str | None = Field(default=None, alias="audienceCombinationType")
    traffic_distribution: float | None = Field(default=None, alias="trafficDistribution")
    target: Any = None
    """Inline rules (a `RuleCombination`, §6) a newer segmented variant carries instead of, or besides, audiences."""

    @field_validator("traffic_distribution", mode="before")
    @classmethod
    def _traffic(cls, value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            return float(value)
        except ValueError:
            return None

    @property
    def is_ab_test(self) -> bool:
        """A/B variants split traffic and target no audiences."""
        kind = (self.type or "").upper()
        if "SEGMENTED" in kind:
            return False
        if "AB" in kind.replace("_", ""):
            return True
        return self.traffic_distribution is not None and not self.audiences and not self.lytics_audiences

    @property
    def all_audience_uids(self) -> list[str]:
        """Native audiences first, then Lytics ones, without repeats."""
        return list(dict.fromkeys([*self.audiences, *self.lytics_audiences]))


class Version(UpstreamModel):
    """An experience version. `target`, `audiences` and `lytics_audiences` at the version level are an A/B
    test's targeting (who takes part at all) when a version carries them: not confirmed anywhere [?], read
    only when present -- `target` in the rule grammar of an audience `definition`, the audience lists as
    uids (strings or `{"uid"}` objects)."""

    uid: str
    experience_uid: str | None = Field(default=None, alias="experienceUid")
    status: OptionalStr = None
    variants: list[VersionVariant] = Field(default_factory=list)
    activated_at: OptionalStr = Field(default=None, alias="activatedAt")
    created_at: OptionalStr = Field(default=None, alias="createdAt")
    updated_at: OptionalStr = Field(default=None, alias="updatedAt")
    target: Any = None
    audiences: UidList = Field(default_factory=list)
    lytics_audiences: UidList = Field(default_factory=list, alias="lyticsAudiences")
    audience_combination_type: str | None = Field(default=None, alias="audienceCombinationType")
    metrics: list[Metric] | None = None
    """The events an A/B version counts, when the version carries them (a write may send them, §8)."""

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> list[Any] | None:
        return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else None

    @property
    def targeting_uids(self) -> list[str]:
        """The version-level audiences (native first, then Lytics), without repeats."""
        return list(dict.fromkeys([*self.audiences, *self.lytics_audiences]))

    @field_validator("variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> list[Any]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str | None:
        return value.upper() if isinstance(value, str) else None
