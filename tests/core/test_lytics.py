"""Lytics-synced audiences through the MCP client (issue 22): a Lytics audience is its members, never "everyone".

On the sandbox's Lytics demo project (sandbox/lytics_data.py): variants `native OR lytics`, `native AND lytics`
and Lytics-only, each for the three kinds of visitor -- one whose `lytics_audiences` hold the slug, one who gives
`lytics_audiences` without it, one who gives none -- with the native audience matching and not.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from personalize_mcp.sandbox import data
from personalize_mcp.sandbox import lytics_data as lytics
from personalize_mcp.sandbox import simulation_data as sim
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

pytestmark = pytest.mark.anyio

PROJECT = lytics.LYTICS_PROJECT_UID
HOLDS = {"lytics_audiences": [lytics.CART_ABANDONERS_SLUG, lytics.DEAL_SEEKERS_SLUG]}
WITHOUT = {"lytics_audiences": ["window_shoppers"]}
NONE_GIVEN: dict[str, Any] = {}
KINDS = {"holds": HOLDS, "without": WITHOUT, "none": NONE_GIVEN}
DEVICES = {"mobile": "MOBILE", "desktop": "DESKTOP"}

# (experience, its variant 0 is ...) -> the variant's match for (device, Lytics kind): true, false or null.
EXPECTED: dict[str, dict[tuple[str, str], bool | None]] = {
    # Mobile Visitors OR Cart Abandoners
    lytics.LYTICS_OR_EXPERIENCE_UID: {
        ("mobile", "holds"): True,
        ("mobile", "without"): True,
        ("mobile", "none"): True,
        ("desktop", "holds"): True,
        ("desktop", "without"): False,
        ("desktop", "none"): None,
    },
    # Mobile Visitors AND Deal Seekers
    lytics.LYTICS_AND_EXPERIENCE_UID: {
        ("mobile", "holds"): True,
        ("mobile", "without"): False,
        ("mobile", "none"): None,
        ("desktop", "holds"): False,
        ("desktop", "without"): False,
        ("desktop", "none"): False,
    },
    # Cart Abandoners alone
    lytics.LYTICS_ONLY_EXPERIENCE_UID: {
        ("mobile", "holds"): True,
        ("mobile", "without"): False,
        ("mobile", "none"): None,
        ("desktop", "holds"): True,
        ("desktop", "without"): False,
        ("desktop", "none"): None,
    },
}
OUTCOME = {True: "variant", False: "no_match", None: "unknown"}


def visitor(device: str, kind: str) -> dict[str, Any]:
    return {"device_type": DEVICES[device], **KINDS[kind], "datetime": "2025-06-20T10:00:00Z"}


async def simulate(client: Client, who: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = await call_ok(client, "simulate_visitor", {"project_uid": PROJECT, "visitor": who})
    return {e["uid"]: e for e in result["experiences"]}


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("kind", list(KINDS))
async def test_variants_with_lytics_audiences_for_each_kind_of_visitor(client: Client, device: str, kind: str) -> None:
    outcomes = await simulate(client, visitor(device, kind))
    for experience, table in EXPECTED.items():
        expected = table[(device, kind)]
        outcome = outcomes[experience]
        assert outcome["variants"][0]["matched"] is expected, (experience, device, kind, outcome["reason"])
        if experience != lytics.LYTICS_ONLY_EXPERIENCE_UID:  # one variant: its match is the outcome
            assert outcome["outcome"] == OUTCOME[expected], (experience, device, kind, outcome["reason"])
        if expected is None:
            assert outcome["needs"] == ["lytics_audiences"] and "give lytics_audiences to decide" in outcome["reason"]
        if kind == "without" and expected is False and experience != lytics.LYTICS_AND_EXPERIENCE_UID:
            assert '(given: "window_shoppers") do not include' in outcome["reason"]
    # Comeback offer: "Cart abandoners" (Lytics only) first, then "Mobile"; a Lytics audience is never everyone.
    comeback = outcomes[lytics.LYTICS_ONLY_EXPERIENCE_UID]
    assert comeback["variants"][1]["matched"] is (device == "mobile")
    if kind == "holds":
        assert comeback["outcome"] == "variant" and comeback["variant"]["alias"] == "cs_personalize_2_0"
    elif kind == "without":
        assert comeback["outcome"] == ("variant" if device == "mobile" else "no_match")
    else:
        assert comeback["outcome"] == "unknown"


async def test_the_reasons_name_the_lytics_audience_and_what_decides_it(client: Client) -> None:
    outcomes = await simulate(client, visitor("desktop", "none"))
    shipping = outcomes[lytics.LYTICS_OR_EXPERIENCE_UID]
    assert shipping["outcome"] == "unknown" and shipping["variant"] is None
    assert "Mobile Visitors OR Cart Abandoners" in shipping["reason"]
    assert "Cart Abandoners: the visitor's Lytics audiences are not given" in shipping["reason"]
    member = await simulate(client, visitor("desktop", "holds"))
    assert (
        'the visitor\'s Lytics audiences include "cart_abandoners"' in member[lytics.LYTICS_OR_EXPERIENCE_UID]["reason"]
    )


async def test_a_lytics_id_the_project_does_not_list_is_undecided_with_its_reason(client: Client) -> None:
    for kind in KINDS:
        retired = (await simulate(client, visitor("mobile", kind)))[lytics.LYTICS_RETIRED_EXPERIENCE_UID]
        assert retired["outcome"] == "unknown" and retired["variant"] is None, kind
        assert (
            f"Lytics audience {lytics.RETIRED_LYTICS_AUDIENCE_UID} is not among the project's audiences "
            "(no longer synced from Lytics?), so it is undecided"
        ) in retired["reason"]


async def test_a_slug_compares_as_the_text_rule_says(client: Client) -> None:
    """Slugs compare ignoring case, and a match that needed that says so (the Edge may compare case exactly)."""
    shouted = {"device_type": "DESKTOP", "lytics_audiences": ["CART_ABANDONERS"]}
    outcome = (await simulate(client, shouted))[lytics.LYTICS_ONLY_EXPERIENCE_UID]
    assert outcome["outcome"] == "variant" and "a match only when case is ignored" in outcome["reason"]


async def explain(client: Client, project: str, audience: str, who: dict[str, Any]) -> dict[str, Any]:
    return await call_ok(
        client, "explain_audience_match", {"project_uid": project, "audience_uid": audience, "visitor": who}
    )


async def test_explain_a_lytics_audience_for_each_kind_of_visitor(client: Client) -> None:
    rule = f'visitor is a member of Lytics audience "{lytics.CART_ABANDONERS_SLUG}"'
    held = await explain(client, PROJECT, lytics.CART_ABANDONERS_AUDIENCE_UID, HOLDS)
    assert held["matched"] is True and held["audience"]["source"] == "LYTICS" and held["audience"]["rules"] == rule
    assert [(line["rule"], line["result"]) for line in held["trace"]] == [(rule, True)]
    assert held["trace"][0]["because"] == 'the visitor\'s Lytics audiences include "cart_abandoners"'
    without = await explain(client, PROJECT, lytics.CART_ABANDONERS_AUDIENCE_UID, WITHOUT)
    assert without["matched"] is False and without["needs"] == []
    assert without["trace"][0]["because"] == (
        'the visitor\'s Lytics audiences (given: "window_shoppers") do not include "cart_abandoners"'
    )
    empty = await explain(client, PROJECT, lytics.CART_ABANDONERS_AUDIENCE_UID, {"lytics_audiences": []})
    assert empty["matched"] is False and "(given: none)" in empty["because"]
    unknown = await explain(client, PROJECT, lytics.CART_ABANDONERS_AUDIENCE_UID, NONE_GIVEN)
    assert unknown["matched"] is None and unknown["needs"] == ["lytics_audiences"]
    assert unknown["trace"][0]["result"] is None
    assert unknown["trace"][0]["because"] == "the visitor's Lytics audiences are not given"


async def test_the_web_projects_lytics_audience_and_an_audience_without_rules(client: Client) -> None:
    """The Web project's Lytics audience is listed as Contentstack lists one (a slug, no rules); only a native
    audience without rules is everyone, and the reason says Contentstack does not document that."""
    web = data.WEB_PROJECT_UID
    member = await explain(client, web, data.LYTICS_AUDIENCE_UID, sim.LYTICS_MEMBER)
    assert member["matched"] is True
    assert member["audience"]["rules"] == f'visitor is a member of Lytics audience "{data.LYTICS_SLUG}"'
    nobody = await explain(client, web, data.LYTICS_AUDIENCE_UID, {})
    assert nobody["matched"] is None and nobody["needs"] == ["lytics_audiences"]
    everyone = await explain(client, web, data.EMPTY_AUDIENCE_UID, {})
    assert everyone["matched"] is True and everyone["audience"]["rules"] == "everyone (no rules)"
    assert (
        everyone["because"].startswith("no rules: everyone")
        and "Contentstack does not document" in (everyone["because"])
    )
    assert "Contentstack does not document" in everyone["trace"][0]["because"]


async def test_a_lytics_audience_without_a_slug_or_rules_is_undecided_never_everyone(
    client: Client, sandbox: Sandbox
) -> None:
    with sandbox.state.lock:
        audience = next(
            a for a in sandbox.state.data.audiences[PROJECT] if a["uid"] == lytics.CART_ABANDONERS_AUDIENCE_UID
        )
        del audience["slug"]
        audience["definition"] = {"__type": "RuleCombination", "combinationType": "AND", "rules": []}
    listed = await call_ok(
        client, "get_single_audience", {"project_uid": PROJECT, "audience_uid": lytics.CART_ABANDONERS_AUDIENCE_UID}
    )
    assert "slug the audience list does not give" in listed["audience"]["rules"]
    result = await explain(client, PROJECT, lytics.CART_ABANDONERS_AUDIENCE_UID, HOLDS)
    assert result["matched"] is None and "so it is undecided" in result["because"]
    outcome = (await simulate(client, visitor("desktop", "holds")))[lytics.LYTICS_ONLY_EXPERIENCE_UID]
    assert outcome["outcome"] == "unknown" and outcome["variants"][0]["matched"] is None


async def test_the_audit_never_takes_a_lytics_audience_for_everyone(client: Client) -> None:
    """Comeback offer's "Mobile" variant follows a Lytics-only one: reachable. The retired Lytics id is missing."""
    audit = await call_ok(client, "audit_project", {"project_uid": PROJECT})
    checks = {(f["check"], f["subject"]["uid"]) for f in audit["findings"]}
    assert ("unreachable_variant", lytics.LYTICS_ONLY_EXPERIENCE_UID) not in checks
    assert ("missing_audience", lytics.LYTICS_RETIRED_EXPERIENCE_UID) in checks
    assert not [f for f in audit["findings"] if f["check"] == "unreachable_variant"]


async def test_find_usage_of_a_lytics_audience_by_uid_or_slug(client: Client) -> None:
    by_uid = await call_ok(client, "find_usage", {"project_uid": PROJECT, "uid": lytics.CART_ABANDONERS_AUDIENCE_UID})
    by_slug = await call_ok(client, "find_usage", {"project_uid": PROJECT, "uid": lytics.CART_ABANDONERS_SLUG})
    assert (
        by_slug["subject"]
        == by_uid["subject"]
        == {
            "kind": "audience",
            "uid": lytics.CART_ABANDONERS_AUDIENCE_UID,
            "name": "Cart Abandoners",
        }
    )
    assert [(u["uid"], u["variant_short_uid"]) for u in by_uid["used_by"]] == [
        (lytics.LYTICS_ONLY_EXPERIENCE_UID, "0"),
        (lytics.LYTICS_OR_EXPERIENCE_UID, "0"),
    ]
    assert by_uid["summary"] == "Targeted by 2 variants of 2 experiences (by version status: ACTIVE 2)."
    message = await call_error(client, "find_usage", {"project_uid": PROJECT, "uid": "window_shoppers"})
    assert "is no audience, attribute or event" in message
