"""Prompts: user-chosen templates for the common questions (e.g. Claude Desktop's prompt menu).

Each prompt is one user message telling the model exactly which tools to call with which ids,
and what to answer. Prompts make no upstream request, so getting one never fails on
Contentstack; their arguments are validated like tool arguments, and a missing or invalid one is
an invalid-params error (-32602) with one sentence. Their arguments complete like the resource
variables (see `mcp_completions`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.prompts.base import Message, Prompt
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, InputRequiredResult
from pydantic import Field

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


def register_prompts(server: MCPServer[Any]) -> None:
    server.add_prompt(
        CheckedPrompt.from_function(
            explain_variant_audiences,
            name="explain_variant_audiences",
            title="Explain who sees a variant",
            description="Explain in plain words which visitors see a CMS entry variant: the audiences of its "
            "linked Personalize variant in the ACTIVE version, and optionally what the DRAFT changes.",
        )
    )
    server.add_prompt(
        CheckedPrompt.from_function(
            review_experience,
            name="review_experience",
            title="Review an experience",
            description="Review a Personalize experience: its versions, who sees each variant, and what changes "
            "between the DRAFT and the ACTIVE version.",
        )
    )
    server.add_prompt(
        CheckedPrompt.from_function(
            explain_audience,
            name="explain_audience",
            title="Explain an audience",
            description="Explain who is in a Personalize audience, in plain words, and which experiences and "
            "variants target it.",
        )
    )
    server.add_prompt(
        CheckedPrompt.from_function(
            audit_project,
            name="audit_project",
            title="Audit a project",
            description="Audit a Personalize project with one audit_project call: broken targeting, A/B splits, "
            "unreachable variants, experiences without an ACTIVE version or priority, CMS links, unused audiences, "
            "attributes and events, and what each draft changes.",
        )
    )


def explain_variant_audiences(
    stack_api_key: StackApiKey, variant_group_uid: VariantGroupUid, variant_uid: VariantUid, draft: Draft = None
) -> str:
    ids = {
        "stack_api_key": _identifier("stack_api_key", stack_api_key),
        "variant_group_uid": _identifier("variant_group_uid", variant_group_uid),
        "variant_uid": _identifier("variant_uid", variant_uid),
    }
    with_draft = _boolean("draft", draft)
    steps = [f"1. Call get_variant_audiences with {_args({**ids, 'draft': False})} (the live ACTIVE version)."]
    if with_draft:
        steps.append(f"2. Call get_variant_audiences with {_args({**ids, 'draft': True})} (the DRAFT version).")
    answer = (
        "Then answer for a non-technical reader: which experience and variant this CMS variant is linked to, and "
        "which visitors see it -- each audience's rules in plain words, joined as audience_combination says "
        "(OR: a visitor in any of them; AND: only visitors in all of them), naming Lytics audiences (source "
        "LYTICS) as such."
    )
    if with_draft:
        answer += " Then say what the draft changes for this variant compared with the active version, or that it "
        answer += "changes nothing."
    return "\n".join(
        [
            f"Explain who sees CMS variant {ids['variant_uid']} of variant group {ids['variant_group_uid']} in "
            f"stack {ids['stack_api_key']}.",
            *steps,
            answer,
            "If a call fails, report its one-sentence error and follow what it suggests (for example, an "
            "experience without an ACTIVE version: call again with draft true). Base every statement on the "
            "tool results.",
        ]
    )


def review_experience(project_uid: ProjectUid, experience_uid: ExperienceUid) -> str:
    ids = {
        "project_uid": _identifier("project_uid", project_uid),
        "experience_uid": _identifier("experience_uid", experience_uid),
    }
    return "\n".join(
        [
            f"Review experience {ids['experience_uid']} of Personalize project {ids['project_uid']}.",
            f"1. Call get_single_experience with {_args(ids)}: name, type, status, linked variant group.",
            f"2. Call get_all_versions with {_args(ids)}: every version with its variants; audiences_version "
            "resolves the ACTIVE version's audiences.",
            f"3. If a DRAFT version exists, call get_all_versions with {_args({**ids, 'audiences_of': 'draft'})}: "
            "the draft's audiences.",
            "Then report: each version's uid and status; for each variant of the ACTIVE version (and of the DRAFT), "
            "who sees it -- its audiences with their rules in plain words and how they combine (OR/AND), or for "
            "an A/B test variant its traffic share; and what the DRAFT changes compared with the ACTIVE version "
            "(variants added, removed or renamed; audiences, combination or traffic changed). Say so plainly when "
            "there is no DRAFT or no ACTIVE version. Base every statement on the tool results.",
        ]
    )


def explain_audience(project_uid: ProjectUid, audience_uid: AudienceUid) -> str:
    project = {"project_uid": _identifier("project_uid", project_uid)}
    ids = {**project, "audience_uid": _identifier("audience_uid", audience_uid)}
    return "\n".join(
        [
            f"Explain audience {ids['audience_uid']} of Personalize project {ids['project_uid']}.",
            f"1. Call get_single_audience with {_args(ids)}: its name, source and rules in plain words.",
            f"2. Call get_all_experiences with {_args(project)}: the experiences whose audience_uids include "
            f"{ids['audience_uid']} (paged: follow next_cursor until it is null).",
            "3. For each of those experiences, call get_all_versions with "
            f"{_args({**project, 'experience_uid': '<its uid>'})}: which variants of which versions target it.",
            "Then answer for a non-technical reader: who is in this audience (its rules in plain words; for source "
            "LYTICS, that it is defined in Lytics), and where it is used -- each experience and variant, with the "
            "version's status (ACTIVE, DRAFT, ...) -- or that no experience uses it. Base every statement on the "
            "tool results.",
        ]
    )


def audit_project(project_uid: ProjectUid) -> str:
    project = {"project_uid": _identifier("project_uid", project_uid)}
    return "\n".join(
        [
            f"Audit Personalize project {project['project_uid']}.",
            f"1. Call audit_project with {_args(project)}: the findings, errors first, with counts per check (paged: "
            "call again with cursor set to next_cursor until it is null).",
            "2. If any finding's check is not_read, call audit_project again once (what was read is cached, so it "
            "goes on from there) and use the newer findings.",
            "3. For each draft_differs finding you report, call compare_versions with "
            f"{_args({**project, 'experience_uid': '<its subject uid>'})} for what the draft changes.",
            "Then report, for a non-technical reader: the errors (what visitors get wrong now), then the warnings, "
            "then the info findings, each with its subject's name and uid and what to do; group findings of one "
            "check together, say which checks were skipped (checks_skipped) and why, and write 'none' for a "
            "severity without findings. Base every statement on the tool results; do not guess.",
        ]
    )


def _identifier(name: str, value: str) -> str:
    try:
        return validate_identifier(name, value.strip())
    except InvalidInputError as error:
        raise MCPError(code=INVALID_PARAMS, message=error.message) from None


def _boolean(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MCPError(code=INVALID_PARAMS, message=f"{name} must be 'true' or 'false', not {value!r}.")


def _args(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, separators=(", ", ": "))


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
