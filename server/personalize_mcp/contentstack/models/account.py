"""What a login reaches: its user and organisation, the Personalize projects and the CMS stacks."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.contentstack.models.base import OptionalStr, UpstreamModel


class Project(UpstreamModel):
    uid: str
    name: OptionalStr = None
    description: OptionalStr = None
    organization_uid: str | None = Field(default=None, alias="organizationUid")
    connected_stack_api_key: str | None = Field(default=None, alias="connectedStackApiKey")


class Stack(UpstreamModel):
    api_key: str
    uid: OptionalStr = None
    name: OptionalStr = None
    org_uid: OptionalStr = None
    master_locale: OptionalStr = None
    description: OptionalStr = None


class User(UpstreamModel):
    uid: OptionalStr = None
    email: OptionalStr = None
    first_name: OptionalStr = None
    last_name: OptionalStr = None


class Organization(UpstreamModel):
    uid: OptionalStr = None
    name: OptionalStr = None
