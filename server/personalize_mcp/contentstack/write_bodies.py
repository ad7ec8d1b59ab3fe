"""What a write sends, built once here from typed drafts (contentstack-api.md §8), never in the answer layers.

Each draft is a frozen value the answers fill in; `body()` is the JSON Contentstack takes, in its
camelCase. A variant read from a version (`VariantDraft.from_upstream`) keeps every field it came with,
the unknown ones too, so a version sent back (a pause, a resume, an activation) is the version as read.
Metrics: `[{"__type": "Primary", "name", "event"}]`, the first being the primary one (§8); the type of the
others is not published [?]: `Secondary` is sent, as the sandbox stores them, and a metric read from a
version goes back with the type it came with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from personalize_mcp.contentstack.models.versions import VersionVariant

JSON = dict[str, Any]
SEGMENTED_VARIANT = "SegmentedVariant"
AB_TEST_VARIANT = "ABTestVariant"


@dataclass(frozen=True, slots=True)
class AudienceDraft:
    """`POST /audiences`, `PUT /audiences/{uid}` (a full replace)."""

    name: str
    description: str
    definition: Mapping[str, Any]

    def body(self) -> JSON:
        return {"name": self.name, "description": self.description, "definition": dict(self.definition)}


@dataclass(frozen=True, slots=True)
class AttributeDraft:
    """`POST /attributes`, `PUT /attributes/{uid}` (custom attributes only)."""

    key: str
    name: str
    description: str

    def body(self) -> JSON:
        return {"name": self.name, "key": self.key, "description": self.description}


@dataclass(frozen=True, slots=True)
class EventDraft:
    """`POST /events`, `PUT /events/{uid}`."""

    key: str
    description: str

    def body(self) -> JSON:
        return {"key": self.key, "description": self.description}


@dataclass(frozen=True, slots=True)
class ExperienceDraft:
    """`POST /experiences`, `PUT /experiences/{uid}`: the summary only; variants go through versions."""

    name: str
    description: str
    type: str
    """SEGMENTED or AB_TEST."""

    def body(self) -> JSON:
        return {"name": self.name, "description": self.description, "__type": self.type}


@dataclass(frozen=True, slots=True)
class VariantDraft:
    name: str
    ab_test: bool
    short_uid: str | None = None
    """An existing variant's short uid (keeps its CMS variant); None: a new variant, numbered upstream."""
    audiences: tuple[str, ...] = ()
    lytics_audiences: tuple[str, ...] = ()
    combination: str = "OR"
    traffic: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Fields a variant read from upstream carried that this model does not name (e.g. an inline `target`)."""

    @classmethod
    def from_upstream(cls, variant: VersionVariant) -> VariantDraft:
        return cls(
            name=variant.name or "",
            ab_test=variant.is_ab_test,
            short_uid=variant.short_uid,
            audiences=tuple(variant.audiences),
            lytics_audiences=tuple(variant.lytics_audiences),
            combination=(variant.audience_combination_type or "OR").upper(),
            traffic=variant.traffic_distribution,
            extra=dict(variant.model_extra or {}) | ({"target": variant.target} if variant.target else {}),
        )

    def body(self, *, with_short_uid: bool = True) -> JSON:
        body: JSON = {**self.extra, "__type": AB_TEST_VARIANT if self.ab_test else SEGMENTED_VARIANT, "name": self.name}
        if with_short_uid and self.short_uid is not None:
            body["shortUid"] = self.short_uid
        if self.ab_test:
            body["trafficDistribution"] = _number(self.traffic)
        else:
            body["audiences"] = list(self.audiences)
            body["lyticsAudiences"] = list(self.lytics_audiences)
            body["audienceCombinationType"] = self.combination
        return body


@dataclass(frozen=True, slots=True)
class MetricDraft:
    event_uid: str
    name: str
    kind: str = "Primary"
    """`Primary` for the first metric; the others' type is unconfirmed (`Secondary`)."""

    def body(self) -> JSON:
        return {"__type": self.kind, "name": self.name, "event": self.event_uid}


@dataclass(frozen=True, slots=True)
class VersionDraft:
    """`POST /experiences/{uid}/versions`, `PUT .../versions/{version_uid}`: status and the full variant list."""

    status: str
    variants: tuple[VariantDraft, ...]
    metrics: tuple[MetricDraft, ...] | None = None

    def body(self, *, with_short_uids: bool = True) -> JSON:
        body: JSON = {
            "status": self.status,
            "variants": [v.body(with_short_uid=with_short_uids) for v in self.variants],
        }
        if self.metrics is not None:
            body["metrics"] = [m.body() for m in self.metrics]
        return body

    @classmethod
    def of(
        cls, status: str, variants: Sequence[VersionVariant], metrics: Sequence[MetricDraft] | None = None
    ) -> VersionDraft:
        """A version as read, with another status (pause, resume) or as the content of a new draft."""
        return cls(status, tuple(VariantDraft.from_upstream(v) for v in variants), _tuple(metrics))


def priority_body(order: Sequence[str]) -> JSON:
    """`PUT /experiences-priority`: every experience uid of the project, highest first."""
    return {"priorityOrder": list(order)}


def _number(value: float | None) -> float | int | None:
    """Whole percentages as integers (what the API shows), others as they are."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def _tuple(metrics: Sequence[MetricDraft] | None) -> tuple[MetricDraft, ...] | None:
    return None if metrics is None else tuple(metrics)
