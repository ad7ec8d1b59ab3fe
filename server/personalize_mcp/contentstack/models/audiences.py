"""Audiences, and what their rules name: attributes (preset or custom) and places (geolocation lookups)."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from personalize_mcp.contentstack.models.base import OptionalStr, UpstreamModel


class Audience(UpstreamModel):
    """An audience of `GET /audiences`. One synced from Lytics (`source` LYTICS, a 32-hex uid) has no rules of its
    own: the audience list gives its `slug`, which is what the Edge looks for in the visitor's Lytics audiences
    (contentstack-api.md §2, §7)."""

    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    source: OptionalStr = None
    project: OptionalStr = None
    definition: Any = None
    slug: OptionalStr = None


PRESET_ATTRIBUTE_KEYS = frozenset(
    {"COUNTRY", "REGION", "CITY", "DEVICE_TYPE", "OPERATING_SYSTEM", "QUERY_PARAMETERS", "REFERRER", "DATE_AND_TIME"}
)
"""The preset refs of contentstack-api.md §2: an attribute with one of these keys and no type is preset."""
_KIND_FIELDS = ("__type", "type", "attributeType", "kind", "category", "source")


def _attribute_kind(data: Any) -> str | None:
    """PRESET or CUSTOM from whichever field says so; None when none does (the caller infers it)."""
    if not isinstance(data, dict):
        return None
    for field in _KIND_FIELDS:
        value = data.get(field)
        if isinstance(value, str):
            squashed = value.upper().replace("_", "").replace("-", "")
            if squashed.startswith("PRESET") or squashed.startswith("SYSTEM") or squashed == "BUILTIN":
                return "PRESET"
            if squashed.startswith("CUSTOM") or squashed.startswith("USER"):
                return "CUSTOM"
    for field in ("isPreset", "preset", "isSystem"):
        if isinstance(data.get(field), bool):
            return "PRESET" if data[field] else "CUSTOM"
    return None


class Attribute(UpstreamModel):
    """An attribute (`GET /attributes`): custom ones are what a `CustomAttributeReference` rule points at.

    `kind` is PRESET or CUSTOM: from the first field that says so (`__type`, `type`, `attributeType`,
    `kind`, `category`, `source`, or a boolean `isPreset` / `preset` / `isSystem`; none is confirmed, see
    contentstack-api.md §6); when none does, an attribute whose key is a preset ref (`COUNTRY`, ...) is
    preset and every other one custom [inferred, §6.1].
    """

    uid: str
    name: OptionalStr = None
    key: OptionalStr = None
    description: OptionalStr = None
    declared_kind: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _kind(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**data, "declared_kind": _attribute_kind(data)}
        return data

    @property
    def display_name(self) -> str | None:
        return self.name or self.key

    @property
    def kind(self) -> str:
        if self.declared_kind is not None:
            return self.declared_kind
        return "PRESET" if (self.key or "").strip().upper() in PRESET_ATTRIBUTE_KEYS else "CUSTOM"

    @property
    def kind_inferred(self) -> bool:
        return self.declared_kind is None


class Location(UpstreamModel):
    """A geolocation lookup row (`GET /geolocation/{countries,regions,cities}`); shapes unconfirmed (§6.1).

    Accepted spellings: `code` / `isoCode` / `iso` / `id`; `countryCode` / `country_code` / `country`
    (a code, or an object with one); `region` / `regionName` (a name, or an object with one).
    """

    name: str
    code: OptionalStr = None
    country_code: OptionalStr = None
    region: OptionalStr = None

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if not isinstance(data, dict):
            return data

        def first(*fields: str) -> Any:
            for field in fields:
                value = data.get(field)
                if isinstance(value, dict):
                    value = value.get("code") or value.get("isoCode") or value.get("name")
                if isinstance(value, str) and value.strip():
                    return value.strip()
            return None

        return {
            "name": first("name", "label", "displayName"),
            "code": first("code", "isoCode", "iso", "id"),
            "country_code": first("countryCode", "country_code", "country", "countryIso"),
            "region": first("region", "regionName", "state"),
        }
