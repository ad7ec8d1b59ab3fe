"""The lookup lists as MCP resources (`application/json`), and their cache hints.

A resource's JSON is the same object as the matching list tool's structured result, produced
by the same action, so a client that reads `personalize://projects` and a model that calls
`list_projects` see one answer. Identifiers in a URI are validated before any upstream request
(the SDK's template security -- no traversal, absolute paths or NUL -- stays on in front of
that). A URI naming a project, stack or variant group that does not exist is the protocol's
resource-not-found error (-32602, SEP-2164), never empty contents; any other failure is a
`ResourceError` carrying our one sentence.

Each resource names the tool whose answer it is, and is offered only with that tool (`serve
--toolsets`): its description sends a model to the tool.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from mcp.server import CacheHint, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types.methods import CacheableMethod
from pydantic import BaseModel

from personalize_mcp.answers.attributes import list_attributes
from personalize_mcp.answers.audiences import get_all_audiences
from personalize_mcp.answers.events import list_events
from personalize_mcp.answers.experiences import get_all_experiences
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.priority import get_experiences_priority
from personalize_mcp.answers.projects import list_projects
from personalize_mcp.answers.stacks import list_stacks, list_variant_groups, list_variants
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier

JSON_MIME_TYPE = "application/json"

PROJECTS_URI = "personalize://projects"
AUDIENCES_TEMPLATE = "personalize://projects/{project_uid}/audiences"
EXPERIENCES_TEMPLATE = "personalize://projects/{project_uid}/experiences"
STACKS_URI = "contentstack://stacks"
VARIANT_GROUPS_TEMPLATE = "contentstack://stacks/{stack_api_key}/variant-groups"
ATTRIBUTES_TEMPLATE = "personalize://projects/{project_uid}/attributes"
EVENTS_TEMPLATE = "personalize://projects/{project_uid}/events"
PRIORITY_TEMPLATE = "personalize://projects/{project_uid}/priority"
VARIANTS_TEMPLATE = "contentstack://stacks/{stack_api_key}/variant-groups/{variant_group_uid}/variants"

STATIC_LIST_TTL_MS = 5 * 60 * 1000
"""resources/list, resources/templates/list and prompts/list never change while the server runs
and name no user data: any cache may keep them for a few minutes."""


def cache_hints(lookup_ttl_seconds: float) -> dict[CacheableMethod, CacheHint]:
    """SEP-2549 hints: reads are the account's data (`private`), fresh as long as our own lookup
    cache keeps it (`lookup_ttl_seconds`, 0 = do not cache); the fixed lists are `public`."""
    static = CacheHint(ttl_ms=STATIC_LIST_TTL_MS, scope="public")
    return {
        "resources/read": CacheHint(ttl_ms=max(0, int(lookup_ttl_seconds * 1000)), scope="private"),
        "resources/list": static,
        "resources/templates/list": static,
        "prompts/list": static,
        "tools/list": static,
    }


ProjectList = Callable[[Lookups, str], Awaitable[BaseModel]]
"""A list tool's answer for one project (its first page: the same JSON as the tool's)."""
Decorator = Callable[[Callable[..., Awaitable[str]]], Callable[..., Awaitable[str]]]

PROJECT_LISTS: tuple[tuple[str, str, str, str, str, ProjectList], ...] = (
    (
        AUDIENCES_TEMPLATE,
        "project-audiences",
        "Audiences of a Project",
        "Every audience of a Personalize project: uid, name, description, source (LYTICS for synced "
        "audiences) and its rules in plain words; the same JSON as the get_all_audiences tool.",
        "get_all_audiences",
        get_all_audiences,
    ),
    (
        EXPERIENCES_TEMPLATE,
        "project-experiences",
        "Experiences of a Project",
        "Every experience of a Personalize project: uid, name, type (SEGMENTED or AB_TEST), status, "
        "short uid, latest version, audience uids and linked CMS variant group; the same JSON as the "
        "get_all_experiences tool.",
        "get_all_experiences",
        get_all_experiences,
    ),
    (
        ATTRIBUTES_TEMPLATE,
        "project-attributes",
        "Attributes of a Project",
        "The attributes audiences can target, PRESET and CUSTOM (uid, key, name, description, kind); "
        "the same JSON as the list_attributes tool.",
        "list_attributes",
        list_attributes,
    ),
    (
        EVENTS_TEMPLATE,
        "project-events",
        "Events of a Project",
        "The project's conversion events (uid, key, description); the same JSON as the list_events tool.",
        "list_events",
        list_events,
    ),
    (
        PRIORITY_TEMPLATE,
        "project-priority",
        "Experience Priority of a Project",
        "The project's experiences in priority order (rank 1 = highest; those left out of the "
        "priority list last, flagged); the same JSON as the get_experiences_priority tool.",
        "get_experiences_priority",
        get_experiences_priority,
    ),
)
"""The resources of one project, registered alike: template, name, title, description, the tool it
needs (whose answer it is) and that answer."""


def register_resources(server: MCPServer[Any], lookups: Lookups, tools: Collection[str]) -> None:
    """The resources whose tool is among `tools`."""

    def resource(needs: str, uri: str, *, name: str, title: str, description: str) -> Decorator:
        if needs not in tools:
            return lambda read: read  # not offered: left unregistered
        return server.resource(uri, name=name, title=title, description=description, mime_type=JSON_MIME_TYPE)

    @resource(
        "list_projects",
        PROJECTS_URI,
        name="projects",
        title="Personalize Projects",
        description="Every Personalize project of the connected organisation (uid, name, description, connected "
        "stack API key); the same JSON as the list_projects tool. A project's uid fills {project_uid} in "
        "personalize://projects/{project_uid}/audiences and .../experiences.",
    )
    async def projects() -> str:
        return await _read(lambda: list_projects(lookups))

    for template, name, title, description, needs, answer in PROJECT_LISTS:
        if needs in tools:
            _register_project_list(server, lookups, template, name, title, description, answer)

    @resource(
        "list_stacks",
        STACKS_URI,
        name="stacks",
        title="CMS Stacks",
        description="The CMS stacks of the connected organisation (api_key, name, uid, master locale); the same "
        "JSON as the list_stacks tool. A stack's api_key fills {stack_api_key} in "
        "contentstack://stacks/{stack_api_key}/variant-groups.",
    )
    async def stacks() -> str:
        return await _read(lambda: list_stacks(lookups))

    @resource(
        "list_variant_groups",
        VARIANT_GROUPS_TEMPLATE,
        name="stack-variant-groups",
        title="Variant Groups of a Stack",
        description="Every variant group of a CMS stack: uid, name, the linked Personalize experience and project "
        "(null for a plain CMS group) and its content types; the same JSON as the list_variant_groups tool.",
    )
    async def variant_groups(stack_api_key: str) -> str:
        stack = _identifier("stack_api_key", stack_api_key)
        return await _read(lambda: list_variant_groups(lookups, stack))

    @resource(
        "list_variants",
        VARIANTS_TEMPLATE,
        name="variant-group-variants",
        title="Variants of a Variant Group",
        description="Every variant of a CMS variant group: uid, name, alias and the short uid of the linked "
        "Personalize variant; the same JSON as the list_variants tool.",
    )
    async def variants(stack_api_key: str, variant_group_uid: str) -> str:
        stack = _identifier("stack_api_key", stack_api_key)
        group = _identifier("variant_group_uid", variant_group_uid)
        return await _read(lambda: list_variants(lookups, stack, group))


def _register_project_list(
    server: MCPServer[Any],
    lookups: Lookups,
    template: str,
    name: str,
    title: str,
    description: str,
    answer: ProjectList,
) -> None:
    async def read(project_uid: str) -> str:
        project = _identifier("project_uid", project_uid)
        return await _read(lambda: answer(lookups, project))

    server.resource(template, name=name, title=title, description=description, mime_type=JSON_MIME_TYPE)(read)


def _identifier(name: str, value: str) -> str:
    """A URI whose id could never be valid names no resource: not found, before any request."""
    try:
        return validate_identifier(name, value)
    except InvalidInputError as error:
        raise ResourceNotFoundError(error.message) from None


async def _read(fetch: Callable[[], Awaitable[BaseModel]]) -> str:
    try:
        result = await fetch()
    except NotFoundError as error:
        raise ResourceNotFoundError(error.message) from None
    except UserFacingError as error:
        raise ResourceError(error.message) from None
    return as_json_text(result)


def as_json_text(result: BaseModel) -> str:
    """The result model as compact JSON: the same text the list tools answer with."""
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
