"""Argument validation: every id is checked here before it can reach a URL or a header, and every
argument that names one of a few choices (a status, a kind, a check) is read here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal, overload

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


@overload
def validate_choice(
    name: str,
    value: object,
    allowed: Sequence[str],
    *,
    aliases: Mapping[str, str] | None = None,
    expected: str | None = None,
    required: Literal[True],
) -> str: ...


@overload
def validate_choice(
    name: str,
    value: object,
    allowed: Sequence[str],
    *,
    aliases: Mapping[str, str] | None = None,
    expected: str | None = None,
    required: bool = False,
) -> str | None: ...


def validate_choice(
    name: str,
    value: object,
    allowed: Sequence[str],
    *,
    aliases: Mapping[str, str] | None = None,
    expected: str | None = None,
    required: bool = False,
) -> str | None:
    """The member of `allowed` that `value` names, whatever its case and `-`/space for `_` ("ab-test",
    "Active"); `aliases` maps other spellings (case-insensitive) to a member. None when `value` is empty
    and not `required`; otherwise one sentence: "`name` must be `expected` (default: one of …), not …"."""
    text = value.strip() if isinstance(value, str) else None
    if not required and (value is None or text == ""):
        return None
    members = {choice.casefold(): choice for choice in allowed}
    members.update({alias.casefold(): choice for alias, choice in (aliases or {}).items()})
    found = members.get(text.replace("-", "_").replace(" ", "_").casefold()) if text else None
    if found is None:
        shown = quoted(value, 30) if isinstance(value, str) else f"of type {type(value).__name__}"
        raise InvalidInputError(f"{name} must be {expected or 'one of ' + ', '.join(allowed)}, not {shown}.")
    return found
