"""Upstream refusals turned into sentences only the answers layer can write: which project, experience,
stack or group was wrong, and which tool lists the valid ids.

Below `lookups`, which calls these: they ask only for the two lists they check an id against
(`IdLists`), so this module never needs to know `Lookups`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from personalize_mcp.contentstack.errors import PermissionDeniedError, UpstreamError
from personalize_mcp.runtime.errors import NotFoundError


class _Identified(Protocol):
    @property
    def uid(self) -> str: ...


class IdLists(Protocol):
    """The reads an id is checked against (`Lookups` is one)."""

    async def projects(self) -> Sequence[_Identified]: ...

    async def variant_groups(self, stack_api_key: str) -> Sequence[_Identified]: ...


async def project_known(lookups: IdLists, project_uid: str) -> bool | None:
    """Whether the organisation has this project; None when that cannot be told."""
    try:
        return any(p.uid == project_uid for p in await lookups.projects())
    except UpstreamError:
        return None


async def project_error(lookups: IdLists, project_uid: str, error: UpstreamError, what: str) -> Exception:
    """Not found only when the project list says so: a project list_projects shows that gets a 404
    or another 4xx for its `what` is told as what happened, so the user neither doubts the uid nor
    stops trying."""
    known = await project_known(lookups, project_uid)
    if known is False:
        return project_not_found(project_uid)
    if isinstance(error, PermissionDeniedError):
        return error
    status = f"HTTP {error.status}" if error.status else "a refusal"
    if known:
        return type(error)(
            f"Contentstack's {error.api.display_name} answered {status} when asked for the {what} of project "
            f"{project_uid}, which list_projects does show; try again shortly.",
            api=error.api,
            status=error.status,
        )
    return type(error)(
        f"Contentstack's {error.api.display_name} answered {status} when asked for the {what} of project "
        f"{project_uid}, and its project list could not be read to check the uid; call list_projects, then try again.",
        api=error.api,
        status=error.status,
    )


async def experience_error(lookups: IdLists, project_uid: str, experience_uid: str, error: UpstreamError) -> Exception:
    if await project_known(lookups, project_uid) is False:
        return project_not_found(project_uid)
    if isinstance(error, PermissionDeniedError):
        return error
    return NotFoundError(
        f"Experience {experience_uid} was not found in project {project_uid}; "
        f"call get_all_experiences with project_uid {project_uid} to list its experiences."
    )


async def variant_group_error(lookups: IdLists, stack: str, group: str, error: UpstreamError) -> Exception:
    groups = await lookups.variant_groups(stack)  # raises the stack error when the stack is the problem
    if not any(g.uid == group for g in groups):
        return NotFoundError(
            f"Variant group {group} was not found in stack {stack}; "
            f"call list_variant_groups with stack_api_key {stack} to list its groups."
        )
    return error


def project_not_found(project_uid: str) -> NotFoundError:
    return NotFoundError(
        f"Project {project_uid} was not found in this organisation; call list_projects to see valid project uids."
    )


def stack_not_found(stack_api_key: str) -> NotFoundError:
    return NotFoundError(
        f"Stack {stack_api_key} was not found or this account cannot access it; "
        "call list_stacks to see the organisation's stack API keys."
    )
