"""Experiences, the metrics an A/B test counts, and the conversion events those metrics name."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from personalize_mcp.contentstack.models.base import OptionalStr, UidList, UpstreamModel, optional_str


class Event(UpstreamModel):
    """A conversion event (`GET /events`), what an A/B test's `metrics[].event` names."""

    uid: str
    key: OptionalStr = None
    name: OptionalStr = None
    description: OptionalStr = None


class Metric(UpstreamModel):
    """A metric an A/B test counts: `{"__type": "Primary", "event": "<event uid>", "name"}` (§6)."""

    type: OptionalStr = Field(default=None, alias="__type")
    event: OptionalStr = None
    name: OptionalStr = None

    @field_validator("event", mode="before")
    @classmethod
    def _event(cls, value: Any) -> Any:
        return value.get("uid") if isinstance(value, dict) else value


class ExperienceCMS(UpstreamModel):
    variant_group: str | None = Field(default=None, alias="variantGroup")
    variants: dict[str, str] = Field(default_factory=dict)

    @field_validator("variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, str)}


class Experience(UpstreamModel):
    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    type: str | None = Field(default=None, alias="__type")
    short_uid: OptionalStr = Field(default=None, alias="shortUid")
    status: OptionalStr = None
    latest_version: str | None = Field(default=None, alias="latestVersion")
    referred_audiences: UidList = Field(default_factory=list, alias="referredAudiences")
    referred_events: UidList = Field(default_factory=list, alias="referredEvents")
    metrics: list[Metric] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    cms: ExperienceCMS | None = Field(default=None, alias="_cms")

    @field_validator("metrics", mode="before")
    @classmethod
    def _metrics(cls, value: Any) -> list[Any]:
        return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str]:
        return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []

    @property
    def event_uids(self) -> list[str]:
        """The events the experience counts: its metrics' events, then any other it refers to."""
        return list(dict.fromkeys([*(m.event for m in self.metrics if m.event), *self.referred_events]))

    @field_validator("latest_version", mode="before")
    @classmethod
    def _latest_version(cls, value: Any) -> str | None:
        if isinstance(value, dict):  # some responses embed the version object
            return optional_str(value.get("uid"))
        return optional_str(value)

    @field_validator("cms", mode="before")
    @classmethod
    def _cms(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None
