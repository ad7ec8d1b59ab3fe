"""Shapes every subject's answers share, defined once: the result base and small references.

Field names are snake_case and stable (CONTRACT.md). Ids a follow-up call needs are always kept;
upstream bookkeeping is dropped. Every field is described, since the description is what a model
reads in the outputSchema.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ResultModel(BaseModel):
    model_config = ConfigDict(frozen=True)


def omitted_when_none(value: object) -> bool:
    """`exclude_if` for optional fields that only some items have: left out of the JSON rather than `null`."""
    return value is None


class VersionRef(ResultModel):
    uid: str = Field(description="Version uid.")
    status: str | None = Field(default=None, description="ACTIVE or DRAFT.")


class VariantRef(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name in Personalize.")


class SubjectRef(ResultModel):
    """What an insight is about: an audience, attribute, event, experience, variant group, ..."""

    kind: str = Field(description="audience, attribute, event, experience, variant_group, stack or project.")
    uid: str = Field(description="Its uid (a stack: its API key).")
    name: str | None = Field(default=None, description="Its name, when it has one.")
