"""Tools: get_all_experiences, get_single_experience, get_all_versions."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import experiences, priority, versions
from personalize_mcp.answers.experiences import ExperiencesResult, SingleExperienceResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.priority import PriorityResult
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
        description="Get All Experiences: every experience of a Personalize project with its type (SEGMENTED or "
        "AB_TEST), status, short uid, latest version uid, the audience uids it uses and its linked CMS variant "
        "group. Use an experience's uid with get_single_experience or get_all_versions. Filter by status, type or "
        "query; paged (by uid): total, next_cursor.",
    )
    async def get_all_experiences(
        project_uid: ProjectUid = None,
        status: Annotated[
            str | None,
            Field(
                description="Only experiences with this status.",
                json_schema_extra={"enum": list(experiences.STATUSES)},
            ),
        ] = None,
        type: Annotated[
            str | None,
            Field(description="Only experiences of this type.", json_schema_extra={"enum": list(experiences.TYPES)}),
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
        description="Get All Versions: every version of an experience (ACTIVE, DRAFT, PAUSED, ARCHIVED) with its "
        "variants (audience uids and how they combine for segmented variants, traffic share for A/B test "
        "variants), plus audiences_version: the ACTIVE version's variants with their audiences resolved and "
        "their rules in plain words — or the DRAFT's with audiences_of='draft'. Paged by those resolved "
        "audiences (total, next_cursor) when there are many.",
    )
    async def get_all_versions(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        audiences_of: Annotated[
            str,
            Field(
                description="Whose audiences to resolve: 'active' (the live version, default) or 'draft'.",
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
        description="Get a Single Experience: one experience's summary — type, status, short uid, latest version, "
        "the audiences it uses, its linked CMS variant group and CMS variants. For its variants and who sees "
        "them, call get_all_versions.",
    )
    async def get_single_experience(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, SingleExperienceResult]:
        return as_tool_result(await experiences.get_single_experience(lookups, project_uid, experience_uid))

    @server.tool(
        name="get_experiences_priority",
        title="Get Experiences Priority",
        annotations=READ_ONLY,
        description="Get Experiences Priority: every experience of the project in priority order (rank 1 = "
        "highest), with name, type and status. Every running experience is evaluated for a visitor; when several "
        "vary the same CMS entry, the highest-ranked one decides its content. Experiences the priority list leaves "
        "out come last, flagged (in_priority_list false, rank null). Paged: total, next_cursor.",
    )
    async def get_experiences_priority(
        project_uid: ProjectUid = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, PriorityResult]:
        return as_tool_result(await priority.get_experiences_priority(lookups, project_uid, limit=limit, cursor=cursor))
