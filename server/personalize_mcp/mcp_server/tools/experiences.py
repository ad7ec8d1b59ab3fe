"""Tools: get_all_experiences, get_single_experience, get_all_versions."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import experiences, versions
from personalize_mcp.answers.experiences import ExperiencesResult, SingleExperienceResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.version_views import VersionsResult
from personalize_mcp.mcp_server.tools.common import (
    READ_ONLY,
    Cursor,
    ExperienceUid,
    Limit,
    ProjectUid,
    Query,
    as_tool_result,
)


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_all_experiences",
        title="Get All Experiences",
        annotations=READ_ONLY,
        description="A project's experiences: type (SEGMENTED or AB_TEST), status, short uid, latest version, "
        "the audience uids it uses and its linked CMS variant group. Filter by status, type or query.",
    )
    async def get_all_experiences(
        project_uid: ProjectUid = None,
        status: Annotated[
            str | None,
            Field(
                description="Only this status.",
                json_schema_extra={"enum": list(experiences.STATUSES)},
            ),
        ] = None,
        type: Annotated[
            str | None,
            Field(description="Only this type.", json_schema_extra={"enum": list(experiences.TYPES)}),
        ] = None,
        query: Query = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, ExperiencesResult]:
        return as_tool_result(
            await experiences.get_all_experiences(
                lookups, project_uid, status=status, type=type, query=query, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="get_all_versions",
        title="Get All Versions",
        annotations=READ_ONLY,
        description="Who sees what in an experience: every version (ACTIVE, DRAFT, PAUSED, ARCHIVED) with its "
        "variants, and audiences_version -- the ACTIVE (or DRAFT) version's variants with their audiences' rules "
        "in plain words.",
    )
    async def get_all_versions(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        audiences_of: Annotated[
            str,
            Field(
                description="Which version's audiences to resolve.",
                json_schema_extra={"enum": ["active", "draft"]},
            ),
        ] = "active",
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, VersionsResult]:
        return as_tool_result(
            await versions.get_all_versions(
                lookups, project_uid, experience_uid, audiences_of, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="get_single_experience",
        title="Get a Single Experience",
        annotations=READ_ONLY,
        description="One experience's summary: type, status, short uid, latest version, the audiences it uses, "
        "its linked CMS variant group and variants.",
    )
    async def get_single_experience(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, SingleExperienceResult]:
        return as_tool_result(await experiences.get_single_experience(lookups, project_uid, experience_uid))
