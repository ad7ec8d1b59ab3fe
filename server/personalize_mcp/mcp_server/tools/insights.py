"""Tools: find_usage, compare_versions, audit_project, search (answers no single list gives)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers.insights import audit, compare, search, usage
from personalize_mcp.answers.insights.audit import AuditResult
from personalize_mcp.answers.insights.checks import CHECK_NAMES, SEVERITIES
from personalize_mcp.answers.insights.compare import CompareResult
from personalize_mcp.answers.insights.search import KINDS, SearchResult
from personalize_mcp.answers.insights.usage_entries import UsageResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools.common import (
    READ_ONLY,
    Cursor,
    ExperienceUid,
    Limit,
    ProjectUid,
    Query,
    as_tool_result,
)

VersionUid = Annotated[str | None, Field(description="Version uid (get_all_versions).")]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="find_usage",
        title="Find Where It Is Used",
        annotations=READ_ONLY,
        description="Everything that uses an audience, attribute or event (e.g. before deleting it): the "
        "experiences, versions, variants and audiences, each with where, in words.",
    )
    async def find_usage(
        uid: Annotated[
            str,
            Field(description="An audience, attribute or event uid, a custom attribute key, or a preset (COUNTRY)."),
        ],
        project_uid: ProjectUid = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, UsageResult]:
        return as_tool_result(await usage.find_usage(lookups, project_uid, uid, limit=limit, cursor=cursor))

    @server.tool(
        name="compare_versions",
        title="Compare Versions",
        annotations=READ_ONLY,
        description="What activating an experience's DRAFT would change against the ACTIVE version (or between "
        "any two versions): variants, audiences, rules, traffic split and order, before and after in plain words.",
    )
    async def compare_versions(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        from_version_uid: VersionUid = None,
        to_version_uid: VersionUid = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, CompareResult]:
        return as_tool_result(
            await compare.compare_versions(
                lookups, project_uid, experience_uid, from_version_uid, to_version_uid, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="audit_project",
        title="Audit a Project",
        annotations=READ_ONLY,
        description="Everything wrong with a project in one call: findings (error, warning, info) with their "
        "subject and one sentence each -- broken targeting, A/B splits, unreachable variants, missing versions, "
        "priority or CMS links, unused audiences, attributes and events, drafts that differ, winners still "
        "running. not_read: call again.",
    )
    async def audit_project(
        project_uid: ProjectUid = None,
        severity: Annotated[
            str | None,
            Field(description="Only this severity.", json_schema_extra={"enum": list(SEVERITIES)}),
        ] = None,
        check: Annotated[
            str | None,
            Field(description="Only this check.", json_schema_extra={"enum": list(CHECK_NAMES)}),
        ] = None,
        query: Query = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, AuditResult]:
        return as_tool_result(
            await audit.audit_project(
                lookups, project_uid, severity=severity, check=check, query=query, limit=limit, cursor=cursor
            )
        )

    @server.tool(
        name="search",
        title="Search",
        annotations=READ_ONLY,
        description="Find anything by name, key or uid: projects, experiences, audiences, attributes, events, "
        "stacks, variant groups. Hits ranked exact, prefix, contains, each naming the tool to call next.",
    )
    async def search_tool(
        query: Annotated[str, Field(description="Text to find (case-insensitive).")],
        kinds: Annotated[
            list[str] | None,
            Field(description="Only these kinds.", json_schema_extra={"items": {"enum": list(KINDS)}}),
        ] = None,
        project_uid: Annotated[
            str | None, Field(description="Only this project and its stack (default: up to 10 of each).")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, SearchResult]:
        return as_tool_result(
            await search.search(lookups, query, kinds, project_uid=project_uid, limit=limit, cursor=cursor)
        )
