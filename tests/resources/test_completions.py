"""completion/complete for every template variable and prompt argument, through the MCP client."""

from __future__ import annotations

import logging

import pytest
from mcp import Client
from mcp.shared.uri_template import UriTemplate
from mcp_types import Completion, PromptReference, ResourceTemplateReference

from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server import completions as mcp_completions
from personalize_mcp.mcp_server.completions import COMPLETERS
from personalize_mcp.mcp_server.resources import (
    AUDIENCES_TEMPLATE,
    EXPERIENCES_TEMPLATE,
    VARIANT_GROUPS_TEMPLATE,
    VARIANTS_TEMPLATE,
)
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN, data, simulation_data
from personalize_mcp.sandbox.analytics_data import MOBILE_EXPERIMENT_UIDS
from tests.conftest import Sandbox

pytestmark = pytest.mark.anyio

WEB = data.WEB_PROJECT_UID
MOBILE = data.MOBILE_PROJECT_UID
APP_BANNER = simulation_data.APP_BANNER_EXPERIENCE_UID
MOBILE_EXPERIENCES = [
    data.ONBOARDING_EXPERIENCE_UID,
    data.PUSH_PROMPT_EXPERIENCE_UID,
    *MOBILE_EXPERIMENT_UIDS,
    APP_BANNER,
]
STACK = data.MAIN_STACK_API_KEY
BIG = data.BIG_STACK_API_KEY

AUDIENCES = ResourceTemplateReference(uri=AUDIENCES_TEMPLATE)
EXPERIENCES = ResourceTemplateReference(uri=EXPERIENCES_TEMPLATE)
GROUPS = ResourceTemplateReference(uri=VARIANT_GROUPS_TEMPLATE)
VARIANTS = ResourceTemplateReference(uri=VARIANTS_TEMPLATE)
EXPLAIN_VARIANT = PromptReference(name="explain_variant_audiences")
REVIEW = PromptReference(name="review_experience")
EXPLAIN_AUDIENCE = PromptReference(name="explain_audience")
AUDIT = PromptReference(name="audit_project")


async def complete(
    client: Client,
    ref: ResourceTemplateReference | PromptReference,
    name: str,
    value: str = "",
    context: dict[str, str] | None = None,
) -> Completion:
    result = await client.complete(ref, {"name": name, "value": value}, context)
    completion = result.completion
    assert len(completion.values) <= 100
    return completion


async def test_every_template_variable_and_prompt_argument_has_a_completer(client: Client) -> None:
    names: set[str] = set()
    for template in (await client.list_resource_templates()).resource_templates:
        names |= set(UriTemplate.parse(template.uri_template).variable_names)
    for prompt in (await client.list_prompts()).prompts:
        names |= {argument.name for argument in prompt.arguments or []}
    assert names == set(COMPLETERS)


async def test_the_server_advertises_completions_resources_and_prompts(client: Client) -> None:
    capabilities = client.server_capabilities
    assert capabilities.completions is not None
    assert capabilities.resources is not None
    assert capabilities.prompts is not None


async def test_project_uid_offers_every_project_of_the_organisation(client: Client) -> None:
    completion = await complete(client, AUDIENCES, "project_uid")
    assert completion.values == list(data.MAIN_ORG_PROJECT_UIDS)
    assert (completion.total, completion.has_more) == (len(data.MAIN_ORG_PROJECT_UIDS), False)
    for ref in (EXPERIENCES, REVIEW, EXPLAIN_AUDIENCE, AUDIT):
        assert (await complete(client, ref, "project_uid")).values == list(data.MAIN_ORG_PROJECT_UIDS)


async def test_names_are_matched_but_uids_returned_case_insensitively(client: Client) -> None:
    assert (await complete(client, AUDIENCES, "project_uid", "mob")).values == [MOBILE]
    assert (await complete(client, AUDIENCES, "project_uid", "WEB")).values == [WEB]
    assert (await complete(client, GROUPS, "stack_api_key", "website")).values == [STACK]
    assert (await complete(client, GROUPS, "stack_api_key", "PRODUCT c")).values == [BIG]


async def test_uids_are_matched_by_prefix(client: Client) -> None:
    assert (await complete(client, AUDIENCES, "project_uid", WEB[:-1])).values == list(data.MAIN_ORG_PROJECT_UIDS)
    assert (await complete(client, AUDIENCES, "project_uid", MOBILE)).values == [MOBILE]
    assert (await complete(client, GROUPS, "stack_api_key", STACK[:6].upper())).values == [STACK]


async def test_a_prefix_match_wins_over_a_contains_match(client: Client) -> None:
    context = {"project_uid": WEB}
    # "s": prefix of "Summer sale banner" only; "Homepage hero", "Checkout upsell", ... merely contain it.
    summer = await complete(client, REVIEW, "experience_uid", "s", context)
    assert summer.values == [data.PROMO_EXPERIENCE_UID]
    # no name or uid starts with "test": the two names that contain it are offered.
    tests = await complete(client, REVIEW, "experience_uid", "test", context)
    assert tests.values == [data.PRICING_AB_EXPERIENCE_UID, data.FOOTER_AB_EXPERIENCE_UID]
    assert (await complete(client, GROUPS, "stack_api_key", "catalog")).values == [BIG]
    assert (await complete(client, AUDIENCES, "project_uid", "app")).values == [MOBILE]


async def test_nothing_matches(client: Client) -> None:
    completion = await complete(client, AUDIENCES, "project_uid", "zzz")
    assert (completion.values, completion.total, completion.has_more) == ([], 0, False)


async def test_experience_uid_uses_the_chosen_project(client: Client) -> None:
    web = await complete(client, REVIEW, "experience_uid", "", {"project_uid": WEB})
    assert len(web.values) == 6 and data.HERO_EXPERIENCE_UID in web.values
    mobile = await complete(client, REVIEW, "experience_uid", "", {"project_uid": MOBILE})
    assert mobile.values == MOBILE_EXPERIENCES
    assert (await complete(client, REVIEW, "experience_uid", "push", {"project_uid": MOBILE})).values == [
        data.PUSH_PROMPT_EXPERIENCE_UID
    ]


async def test_audience_uid_uses_the_chosen_project(client: Client) -> None:
    web = await complete(client, EXPLAIN_AUDIENCE, "audience_uid", "", {"project_uid": WEB})
    assert len(web.values) == 14
    assert (await complete(client, EXPLAIN_AUDIENCE, "audience_uid", "lytics", {"project_uid": WEB})).values == [
        data.LYTICS_AUDIENCE_UID
    ]
    mobile = await complete(client, EXPLAIN_AUDIENCE, "audience_uid", "", {"project_uid": MOBILE})
    assert mobile.values == [data.IOS_USERS_AUDIENCE_UID, data.BETA_TESTERS_AUDIENCE_UID]


async def test_without_a_chosen_project_there_is_nothing_to_offer_yet(client: Client, sandbox: Sandbox) -> None:
    # Two projects and no default: which project's experiences is unknown.
    assert (await complete(client, REVIEW, "experience_uid", "")).values == []


async def test_without_a_chosen_project_the_default_or_only_project_is_used(sandbox: Sandbox) -> None:
    async with (
        open_lookups(sandbox.connection(), default_project_uid=MOBILE) as actions,
        Client(build_server(actions)) as client,
    ):
        completion = await complete(client, REVIEW, "experience_uid", "")
        assert completion.values == MOBILE_EXPERIENCES
    second_org = sandbox.connection(token=SANDBOX_SECOND_ORG_ACCESS_TOKEN, organization_uid=data.SECOND_ORG_UID)
    async with open_lookups(second_org) as actions, Client(build_server(actions)) as client:
        assert (await complete(client, EXPLAIN_AUDIENCE, "audience_uid", "fr")).values == [data.FRANCE_AUDIENCE_UID]
        assert (await complete(client, GROUPS, "stack_api_key")).values == [data.SECOND_STACK_API_KEY]


async def test_variant_group_uid_uses_the_chosen_stack(client: Client) -> None:
    main = await complete(client, VARIANTS, "variant_group_uid", "", {"stack_api_key": STACK})
    assert main.values[0] == data.HERO_VARIANT_GROUP_UID and len(main.values) == 6
    hero = await complete(client, VARIANTS, "variant_group_uid", "home", {"stack_api_key": STACK})
    assert hero.values == [data.HERO_VARIANT_GROUP_UID]
    iphone = await complete(client, EXPLAIN_VARIANT, "variant_group_uid", "IPHONE", {"stack_api_key": STACK})
    assert iphone.values == [data.PLAIN_VARIANT_GROUP_UID]
    assert (await complete(client, VARIANTS, "variant_group_uid", "")).values == []  # no stack chosen yet


async def test_variant_uid_uses_the_chosen_stack_and_group(client: Client) -> None:
    context = {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID}
    hero = await complete(client, EXPLAIN_VARIANT, "variant_uid", "", context)
    assert hero.values == [data.HERO_AUSTRALIA_VARIANT_UID, data.HERO_MOBILE_VARIANT_UID]
    assert (await complete(client, EXPLAIN_VARIANT, "variant_uid", "mob", context)).values == [
        data.HERO_MOBILE_VARIANT_UID
    ]
    plain = {"stack_api_key": STACK, "variant_group_uid": data.PLAIN_VARIANT_GROUP_UID}
    # user-chosen uids match by prefix too
    assert (await complete(client, EXPLAIN_VARIANT, "variant_uid", "iphone_color_b", plain)).values == [
        "iphone_color_black",
        "iphone_color_blue",
    ]
    assert (await complete(client, EXPLAIN_VARIANT, "variant_uid", "", {"stack_api_key": STACK})).values == []


async def test_at_most_100_values_with_total_and_has_more(client: Client) -> None:
    groups = await complete(client, VARIANTS, "variant_group_uid", "", {"stack_api_key": BIG})
    assert len(groups.values) == 100
    assert (groups.total, groups.has_more) == (data.BIG_STACK_GROUP_COUNT, True)

    context = {"stack_api_key": BIG, "variant_group_uid": data.BIG_VARIANT_GROUP_UID}
    variants = await complete(client, EXPLAIN_VARIANT, "variant_uid", "", context)
    assert len(variants.values) == 100 and len(set(variants.values)) == 100
    assert (variants.total, variants.has_more) == (data.BIG_VARIANT_COUNT, True)

    narrowed = await complete(client, EXPLAIN_VARIANT, "variant_uid", "price point 1", context)
    assert (len(narrowed.values), narrowed.total, narrowed.has_more) == (31, 31, False)  # 100 .. 130
    colourways = await complete(client, VARIANTS, "variant_group_uid", "Colourway 01", {"stack_api_key": BIG})
    assert (len(colourways.values), colourways.has_more) == (10, False)  # 010 .. 019


async def test_draft_offers_true_and_false(client: Client) -> None:
    assert (await complete(client, EXPLAIN_VARIANT, "draft", "")).values == ["false", "true"]
    assert (await complete(client, EXPLAIN_VARIANT, "draft", "T")).values == ["true"]


async def test_invalid_context_ids_never_reach_upstream(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.clear_requests()
    for bad in ("../../v3/user", "a/b", "x?y=1", "é", "x" * 65):
        assert (await complete(client, VARIANTS, "variant_group_uid", "", {"stack_api_key": bad})).values == []
        assert (await complete(client, REVIEW, "experience_uid", "", {"project_uid": bad})).values == []
        context = {"stack_api_key": STACK, "variant_group_uid": bad}
        assert (await complete(client, EXPLAIN_VARIANT, "variant_uid", "", context)).values == []
    assert sandbox.state.request_log() == []


async def test_unknown_refs_and_arguments_get_no_suggestions(client: Client, sandbox: Sandbox) -> None:
    sandbox.state.clear_requests()
    assert (await complete(client, PromptReference(name="test_prompt_with_arguments"), "arg1", "test")).values == []
    assert (await complete(client, ResourceTemplateReference(uri="test://x/{id}"), "id")).values == []
    assert (await complete(client, AUDIT, "stack_api_key")).values == []  # not an argument of that prompt
    assert (await complete(client, GROUPS, "variant_uid", "", {"stack_api_key": STACK})).values == []
    assert sandbox.state.request_log() == []


async def test_an_upstream_failure_gives_an_empty_list_and_a_log_line(
    client: Client, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.state.fail_next("cma", 500, count=1)
    with caplog.at_level(logging.WARNING, logger="personalize_mcp.mcp_server.completions"):
        completion = await complete(client, GROUPS, "stack_api_key", "web")
    assert (completion.values, completion.total, completion.has_more) == ([], 0, False)
    assert any("stack_api_key" in r.getMessage() for r in caplog.records if r.name.endswith(".completions"))
    # the next one answers
    assert (await complete(client, GROUPS, "stack_api_key", "web")).values == [STACK]


async def test_an_unknown_stack_in_the_context_gives_an_empty_list(client: Client) -> None:
    completion = await complete(client, VARIANTS, "variant_group_uid", "", {"stack_api_key": "bltnosuchstack"})
    assert completion.values == []
    completion = await complete(client, REVIEW, "experience_uid", "", {"project_uid": "nosuchproject"})
    assert completion.values == []


async def test_a_slow_upstream_gives_an_empty_list(
    client: Client, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mcp_completions, "COMPLETION_TIMEOUT", 0.2)
    sandbox.state.set_latency("personalize", 1500)
    assert (await complete(client, AUDIENCES, "project_uid", "")).values == []
    sandbox.state.set_latency("personalize", 0)


def test_match_rules() -> None:
    candidates = [("abc123", "Zeta"), ("zzz", "Alpha beta"), ("q1", None), ("abc123", "dup")]
    assert mcp_completions.match(candidates, "").values == ["abc123", "zzz", "q1"]
    assert mcp_completions.match(candidates, "A").values == ["abc123", "zzz"]  # uid or name prefix
    assert mcp_completions.match(candidates, "BETA").values == ["zzz"]  # contains, as nothing starts with it
    assert mcp_completions.match(candidates, " q1 ").values == ["q1"]
    many = [(f"id{n:03d}", None) for n in range(250)]
    result = mcp_completions.match(many, "id")
    assert (len(result.values), result.total, result.has_more) == (100, 250, True)
    assert result.values[0] == "id000"


async def test_variant_short_uid_completes_from_the_chosen_experience(client: Client) -> None:
    why = PromptReference(name="why_not_variant")
    context = {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}
    assert (await complete(client, why, "variant_short_uid", "", context)).values == ["0", "1"]
    assert (await complete(client, why, "variant_short_uid", "mobile", context)).values == ["1"]
    assert (await complete(client, why, "variant_short_uid", "")).values == []  # no experience chosen yet
