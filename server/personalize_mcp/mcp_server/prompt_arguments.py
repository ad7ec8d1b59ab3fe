"""The prompts' arguments: their types (what a client shows for each) and the checks they pass.

Kept apart from the prompt texts in `prompts`: a prompt's arguments are validated like tool
arguments, and a missing or invalid one is an invalid-params error (-32602) with one sentence,
never the SDK's internal error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver.prompts.base import Message, Prompt
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, InputRequiredResult
from pydantic import Field

from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier

if TYPE_CHECKING:
    from mcp.server.mcpserver.context import Context

ProjectUid = Annotated[str, Field(description="Personalize project uid (see list_projects).")]
AudienceUid = Annotated[str, Field(description="Audience uid (see get_all_audiences).")]
ExperienceUid = Annotated[str, Field(description="Experience uid (see get_all_experiences).")]
StackApiKey = Annotated[str, Field(description="CMS stack API key (see list_stacks).")]
VariantGroupUid = Annotated[str, Field(description="CMS variant group uid (see list_variant_groups).")]
VariantUid = Annotated[str, Field(description="CMS variant uid (see list_variants).")]
Draft = Annotated[
    str | None,
    Field(description="'true' to also explain the DRAFT version and what it changes; default 'false'."),
]

VisitorJson = Annotated[
    str,
    Field(
        description='The visitor as JSON, as simulate_visitor takes it, e.g. {"country": "AU", "device_type": '
        '"MOBILE", "attributes": {"lifetime_orders": 5}}.'
    ),
]
OptionalVisitorJson = Annotated[
    str | None,
    Field(description="Optionally, a visitor as JSON (as simulate_visitor takes it) to check against the audiences."),
]
VariantShortUid = Annotated[
    str | None,
    Field(description="Optionally, the short uid of the variant the visitor should see (see get_all_versions)."),
]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


class CheckedPrompt(Prompt):
    """A prompt whose missing arguments are an invalid-params error naming them (the SDK's own
    check raises a plain ValueError, which reaches the client as an internal error)."""

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = arguments or {}
        missing = [a.name for a in self.arguments or [] if a.required and not given.get(a.name)]
        if missing:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"The {self.name} prompt needs {_and(missing)}; "
                "the argument completions or the list tools give valid values.",
            )
        return await super().render(arguments, context)


def checked_identifier(name: str, value: str) -> str:
    """An id argument, stripped and checked as the tools check ids."""
    try:
        return validate_identifier(name, value.strip())
    except InvalidInputError as error:
        raise MCPError(code=INVALID_PARAMS, message=error.message) from None


def checked_visitor(name: str, value: str) -> dict[str, Any]:
    """The visitor JSON, checked as the tools check it, for the prompt to pass on unchanged."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise MCPError(
            code=INVALID_PARAMS, message=f'{name} must be a JSON object such as {{"country": "AU"}}.'
        ) from None
    if not isinstance(parsed, dict):
        raise MCPError(code=INVALID_PARAMS, message=f'{name} must be a JSON object such as {{"country": "AU"}}.')
    try:
        parse_visitor(parsed)
    except InvalidInputError as error:
        raise MCPError(code=INVALID_PARAMS, message=error.message) from None
    return parsed


def checked_short_uid(value: str) -> str:
    """A variant short uid (e.g. "0", "1"), stripped."""
    text = value.strip()
    if not text or len(text) > 16 or not text.replace("_", "").replace("-", "").isalnum():
        raise MCPError(code=INVALID_PARAMS, message=f"variant_short_uid {value[:20]!r} is not a variant short uid.")
    return text


def checked_boolean(name: str, value: str | None) -> bool:
    """A yes/no argument given as text ('true', 'false', 'yes', 'no', '1', '0', 'on', 'off'; empty: false)."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MCPError(code=INVALID_PARAMS, message=f"{name} must be 'true' or 'false', not {value!r}.")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
