"""Prompts: user-chosen templates for the common questions (e.g. Claude Desktop's prompt menu).

Each prompt is one user message telling the model exactly which tools to call with which ids,
and what to answer. Prompts make no upstream request, so getting one never fails on
Contentstack; their arguments are validated like tool arguments, and a missing or invalid one is
an invalid-params error (-32602) with one sentence. Their arguments complete like the resource
variables (see `mcp_completions`); their types and checks are in `prompt_arguments`.

A prompt must never tell a model to call a tool it cannot see: each declares the tools its text
names (`PromptSpec.needs`), and is offered only when `serve --toolsets` offers them all; an optional
argument that brings in another tool (a visitor to check) is left off the prompt without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server import MCPServer

from personalize_mcp.mcp_server.prompt_arguments import (
    AudienceUid,
    CheckedPrompt,
    Draft,
    ExperienceUid,
    OptionalVisitorJson,
    ProjectUid,
    StackApiKey,
    VariantGroupUid,
    VariantShortUid,
    VariantUid,
    VisitorJson,
    checked_boolean,
    checked_identifier,
    checked_short_uid,
    checked_visitor,
)


@dataclass(frozen=True, slots=True)
class PromptSpec:
    """A prompt, and the tools its text sends a model to: it is offered only with all of them."""

    render: Callable[..., str]
    title: str
    description: str
    needs: frozenset[str]
    optional: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Optional arguments that bring more tools in: offered only with those tools too."""


def register_prompts(server: MCPServer[Any], tools: Collection[str]) -> None:
    """The prompts whose tools are all among `tools`."""
    offered = set(tools)
    for spec in PROMPTS:
        if not spec.needs <= offered:
            continue
        prompt = CheckedPrompt.from_function(
            spec.render, name=spec.render.__name__, title=spec.title, description=spec.description
        )
        unusable = {argument for argument, needs in spec.optional.items() if not needs <= offered}
        prompt.arguments = [argument for argument in prompt.arguments or [] if argument.name not in unusable]
        server.add_prompt(prompt)


def explain_variant_audiences(
    stack_api_key: StackApiKey,
    variant_group_uid: VariantGroupUid,
    variant_uid: VariantUid,
    draft: Draft = None,
    visitor: OptionalVisitorJson = None,
) -> str:
    ids = {
        "stack_api_key": checked_identifier("stack_api_key", stack_api_key),
        "variant_group_uid": checked_identifier("variant_group_uid", variant_group_uid),
        "variant_uid": checked_identifier("variant_uid", variant_uid),
    }
    with_draft = checked_boolean("draft", draft)
    steps = [f"1. Call get_variant_audiences with {_args({**ids, 'draft': False})} (the live ACTIVE version)."]
    if with_draft:
        steps.append(f"2. Call get_variant_audiences with {_args({**ids, 'draft': True})} (the DRAFT version).")
    described = checked_visitor("visitor", visitor) if visitor and visitor.strip() else None
    if described is not None:
        check = {
            "project_uid": "<project_uid from step 1>",
            "audience_uid": "<each audience uid>",
            "visitor": described,
        }
        steps.append(
            f"{len(steps) + 1}. For each audience of step 1, call explain_audience_match with {_args(check)}: "
            "whether this visitor is in it, rule by rule (a local simulation, not the Edge)."
        )
    answer = (
        "Then answer for a non-technical reader: which experience and variant this CMS variant is linked to, and "
        "which visitors see it -- each audience's rules in plain words, joined as audience_combination says "
        "(OR: a visitor in any of them; AND: only visitors in all of them), naming Lytics audiences (source "
        "LYTICS) as such."
    )
    if with_draft:
        answer += " Then say what the draft changes for this variant compared with the active version, or that it "
        answer += "changes nothing."
    if described is not None:
        answer += (
            " Then say whether the given visitor sees it: combine the audiences' matched values as "
            "audience_combination says, name each failing rule with its expected and observed value, and for a "
            "null (undecided) result ask for the visitor fields in needs. Say it is a simulation."
        )
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


def why_not_variant(
    project_uid: ProjectUid,
    experience_uid: ExperienceUid,
    visitor: VisitorJson,
    variant_short_uid: VariantShortUid = None,
) -> str:
    ids = {
        "project_uid": checked_identifier("project_uid", project_uid),
        "experience_uid": checked_identifier("experience_uid", experience_uid),
    }
    described = checked_visitor("visitor", visitor)
    wanted = f"variant {checked_short_uid(variant_short_uid)}" if variant_short_uid else "a variant"
    simulate = {"project_uid": ids["project_uid"], "visitor": described}
    check = {"project_uid": ids["project_uid"], "audience_uid": "<each audience uid>", "visitor": described}
    return "\n".join(
        [
            f"Why does this visitor not see {wanted} of experience {ids['experience_uid']} in Personalize project "
            f"{ids['project_uid']}?",
            f"1. Call simulate_visitor with {_args(simulate)} (every experience in priority order; follow "
            "next_cursor until the experience appears): find its outcome, reason and needs, and the experiences "
            "ranked above it with variant or ab_random outcomes (with variant_aliases and aliases_note).",
            f"2. Call get_all_versions with {_args(ids)}: the variants of the simulated version and their audiences.",
            f"3. For each audience of {wanted} (and of the variants before it in the version's order), call "
            f"explain_audience_match with {_args(check)}: the trace, rule by rule.",
            "Then answer plainly: whether the experience runs at all (not_running: which version is missing); "
            "which variant the visitor gets instead, or none; for each variant tried, the rule that failed with its "
            "expected and observed value (a value of the wrong type, e.g. a number sent as text, counts as a "
            "failure: say so); which visitor fields would decide an undecided (null) result -- ask for them; and "
            "whether a higher-priority experience takes the same entry first (variant_aliases). Say that this is a "
            "local simulation from the project's rules, not an answer from the Edge. Base every statement on the "
            "tool results.",
        ]
    )


def review_experience(project_uid: ProjectUid, experience_uid: ExperienceUid) -> str:
    ids = {
        "project_uid": checked_identifier("project_uid", project_uid),
        "experience_uid": checked_identifier("experience_uid", experience_uid),
    }
    return "\n".join(
        [
            f"Review experience {ids['experience_uid']} of Personalize project {ids['project_uid']}.",
            f"1. Call get_single_experience with {_args(ids)}: name, type, status, linked variant group.",
            f"2. Call get_all_versions with {_args(ids)}: every version with its variants; audiences_version "
            "resolves the ACTIVE version's audiences.",
            f"3. If a DRAFT version exists, call get_all_versions with {_args({**ids, 'audiences_of': 'draft'})}: "
            "the draft's audiences.",
            f"4. Call get_experiment_results with {_args(ids)}: the results of the ACTIVE version (else of the "
            "latest that ran) and their verdict. If it answers that no version ran, say that there are no results "
            "yet.",
            "Then report: each version's uid and status; for each variant of the ACTIVE version (and of the DRAFT), "
            "who sees it -- its audiences with their rules in plain words and how they combine (OR/AND), or for "
            "an A/B test variant its traffic share; and what the DRAFT changes compared with the ACTIVE version "
            "(variants added, removed or renamed; audiences, combination or traffic changed). Say so plainly when "
            "there is no DRAFT or no ACTIVE version.",
            "Then how it is doing: which version the results are for (version_choice), each variant's impressions "
            "and, for an A/B test, conversions, conversion rate, uplift against the control and probability to be "
            "best; the verdict and verdict_reason in plain words (winner: can ship; leader: keep it running, and "
            "say what is missing; inconclusive; insufficient_data: how much more is needed; impressions_only: a "
            "segmented experience has no winner). If sample_ratio.mismatch is true, warn first that the traffic "
            "split is broken and the result is not to be trusted. Base every statement on the tool results.",
        ]
    )


def explain_audience(project_uid: ProjectUid, audience_uid: AudienceUid) -> str:
    project = {"project_uid": checked_identifier("project_uid", project_uid)}
    ids = {**project, "audience_uid": checked_identifier("audience_uid", audience_uid)}
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
    project = {"project_uid": checked_identifier("project_uid", project_uid)}
    return "\n".join(
        [
            f"Audit Personalize project {project['project_uid']}.",
            f"1. Call audit_project with {_args(project)}: the findings, errors first, with counts per check (paged: "
            "call again with cursor set to next_cursor until it is null).",
            "2. If any finding's check is not_read, or checks_skipped says some results were not read in time, call "
            "audit_project again once (what was read is cached, so it goes on from there) and use the newer findings.",
            "3. For each draft_differs finding you report, call compare_versions with "
            f"{_args({**project, 'experience_uid': '<its subject uid>'})} for what the draft changes.",
            "Then report, for a non-technical reader: the errors (what visitors get wrong now), then the warnings, "
            "then the info findings, each with its subject's name and uid and what to do; group findings of one "
            "check together, say which checks were skipped (checks_skipped) and why, and write 'none' for a "
            "severity without findings. Base every statement on the tool results; do not guess.",
        ]
    )


def _args(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, separators=(", ", ": "))


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        explain_variant_audiences,
        title="Explain who sees a variant",
        description="Explain in plain words which visitors see a CMS entry variant: the audiences of its "
        "linked Personalize variant in the ACTIVE version, and optionally what the DRAFT changes.",
        needs=frozenset({"get_variant_audiences"}),
        optional={"visitor": frozenset({"explain_audience_match"})},
    ),
    PromptSpec(
        why_not_variant,
        title="Why doesn't this visitor see …?",
        description="Explain why a described visitor does (or does not) see an experience's variant: a local "
        "simulation of every experience in priority order, and the failing or undecided rules of the "
        "variant's audiences.",
        needs=frozenset({"simulate_visitor", "get_all_versions", "explain_audience_match"}),
    ),
    PromptSpec(
        review_experience,
        title="Review an experience",
        description="Review a Personalize experience: its versions, who sees each variant, what changes "
        "between the DRAFT and the ACTIVE version, and how it is doing (results and verdict).",
        needs=frozenset({"get_single_experience", "get_all_versions", "get_experiment_results"}),
    ),
    PromptSpec(
        explain_audience,
        title="Explain an audience",
        description="Explain who is in a Personalize audience, in plain words, and which experiences and "
        "variants target it.",
        needs=frozenset({"get_single_audience", "get_all_experiences", "get_all_versions"}),
    ),
    PromptSpec(
        audit_project,
        title="Audit a project",
        description="Audit a Personalize project with one audit_project call: broken targeting, A/B splits, "
        "unreachable variants, experiences without an ACTIVE version or priority, CMS links, unused audiences, "
        "attributes and events, and what each draft changes.",
        needs=frozenset({"audit_project", "compare_versions"}),
    ),
)
"""Every prompt, in the order prompts/list shows them."""
