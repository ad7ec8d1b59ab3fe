"""Upstream JSON, parsed once at the boundary into models that tolerate extra and missing fields.

Field names follow the APIs (camelCase for Personalize, snake_case for CMS) through aliases.
Only `uid` (or a stack's `api_key`) is required: anything else Contentstack leaves out
becomes `None` or empty rather than failing the whole answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


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


class Attribute(UpstreamModel):
    """A custom attribute (`GET /attributes`): what a `CustomAttributeReference` rule points at."""

    uid: str
    name: OptionalStr = None
    key: OptionalStr = None
    description: OptionalStr = None

    @property
    def display_name(self) -> str | None:
        return self.name or self.key


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
    cms: ExperienceCMS | None = Field(default=None, alias="_cms")

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
    uid: str
    experience_uid: str | None = Field(default=None, alias="experienceUid")
    status: OptionalStr = None
    variants: list[VersionVariant] = Field(default_factory=list)

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
