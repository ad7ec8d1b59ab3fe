"""Identifier validation: every id is checked here before it can reach a URL or a header."""

from __future__ import annotations

import re

from personalize_mcp.runtime.errors import InvalidInputError, quoted

IDENTIFIER_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

_NEXT_STEP: dict[str, str] = {
    "project_uid": "call list_projects to see valid project uids",
    "audience_uid": "call get_all_audiences to see valid audience uids",
    "experience_uid": "call get_all_experiences to see valid experience uids",
    "version_uid": "call get_all_versions to see valid version uids",
    "stack_api_key": "call list_stacks to see valid stack API keys",
    "variant_group_uid": "call list_variant_groups to see valid variant group uids",
    "variant_uid": "call list_variants to see valid variant uids",
}


def is_identifier(value: object) -> bool:
    """True when `value` is a string made only of letters, digits, `_` and `-` (1 to 64 of them)."""
    return isinstance(value, str) and IDENTIFIER_PATTERN.fullmatch(value) is not None


def validate_identifier(name: str, value: object) -> str:
    """Return `value` when it is a safe identifier, else raise one sentence naming the argument."""
    if is_identifier(value):
        assert isinstance(value, str)
        return value
    hint = _NEXT_STEP.get(name, "check the value")
    shown = _describe(value)
    raise InvalidInputError(f"{name} {shown} is not a valid identifier (1-64 letters, digits, '_' or '-'); {hint}.")


def _describe(value: object) -> str:
    """The rejected value as the sentence shows it: shortened and escaped, never as sent."""
    if not isinstance(value, str):
        return f"of type {type(value).__name__}"
    return quoted(value, 40)
