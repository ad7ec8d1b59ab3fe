"""What the evaluator is told: the visitor (`Visitor`) and the project's custom attributes (`AttributeIndex`).

Kept apart from the evaluator so that the answer layer can build a visitor (`answers.visitor`) without the
rule logic, and so that every condition family reads the same fields (`PRESET_FIELDS`, the `needs` names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "LYTICS_AUDIENCES_FIELD",
    "LYTICS_FLOWS_FIELD",
    "PRESET_FIELDS",
    "QUERY_FIELD",
    "AttributeIndex",
    "Scalar",
    "Visitor",
]

Scalar = str | int | float | bool | None

PRESET_FIELDS: dict[str, str] = {
    "COUNTRY": "country",
    "REGION": "region",
    "CITY": "city",
    "DEVICE_TYPE": "device_type",
    "OPERATING_SYSTEM": "operating_system",
    "REFERRER": "referrer",
}
"""Preset refs read from a visitor field of the same meaning (query parameters and time are apart)."""

QUERY_FIELD = "url (or query_parameters)"
LYTICS_AUDIENCES_FIELD = "lytics_audiences"
LYTICS_FLOWS_FIELD = "lytics_flows"


@dataclass(frozen=True, slots=True)
class Visitor:
    """What is known about one visitor. A field absent from a mapping is not given; None is "known to be absent"."""

    moment: datetime
    """When the visit happens (aware): `datetime` as given, else now."""
    presets: Mapping[str, str | None] = field(default_factory=dict)
    """Visitor field (`country`, `device_type`, ... see PRESET_FIELDS) -> value."""
    attributes: Mapping[str, Scalar] = field(default_factory=dict)
    """Custom attribute key (case-sensitive) -> scalar value."""
    query: Mapping[str, tuple[str, ...]] | None = None
    """Query parameters (from the URL, or given): name -> values; None when neither was given."""
    lytics_audiences: frozenset[str] | None = None
    lytics_flows: Mapping[str, str] | None = None
    """Lytics flow id -> the state the visitor is in."""
    moment_given: bool = True


@dataclass(frozen=True, slots=True)
class AttributeIndex:
    """The project's custom attributes as rules need them: uid -> key (case-sensitive), uid -> name."""

    keys: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    readable: bool = True
    """False: the project's attributes could not be read, so no custom attribute can be resolved."""
