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

VersionUid = Annotated[str | None, Field(description="A version uid of the experience, from get_all_versions.")]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="find_usage",
        title="Find Where It Is Used",
        annotations=READ_ONLY,
        description="Find everything that uses an audience, attribute or event -- e.g. before deleting it. An "
        "audience: every experience, version (with its status) and variant that targets it. An attribute (a custom "
        "attribute's uid or key, or a preset one such as COUNTRY): every audience whose rules test it, every variant "
        "whose own rules do, and the variants targeting those audiences. An event: every experience that counts it. "
        "Each entry's `where` says exactly where, in words. Paged: total, next_cursor.",
    )
    async def find_usage(
        uid: Annotated[
            str,
            Field(description="An audience, attribute or event uid, a custom attribute's key, or a preset (COUNTRY)."),
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
        description="Compare two versions of an experience -- by default what activating the DRAFT would change "
        "against the ACTIVE version: variants added, removed or renamed, audiences and how they combine, inline "
        "rules, A/B traffic split, and the variants' order (the first match wins), each with before and after in "
        "plain words. Pass from_version_uid / to_version_uid (from get_all_versions) to compare others.",
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
        description="Audit a Personalize project in one call: findings with severity (error, warning, info), "
        "subject and one sentence each -- variants targeting missing audiences, A/B splits not adding up to 100, "
        "experiences whose CMS variant group is gone or groups whose experience is gone, segmented variants an "
        "earlier variant always wins, experiences without an ACTIVE version or missing from the priority list, "
        "rules testing deleted attributes, unused audiences, attributes and events, drafts that differ from the "
        "active version, running A/B tests that already have a winner, and experiences it could not read in time "
        "(not_read: call again). counts has every check's total; filter by severity or check; paged: total, "
        "next_cursor.",
    )
    async def audit_project(
        project_uid: ProjectUid = None,
        severity: Annotated[
            str | None,
            Field(description="Only findings of this severity.", json_schema_extra={"enum": list(SEVERITIES)}),
        ] = None,
        check: Annotated[
            str | None,
            Field(description="Only findings of this check.", json_schema_extra={"enum": list(CHECK_NAMES)}),
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
        description="Search names, keys and uids across projects, experiences, audiences, attributes, events, stacks, "
        "variant groups, and the variants of recently listed groups. Hits are ranked exact, then prefix, then "
        "contains, and each names the tool to call next with its arguments. Without project_uid it searches up to "
        "10 projects and 10 stacks (skipped says what was left out); paged: total, next_cursor.",
    )
    async def search_tool(
        query: Annotated[str, Field(description="Text to find in names, keys and uids (case-insensitive).")],
        kinds: Annotated[
            list[str] | None,
            Field(description="Only these kinds.", json_schema_extra={"items": {"enum": list(KINDS)}}),
        ] = None,
        project_uid: Annotated[
            str | None, Field(description="Search only this project (and its connected stack), from list_projects.")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, SearchResult]:
        return as_tool_result(
            await search.search(lookups, query, kinds, project_uid=project_uid, limit=limit, cursor=cursor)
        )
