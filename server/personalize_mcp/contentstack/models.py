"""Upstream JSON, parsed once at the boundary into models that tolerate extra and missing fields.

Field names follow the APIs (camelCase for Personalize, snake_case for CMS) through aliases.
Only `uid` (or a stack's `api_key`) is required: anything else Contentstack leaves out
becomes `None` or empty rather than failing the whole answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


class UpstreamModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _str_list(value: Any) -> list[str]:
    """A list of uids, also when items are objects like `{"uid": ...}` (unconfirmed shapes)."""
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            uid = item.get("uid") or item.get("id")
            if isinstance(uid, str):
                out.append(uid)
    return out


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _metadata(value: Any) -> Any:
    """Metadata without an experience is no link at all."""
    if isinstance(value, dict) and value.get("experience_uid"):
        return value
    return None


OptionalStr = Annotated[str | None, BeforeValidator(_optional_str)]
UidList = Annotated[list[str], BeforeValidator(_str_list)]


# ---- Personalize Management API -------------------------------------------------------------


class Project(UpstreamModel):
    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    organization_uid: str | None = Field(default=None, alias="organizationUid")
    connected_stack_api_key: str | None = Field(default=None, alias="connectedStackApiKey")


class Audience(UpstreamModel):
    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    source: OptionalStr = None
    project: OptionalStr = None
    definition: Any = None


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


class Event(UpstreamModel):
    """A conversion event (`GET /events`), what an A/B test's `metrics[].event` names."""

    uid: str
    key: OptionalStr = None
    name: OptionalStr = None
    description: OptionalStr = None


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
            return _optional_str(value.get("uid"))
        return _optional_str(value)

    @field_validator("cms", mode="before")
    @classmethod
    def _cms(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else None


class VersionVariant(UpstreamModel):
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


# ---- CMS Management API ---------------------------------------------------------------------


class PersonalizeMetadata(UpstreamModel):
    project_uid: OptionalStr = None
    experience_uid: OptionalStr = None
    experience_short_uid: OptionalStr = None
    variant_short_uid: OptionalStr = None
    status: OptionalStr = None


LinkMetadata = Annotated[PersonalizeMetadata | None, BeforeValidator(_metadata)]


class Stack(UpstreamModel):
    api_key: str
    uid: OptionalStr = None
    name: OptionalStr = None
    org_uid: OptionalStr = None
    master_locale: OptionalStr = None
    description: OptionalStr = None


class CMSVariant(UpstreamModel):
    uid: str
    name: OptionalStr = None
    variant_group_uid: OptionalStr = None
    alias: OptionalStr = None
    personalize_metadata: LinkMetadata = None


class ContentTypeLink(UpstreamModel):
    uid: str
    status: OptionalStr = None


class VariantGroup(UpstreamModel):
    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    personalize_metadata: LinkMetadata = None
    content_types: list[ContentTypeLink] = Field(default_factory=list)
    variants: list[CMSVariant] = Field(default_factory=list)
    variant_count: int | None = None

    @field_validator("content_types", mode="before")
    @classmethod
    def _content_types(cls, value: Any) -> list[Any]:
        if not isinstance(value, list):
            return []
        return [{"uid": v} if isinstance(v, str) else v for v in value if isinstance(v, str | dict)]

    @field_validator("variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> list[Any]:
        return [v for v in value if isinstance(v, dict) and "uid" in v] if isinstance(value, list) else []


class User(UpstreamModel):
    uid: OptionalStr = None
    email: OptionalStr = None
    first_name: OptionalStr = None
    last_name: OptionalStr = None


class Organization(UpstreamModel):
    uid: OptionalStr = None
    name: OptionalStr = None
