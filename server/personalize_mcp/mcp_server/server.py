"""The MCP face: ten read-only tools over `PersonalizeActions`, with errors a person can act on.

Tool functions are thin: take the arguments, call one action, return its result model. The
server subclass turns every anticipated failure into one sentence: our `UserFacingError`s,
and the SDK's argument-validation dumps, which would otherwise reach the model as several
lines of pydantic output.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from personalize_mcp import __version__
from personalize_mcp.answers.actions import PersonalizeActions
from personalize_mcp.answers.results import (
    AudiencesResult,
    ExperiencesResult,
    ProjectsResult,
    SingleAudienceResult,
    SingleExperienceResult,
    StacksResult,
    VariantAudiencesResult,
    VariantGroupsResult,
    VariantsResult,
    VersionsResult,
)
from personalize_mcp.mcp_server.completions import register_completions
from personalize_mcp.mcp_server.prompts import register_prompts
from personalize_mcp.mcp_server.resources import cache_hints, register_resources
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE, DeadlineExceededError, within_deadline
from personalize_mcp.runtime.errors import UserFacingError

logger = logging.getLogger(__name__)

SERVER_NAME = "contentstack-personalize"

INSTRUCTIONS = """\
Read-only access to a Contentstack Personalize account: projects, audiences (with their rules in
plain words), experiences, their versions and variants, and which audiences see a CMS entry variant.

Ids come from the list tools: list_projects gives project_uid; get_all_experiences gives
experience_uid; get_all_audiences gives audience_uid; list_stacks gives stack_api_key;
list_variant_groups gives variant_group_uid; list_variants gives variant_uid.
project_uid may be omitted when a default project is configured or the organisation has one project.

Who sees a CMS variant: list_stacks -> list_variant_groups -> list_variants -> get_variant_audiences.
What an experience shows to whom: get_all_experiences -> get_all_versions (audiences resolved).
The same lookup lists are resources (personalize://projects, contentstack://stacks and templates
below them), and prompts explain a variant's audiences, review an experience or audit a project.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)

ProjectUid = Annotated[
    str | None,
    Field(
        description="Personalize project uid, from list_projects. Optional when a default project is configured "
        "or the organisation has exactly one project."
    ),
]
ExperienceUid = Annotated[str, Field(description="Experience uid, from get_all_experiences.")]
StackApiKey = Annotated[str, Field(description="CMS stack API key, from list_stacks.")]
VariantGroupUid = Annotated[str, Field(description="CMS variant group uid, from list_variant_groups.")]


class PersonalizeMCPServer(MCPServer[Any]):
    """`MCPServer` whose tool failures always read as one actionable sentence."""

    deadline: float | None = DEFAULT_DEADLINE
    """Seconds one tool call may take, upstream retries and waits included (None: no limit)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        if self._tool_manager.get_tool(name) is None:  # the SDK's "Unknown tool: x" names no way out
            known = ", ".join(sorted(tool.name for tool in self._tool_manager.list_tools()))
            raise ToolError(f"Unknown tool {name!r}; the tools are: {known}.")
        try:
            with within_deadline(self.deadline):
                result = await super().call_tool(name, arguments, context)
            return result
        except DeadlineExceededError as error:  # the deadline passed while upstream requests ran
            raise ToolError(error.message) from None
        except UnexpectedToolError as error:
            cause = error.__cause__
            if isinstance(cause, UserFacingError):
                raise ToolError(cause.message) from None
            raise ToolError(
                f"The {name} tool failed unexpectedly; the server log has the details. Try again, "
                "and report it if it persists."
            ) from error
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, ValidationError):
                raise ToolError(describe_validation_error(name, cause)) from cause
            if isinstance(cause, UserFacingError):
                raise ToolError(cause.message) from None
            raise

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        """An unknown prompt is the caller's mistake (-32602 with a sentence), not an internal error."""
        if self._prompt_manager.get_prompt(name) is None:
            known = ", ".join(sorted(p.name for p in self._prompt_manager.list_prompts()))
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt {name!r}; the prompts are: {known}.")
        return await super().get_prompt(name, arguments, context)


def describe_validation_error(tool: str, error: ValidationError) -> str:
    """One sentence for pydantic's argument errors, naming each bad argument and what it must be."""
    problems: list[str] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        kind = item["type"]
        if kind == "missing":
            problems.append(f"{where} is required")
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "one of the listed values")
            problems.append(f"{where} must be {expected}")
        elif kind in ("string_type", "string_too_long"):
            problems.append(f"{where} must be a string")
        elif kind in ("list_type", "tuple_type"):
            problems.append(f"{where} must be a list of strings")
        elif kind.startswith("bool"):
            problems.append(f"{where} must be true or false")
        else:
            problems.append(f"{where} is invalid")
    return f"Invalid arguments for {tool}: {'; '.join(problems)}; see the tool's input schema."


def as_tool_result(result: BaseModel) -> CallToolResult:
    """Structured content plus the same JSON as compact text (fewer tokens for the model)."""
    data = result.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def build_server(
    actions: PersonalizeActions,
    *,
    auth: AuthSettings | None = None,
    token_verifier: TokenVerifier | None = None,
) -> PersonalizeMCPServer:
    """The MCP server for one account's actions (transport-agnostic).

    `auth` and `token_verifier` make its Streamable HTTP endpoint an OAuth resource server
    (see `http_auth`); they change nothing on stdio.
    """
    server = PersonalizeMCPServer(
        SERVER_NAME,
        title="Contentstack Personalize",
        description="Answers questions about a Contentstack Personalize account.",
        instructions=INSTRUCTIONS,
        version=__version__,
        cache_hints=cache_hints(actions.cache_ttl),
        auth=auth,
        token_verifier=token_verifier,
    )
    server.deadline = actions.deadline
    register_tools(server, actions)
    register_resources(server, actions)
    register_prompts(server)
    register_completions(server, actions)
    return server


def register_tools(server: MCPServer[Any], actions: PersonalizeActions) -> None:
    @server.tool(
        name="list_projects",
        title="List Projects",
        annotations=READ_ONLY,
        description="List every Personalize project of the connected organisation: uid, name, description and "
        "the API key of its connected CMS stack. Start here: a project's uid is the project_uid the other "
        "Personalize tools take.",
    )
    async def list_projects() -> Annotated[CallToolResult, ProjectsResult]:
        return as_tool_result(await actions.list_projects())

    @server.tool(
        name="get_all_audiences",
        title="Get All Audiences",
        annotations=READ_ONLY,
        description="Get All Audiences: every audience of a Personalize project, each with its rules in plain "
        'words (e.g. country equals "AU" AND device type equals "MOBILE") and its source (LYTICS for '
        "audiences synced from Lytics). Pass audience_uids to get only those audiences.",
    )
    async def get_all_audiences(
        project_uid: ProjectUid = None,
        audience_uids: Annotated[
            list[str] | None,
            Field(description="Only these audience uids (from this tool, an experience or a version)."),
        ] = None,
    ) -> Annotated[CallToolResult, AudiencesResult]:
        return as_tool_result(await actions.get_all_audiences(project_uid, audience_uids))

    @server.tool(
        name="get_all_experiences",
        title="Get All Experiences",
        annotations=READ_ONLY,
        description="Get All Experiences: every experience of a Personalize project with its type (SEGMENTED or "
        "AB_TEST), status, short uid, latest version uid, the audience uids it uses and its linked CMS variant "
        "group. Use an experience's uid with get_single_experience or get_all_versions.",
    )
    async def get_all_experiences(project_uid: ProjectUid = None) -> Annotated[CallToolResult, ExperiencesResult]:
        return as_tool_result(await actions.get_all_experiences(project_uid))

    @server.tool(
        name="get_all_versions",
        title="Get All Versions",
        annotations=READ_ONLY,
        description="Get All Versions: every version of an experience (ACTIVE, DRAFT, PAUSED, ARCHIVED) with its "
        "variants (audience uids and how they combine for segmented variants, traffic share for A/B test "
        "variants), plus audiences_version: the ACTIVE version's variants with their audiences resolved and "
        "their rules in plain words — or the DRAFT's with audiences_of='draft'.",
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
    ) -> Annotated[CallToolResult, VersionsResult]:
        return as_tool_result(await actions.get_all_versions(project_uid, experience_uid, audiences_of))

    @server.tool(
        name="get_single_audience",
        title="Get a Single Audience",
        annotations=READ_ONLY,
        description="Get a Single Audience: one audience of a Personalize project with its rules in plain words "
        "and its source. audience_uid comes from get_all_audiences, an experience's audience_uids or a "
        "version's variants.",
    )
    async def get_single_audience(
        audience_uid: Annotated[str, Field(description="Audience uid, from get_all_audiences.")],
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, SingleAudienceResult]:
        return as_tool_result(await actions.get_single_audience(project_uid, audience_uid))

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
        return as_tool_result(await actions.get_single_experience(project_uid, experience_uid))

    @server.tool(
        name="get_variant_audiences",
        title="Get Audience(s) of a Variant",
        annotations=READ_ONLY,
        description="Get Audience(s) of a Variant: which audiences see a CMS entry variant. Follows the CMS "
        "variant's link to its Personalize experience and answers with the audiences (rules in plain words, "
        "Lytics audiences included) of the linked variant in the experience's ACTIVE version — or in its DRAFT "
        "with draft=true. stack_api_key from list_stacks, variant_group_uid from list_variant_groups, "
        "variant_uid from list_variants.",
    )
    async def get_variant_audiences(
        stack_api_key: StackApiKey,
        variant_group_uid: VariantGroupUid,
        variant_uid: Annotated[str, Field(description="CMS variant uid, from list_variants.")],
        draft: Annotated[
            bool, Field(description="true: the DRAFT version's audiences instead of the ACTIVE version's.")
        ] = False,
    ) -> Annotated[CallToolResult, VariantAudiencesResult]:
        return as_tool_result(await actions.get_variant_audiences(stack_api_key, variant_group_uid, variant_uid, draft))

    @server.tool(
        name="list_stacks",
        title="List Stacks",
        annotations=READ_ONLY,
        description="List the CMS stacks of the connected organisation (API key, name, uid, master locale). "
        "A stack's api_key is the stack_api_key that list_variant_groups, list_variants and "
        "get_variant_audiences take.",
    )
    async def list_stacks() -> Annotated[CallToolResult, StacksResult]:
        return as_tool_result(await actions.list_stacks())

    @server.tool(
        name="list_variant_groups",
        title="List Variant Groups",
        annotations=READ_ONLY,
        description="List every variant group of a CMS stack. experience_uid and project_uid name the "
        "Personalize experience a group is linked to; null means a plain CMS variant group, whose variants "
        "have no audiences. A group's uid is the variant_group_uid for list_variants.",
    )
    async def list_variant_groups(stack_api_key: StackApiKey) -> Annotated[CallToolResult, VariantGroupsResult]:
        return as_tool_result(await actions.list_variant_groups(stack_api_key))

    @server.tool(
        name="list_variants",
        title="List Variants",
        annotations=READ_ONLY,
        description="List every variant of a CMS variant group: uid, name, alias and the short uid of the linked "
        "Personalize variant. A variant's uid is the variant_uid for get_variant_audiences.",
    )
    async def list_variants(
        stack_api_key: StackApiKey, variant_group_uid: VariantGroupUid
    ) -> Annotated[CallToolResult, VariantsResult]:
        return as_tool_result(await actions.list_variants(stack_api_key, variant_group_uid))
