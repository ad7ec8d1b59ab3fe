"""The CMS side of personalization: variant groups and variants, and their link to a Personalize experience."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from personalize_mcp.contentstack.models.base import OptionalStr, UpstreamModel


def _metadata(value: Any) -> Any:
    """Metadata without an experience is no link at all."""
    if isinstance(value, dict) and value.get("experience_uid"):
        return value
    return None


class PersonalizeMetadata(UpstreamModel):
    project_uid: OptionalStr = None
    experience_uid: OptionalStr = None
    experience_short_uid: OptionalStr = None
    variant_short_uid: OptionalStr = None
    status: OptionalStr = None


LinkMetadata = Annotated[PersonalizeMetadata | None, BeforeValidator(_metadata)]


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
