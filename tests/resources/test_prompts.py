"""Prompts: listed with titles and arguments, and rendered with the exact tool calls to make."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, TextContent

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID
STACK = data.MAIN_STACK_API_KEY

PROMPTS = {
    "explain_variant_audiences": (
        "Explain who sees a variant",
        [
            ("stack_api_key", True),
            ("variant_group_uid", True),
            ("variant_uid", True),
            ("draft", False),
            ("visitor", False),
        ],
    ),
    "why_not_variant": (
        "Why doesn't this visitor see …?",
        [("project_uid", True), ("experience_uid", True), ("visitor", True), ("variant_short_uid", False)],
    ),
    "review_experience": ("Review an experience", [("project_uid", True), ("experience_uid", True)]),
    "explain_audience": ("Explain an audience", [("project_uid", True), ("audience_uid", True)]),
    "audit_project": ("Audit a project", [("project_uid", True)]),
}
VARIANT_ARGS = {
    "stack_api_key": STACK,
    "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
    "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
}
VALID_ARGS: dict[str, dict[str, str]] = {
    "explain_variant_audiences": VARIANT_ARGS,
    "review_experience": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
    "explain_audience": {"project_uid": WEB, "audience_uid": data.VIP_TIER_AUDIENCE_UID},
    "audit_project": {"project_uid": WEB},
    "why_not_variant": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID, "visitor": '{"country": "NZ"}'},
}


async def prompt_text(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, TextContent)
    return message.content.text


def tool_calls(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every `Call <tool> with {json}` in a prompt, parsed: the ids must be exact, usable JSON."""
    return [(m[1], json.loads(m[2])) for m in re.finditer(r"call (\w+) with (\{[^}]*\})", text, re.IGNORECASE)]


async def test_prompts_list_has_titles_descriptions_and_arguments(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == set(PROMPTS)
    for name, (title, arguments) in PROMPTS.items():
        prompt = prompts[name]
        assert prompt.title == title
        assert prompt.description
        assert [(a.name, a.required) for a in prompt.arguments or []] == arguments
        assert all(a.description for a in prompt.arguments or [])


async def test_explain_variant_calls_get_variant_audiences_for_the_active_version(client: Client) -> None:
    text = await prompt_text(client, "explain_variant_audiences", VARIANT_ARGS)
    assert tool_calls(text) == [("get_variant_audiences", {**VARIANT_ARGS, "draft": False})]
    assert "plain words" in text and "audience_combination" in text


@pytest.mark.parametrize("draft", ["true", "True", "yes", "1"])
async def test_explain_variant_with_draft_calls_for_active_and_draft(client: Client, draft: str) -> None:
    text = await prompt_text(client, "explain_variant_audiences", {**VARIANT_ARGS, "draft": draft})
    assert tool_calls(text) == [
        ("get_variant_audiences", {**VARIANT_ARGS, "draft": False}),
        ("get_variant_audiences", {**VARIANT_ARGS, "draft": True}),
    ]
    assert "draft changes" in text


@pytest.mark.parametrize("draft", ["false", "no", "0", ""])
async def test_explain_variant_without_draft(client: Client, draft: str) -> None:
    text = await prompt_text(client, "explain_variant_audiences", {**VARIANT_ARGS, "draft": draft})
    assert len(tool_calls(text)) == 1


async def test_review_experience_calls_versions_active_and_draft(client: Client) -> None:
    ids = VALID_ARGS["review_experience"]
    text = await prompt_text(client, "review_experience", ids)
    assert tool_calls(text) == [
        ("get_single_experience", ids),
        ("get_all_versions", ids),
        ("get_all_versions", {**ids, "audiences_of": "draft"}),
        ("get_experiment_results", ids),
    ]
    assert "DRAFT" in text and "ACTIVE" in text and "traffic" in text
    assert "verdict_reason" in text and "sample_ratio.mismatch" in text


async def test_explain_audience(client: Client) -> None:
    ids = VALID_ARGS["explain_audience"]
    text = await prompt_text(client, "explain_audience", ids)
    calls = tool_calls(text)
    assert calls[:2] == [("get_single_audience", ids), ("get_all_experiences", {"project_uid": WEB})]
    assert calls[2] == ("get_all_versions", {"project_uid": WEB, "experience_uid": "<its uid>"})


async def test_audit_project_builds_on_the_audit_tool(client: Client) -> None:
    text = await prompt_text(client, "audit_project", {"project_uid": WEB})
    assert tool_calls(text) == [
        ("audit_project", {"project_uid": WEB}),
        ("compare_versions", {"project_uid": WEB, "experience_uid": "<its subject uid>"}),
    ]
    assert "next_cursor" in text and "not_read" in text and "checks_skipped" in text
    assert "get_all_versions" not in text  # the fan-out over every experience is the tool's job now


async def test_prompts_make_no_upstream_request(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.clear_requests()
    for name, arguments in VALID_ARGS.items():
        await prompt_text(client, name, arguments)
    assert sandbox.state.request_log() == []


async def test_surrounding_spaces_are_ignored(client: Client) -> None:
    text = await prompt_text(client, "audit_project", {"project_uid": f"  {WEB} "})
    assert tool_calls(text)[0][1] == {"project_uid": WEB}


async def get_prompt_error(client: Client, name: str, arguments: dict[str, str]) -> str:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt(name, arguments)
    assert caught.value.error.code == INVALID_PARAMS
    message = caught.value.error.message
    assert_one_sentence(message)
    return message


@pytest.mark.parametrize("name", list(VALID_ARGS))
async def test_a_missing_argument_is_invalid_params_naming_it(client: Client, name: str) -> None:
    arguments = dict(VALID_ARGS[name])
    missing = next(iter(arguments))
    del arguments[missing]
    message = await get_prompt_error(client, name, arguments)
    assert missing in message and name in message


@pytest.mark.parametrize("name", list(VALID_ARGS))
async def test_an_invalid_identifier_is_invalid_params_naming_it(client: Client, name: str) -> None:
    arguments = dict(VALID_ARGS[name])
    for argument in (a for a in arguments if a != "visitor"):  # JSON, not an identifier: see below
        for bad in ("../../v3/user", "a/b", "x?y=1", "é", "x" * 65):
            message = await get_prompt_error(client, name, {**arguments, argument: bad})
            assert argument in message and "not a valid identifier" in message, (argument, bad, message)


async def test_an_unreadable_draft_flag_is_invalid_params(client: Client) -> None:
    message = await get_prompt_error(client, "explain_variant_audiences", {**VARIANT_ARGS, "draft": "maybe"})
    assert "draft" in message


async def test_an_unknown_prompt_is_invalid_params_naming_the_prompts(client: Client) -> None:
    with pytest.raises(MCPError) as caught:
        await client.get_prompt("no_such_prompt", {})
    assert caught.value.error.code == INVALID_PARAMS
    assert "'no_such_prompt'" in caught.value.error.message
    assert "audit_project" in caught.value.error.message


def nested_tool_calls(text: str) -> list[tuple[str, dict[str, Any]]]:
    """`Call <tool> with {json}` where the JSON may nest (a visitor object)."""
    decoder = json.JSONDecoder()
    return [
        (m[1], decoder.raw_decode(text, m.end())[0])
        for m in re.finditer(r"call (\w+) with (?=\{)", text, re.IGNORECASE)
    ]


async def test_why_not_variant_simulates_then_explains_each_audience(client: Client) -> None:
    visitor = {"country": "NZ", "attributes": {"lifetime_orders": "5"}}
    arguments = {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID, "visitor": json.dumps(visitor)}
    text = await prompt_text(client, "why_not_variant", {**arguments, "variant_short_uid": "1"})
    assert nested_tool_calls(text) == [
        ("simulate_visitor", {"project_uid": WEB, "visitor": visitor}),
        ("get_all_versions", {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}),
        ("explain_audience_match", {"project_uid": WEB, "audience_uid": "<each audience uid>", "visitor": visitor}),
    ]
    assert "variant 1 of experience" in text and "local simulation" in text and "priority" in text


async def test_explain_variant_with_a_visitor_checks_each_audience(client: Client) -> None:
    text = await prompt_text(client, "explain_variant_audiences", {**VARIANT_ARGS, "visitor": '{"country": "AU"}'})
    calls = nested_tool_calls(text)
    assert calls[0] == ("get_variant_audiences", {**VARIANT_ARGS, "draft": False})
    assert calls[1][0] == "explain_audience_match" and calls[1][1]["visitor"] == {"country": "AU"}
    assert "simulation" in text


@pytest.mark.parametrize(
    ("visitor", "words"),
    [
        ("not json", "JSON object"),
        ("[1]", "JSON object"),
        ('{"continent": "x"}', "unknown field"),
        ("[" * 60_000, "JSON object"),  # nested past the decoder's recursion limit
    ],
    ids=["not-json", "list", "unknown-field", "deeply-nested"],
)
async def test_a_bad_visitor_is_invalid_params(client: Client, visitor: str, words: str) -> None:
    message = await get_prompt_error(client, "why_not_variant", {**VALID_ARGS["why_not_variant"], "visitor": visitor})
    assert words in message
