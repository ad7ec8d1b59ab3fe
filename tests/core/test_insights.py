"""find_usage, compare_versions, audit_project and search through the MCP client, against the sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from mcp import Client

from personalize_mcp.answers.insights import gathering
from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.sandbox import audit_data as audit
from personalize_mcp.sandbox import catalogue_data as catalogue
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.generated import ScaleSpec
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok
from tests.resilience.support import tool_client

pytestmark = pytest.mark.anyio

WEB, AUDIT = data.WEB_PROJECT_UID, audit.AUDIT_PROJECT_UID

EXPECTED_AUDIT = {
    ("error", "missing_audience", audit.AUDIT_MISSING_AUDIENCE_EXPERIENCE_UID),
    ("error", "ab_split", audit.AUDIT_BAD_SPLIT_EXPERIENCE_UID),
    ("error", "cms_group_missing", audit.AUDIT_LOST_GROUP_EXPERIENCE_UID),
    ("warning", "unreachable_variant", audit.AUDIT_UNREACHABLE_EXPERIENCE_UID),  # twice: variants 1 and 2
    ("warning", "no_active_version", audit.AUDIT_DRAFT_ONLY_EXPERIENCE_UID),
    ("warning", "no_active_version", audit.AUDIT_PAUSED_EXPERIENCE_UID),
    ("warning", "not_in_priority", audit.AUDIT_FORGOTTEN_EXPERIENCE_UID),
    ("warning", "cms_group_orphaned", audit.AUDIT_ORPHAN_VARIANT_GROUP_UID),
    ("warning", "missing_attribute", audit.AUDIT_LEGACY_VIP_AUDIENCE_UID),
    ("warning", "unused_audience", audit.AUDIT_UNUSED_AUDIENCE_UID),
    ("warning", "winner_still_running", audit.AUDIT_WINNER_EXPERIENCE_UID),
    ("info", "no_active_version", audit.AUDIT_ARCHIVED_EXPERIENCE_UID),
    ("info", "draft_differs", audit.AUDIT_DRAFT_DIFFERS_EXPERIENCE_UID),
    ("info", "unused_attribute", audit.AUDIT_SHOE_SIZE_ATTRIBUTE_UID),
    ("info", "unused_event", audit.AUDIT_NEWSLETTER_EVENT_UID),
}


def upstream(sandbox: Sandbox) -> list[str]:
    return [f"{r.api} {r.path}" for r in sandbox.state.request_log() if r.api in ("personalize", "cma")]


async def test_the_audit_finds_every_broken_case_and_nothing_in_the_clean_ones(client: Client) -> None:
    result = await call_ok(client, "audit_project", {"project_uid": AUDIT})
    found = [(f["severity"], f["check"], f["subject"]["uid"]) for f in result["findings"]]
    assert set(found) == EXPECTED_AUDIT and len(found) == len(EXPECTED_AUDIT) + 1
    assert [s for s, _, _ in found] == sorted((s for s, _, _ in found), key=["error", "warning", "info"].index)
    clean = {
        audit.AUDIT_CLEAN_EXPERIENCE_UID,
        audit.AUDIT_SAME_DRAFT_EXPERIENCE_UID,
        audit.AUDIT_GOOD_SPLIT_EXPERIENCE_UID,
    }
    assert not clean & {uid for _, _, uid in found}
    assert result["total"] == 16 and result["next_cursor"] is None
    assert result["experiences_audited"] == result["experiences_total"] == 13
    assert result["counts"]["unreachable_variant"] == 2 and sum(result["counts"].values()) == 16
    assert result["checks_skipped"] == []
    assert result["summary"] == "16 findings (3 errors, 9 warnings, 4 info); 13 of 13 experiences audited."
    (winner,) = [f["message"] for f in result["findings"] if f["check"] == "winner_still_running"]
    assert winner.startswith(
        "A/B test 'Delivery banner test' has a winner (variant 1 'Free delivery': 99.9 % probability to be best "
        "after 50 complete days) but is still running"
    ), winner
    unreachable = [f["message"] for f in result["findings"] if f["check"] == "unreachable_variant"]
    assert unreachable[0].startswith("Variant 1 'Australia'") and "variant 0 'Oceania' comes first" in unreachable[0]
    assert unreachable[1].startswith("Variant 2 'Mobile in Australia'")


async def test_audit_filters_and_pages(client: Client) -> None:
    errors = await call_ok(client, "audit_project", {"project_uid": AUDIT, "severity": "error"})
    assert {f["check"] for f in errors["findings"]} == {"missing_audience", "ab_split", "cms_group_missing"}
    assert errors["total"] == 3 and errors["counts"]["unused_event"] == 1  # counts are of the whole audit
    seen: list[str] = []
    cursor = None
    while True:
        page = await call_ok(
            client, "audit_project", {"project_uid": AUDIT, "limit": 4, **({"cursor": cursor} if cursor else {})}
        )
        seen += [f["message"] for f in page["findings"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 16
    assert "check must be one of" in await call_error(client, "audit_project", {"project_uid": AUDIT, "check": "nope"})


async def test_an_audit_on_a_warm_cache_asks_contentstack_nothing(client: Client, sandbox: Sandbox) -> None:
    await call_ok(client, "get_all_audiences", {"project_uid": AUDIT})
    sandbox.state.clear_requests()
    await call_ok(client, "audit_project", {"project_uid": AUDIT})
    cold = upstream(sandbox)
    # One request per list, one per experience's versions, one CMS page; the audiences and attributes (their
    # names) were cached by get_all_audiences.
    assert sorted(cold) == sorted(
        [
            "personalize /events",
            "personalize /experiences",
            "personalize /experiences-priority",
            "personalize /projects",
            "cma /v3/variant_groups",
            *(f"personalize /experiences/{e['uid']}/versions" for e in sandbox.state.data.experiences[AUDIT]),
            # the results of the three running A/B tests, for winner_still_running
            *(
                f"personalize /experiences/{uid}/analytics/summary"
                for uid in (
                    audit.AUDIT_BAD_SPLIT_EXPERIENCE_UID,
                    audit.AUDIT_GOOD_SPLIT_EXPERIENCE_UID,
                    audit.AUDIT_WINNER_EXPERIENCE_UID,
                )
            ),
        ]
    )
    sandbox.state.clear_requests()
    again = await call_ok(client, "audit_project", {"project_uid": AUDIT, "severity": "warning"})
    assert upstream(sandbox) == [] and again["total"] == 9


async def test_the_audit_of_the_web_project(client: Client) -> None:
    result = await call_ok(client, "audit_project", {"project_uid": WEB})
    found = {(f["check"], f["subject"]["uid"]) for f in result["findings"]}
    assert ("unused_audience", data.VIP_TIER_AUDIENCE_UID) in found
    assert ("missing_attribute", data.VIP_TIER_AUDIENCE_UID) in found  # LOYALTY_TIER is not listed
    assert ("draft_differs", data.HERO_EXPERIENCE_UID) in found
    assert ("unused_event", catalogue.SIGNUP_EVENT_UID) in found
    assert ("not_in_priority", data.FOOTER_AB_EXPERIENCE_UID) not in found  # archived: never ranked
    assert not any(check == "cms_group_missing" for check, _ in found)


@pytest.fixture
async def slow_client(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    """A 3.5 s deadline (a 1.5 s read budget), one version read at a time, 300 ms per Personalize answer."""
    monkeypatch.setattr(gathering, "CONCURRENCY", 1)
    sandbox.state.set_latency("personalize", 300)
    async with tool_client(sandbox.connection(), deadline=3.5, rate_limit=RateLimit(requests=10_000)) as client:
        yield client


async def test_a_project_too_big_for_the_deadline_is_reported_not_cut(slow_client: Client) -> None:
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    result = await slow_client.call_tool("audit_project", {"project_uid": AUDIT}, progress_callback=on_progress)
    assert not result.is_error, result.content
    body = result.structured_content
    assert body is not None
    unread = [f for f in body["findings"] if f["check"] == "not_read"]
    assert 1 <= body["experiences_audited"] < 13 and len(unread) == 13 - body["experiences_audited"]
    assert all("not read within this call's time budget" in f["message"] for f in unread)
    assert "of 13 experiences audited" in body["summary"]
    assert any(total == 13 for _, total in progress)  # progress while reading the versions


async def test_audit_reports_progress_of_every_read(client: Client) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total))

    result = await client.call_tool("audit_project", {"project_uid": AUDIT}, progress_callback=on_progress)
    assert not result.is_error
    assert (13, 13) in seen and [d for d, t in seen if t == 13] == sorted(d for d, t in seen if t == 13)


async def test_find_usage_of_an_audience(client: Client) -> None:
    result = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": data.RETURNING_CUSTOMERS_AUDIENCE_UID})
    assert result["subject"] == {
        "kind": "audience",
        "uid": data.RETURNING_CUSTOMERS_AUDIENCE_UID,
        "name": "Returning Customers",
    }
    where = {(u["uid"], u["version_status"], u["variant_short_uid"]): u["where"] for u in result["used_by"]}
    assert where == {
        (data.CHECKOUT_EXPERIENCE_UID, "PAUSED", "0"): f"PAUSED version {data.CHECKOUT_PAUSED_VERSION_UID}, variant 0 "
        "'Loyal customers' (its only audience)",
        (data.HERO_EXPERIENCE_UID, "ACTIVE", "1"): f"ACTIVE version {data.HERO_ACTIVE_VERSION_UID}, variant 1 'Mobile "
        "shoppers' (AND with 1 other audience: a visitor must be in all)",
    }
    unused = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": data.VIP_TIER_AUDIENCE_UID})
    assert unused["used_by"] == [] and unused["summary"] == "No version of any experience targets this audience."


async def test_find_usage_of_an_attribute_by_key_and_of_a_preset(client: Client) -> None:
    by_key = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": "lifetime_orders"})
    assert by_key["subject"]["uid"] == data.LIFETIME_ORDERS_ATTRIBUTE_UID
    assert [(u["kind"], u["uid"]) for u in by_key["used_by"]] == [
        ("audience", data.RETURNING_CUSTOMERS_AUDIENCE_UID),
        ("experience", data.CHECKOUT_EXPERIENCE_UID),
        ("experience", data.HERO_EXPERIENCE_UID),
    ]
    assert by_key["used_by"][2]["where"].endswith("through audience 'Returning Customers'")
    inline = await call_ok(client, "find_usage", {"project_uid": AUDIT, "uid": "cart_value"})
    assert [u["where"].split(", ")[-1] for u in inline["used_by"]] == ["in the variant's own rules"]
    country = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": "COUNTRY"})
    audiences = {u["uid"] for u in country["used_by"] if u["kind"] == "audience"}
    assert audiences == {data.AUSTRALIA_AUDIENCE_UID, data.EU_DESKTOP_AUDIENCE_UID, data.NON_US_AUDIENCE_UID}


async def test_find_usage_of_an_event(client: Client) -> None:
    result = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": catalogue.PURCHASE_EVENT_UID})
    assert [u["uid"] for u in result["used_by"]] == [data.FOOTER_AB_EXPERIENCE_UID, data.PRICING_AB_EXPERIENCE_UID]
    assert result["used_by"][1]["where"].startswith("its primary metric")
    unused = await call_ok(client, "find_usage", {"project_uid": WEB, "uid": "newsletter_signup"})
    assert unused["subject"]["kind"] == "event" and unused["used_by"] == []


async def test_find_usage_says_what_it_cannot_look_up(client: Client) -> None:
    message = await call_error(client, "find_usage", {"project_uid": WEB, "uid": data.HERO_EXPERIENCE_UID})
    assert "is an experience" in message and "get_all_versions" in message
    assert "list_attributes" in await call_error(client, "find_usage", {"project_uid": WEB, "uid": "nothing_here"})
    assert "not a valid identifier" in await call_error(client, "find_usage", {"project_uid": WEB, "uid": "a b"})


async def test_compare_versions_active_to_draft_by_default(client: Client) -> None:
    result = await call_ok(
        client, "compare_versions", {"project_uid": AUDIT, "experience_uid": audit.AUDIT_DRAFT_DIFFERS_EXPERIENCE_UID}
    )
    assert result["from"] == {"uid": audit.AUDIT_DRAFT_DIFFERS_ACTIVE_VERSION_UID, "status": "ACTIVE"}
    assert result["to"] == {"uid": audit.AUDIT_DRAFT_DIFFERS_DRAFT_VERSION_UID, "status": "DRAFT"}
    assert [(c["variant_short_uid"], c["change"], c["before"], c["after"]) for c in result["changes"]] == [
        ("0", "variant_renamed", "'Australia'", "'Mobile first'"),
        ("0", "audiences_changed", "'Australia'", "'Mobile'"),
        ("2", "variant_added", None, "targets 'Loyal members'"),
    ]
    same = await call_ok(
        client, "compare_versions", {"project_uid": AUDIT, "experience_uid": audit.AUDIT_SAME_DRAFT_EXPERIENCE_UID}
    )
    assert same["changes"] == [] and same["summary"].startswith("No change")


async def test_compare_versions_errors_are_one_sentence(client: Client) -> None:
    no_draft = await call_error(
        client, "compare_versions", {"project_uid": WEB, "experience_uid": data.LYTICS_EXPERIENCE_UID}
    )
    assert "no DRAFT version" in no_draft and "ACTIVE" in no_draft
    twice = {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID}
    assert "two different" in await call_error(
        client, "compare_versions", {**twice, "from_version_uid": data.HERO_DRAFT_VERSION_UID}
    )
    assert "both" in await call_error(
        client,
        "compare_versions",
        {**twice, "from_version_uid": data.HERO_ACTIVE_VERSION_UID, "to_version_uid": data.HERO_ACTIVE_VERSION_UID},
    )
    unknown = await call_error(client, "compare_versions", {**twice, "to_version_uid": "6653e2f4d9b3c2a6e1000fff"})
    assert "is not a version of" in unknown and "get_all_versions" in unknown
    archived = await call_ok(client, "compare_versions", {**twice, "from_version_uid": data.HERO_ARCHIVED_VERSION_UID})
    assert archived["from"]["status"] == "ARCHIVED" and archived["to"]["status"] == "DRAFT"


async def test_search_ranks_and_names_the_next_call(client: Client) -> None:
    result = await call_ok(client, "search", {"query": "australia"})
    hits = [(h["kind"], h["name"], h["match"]) for h in result["results"]]
    assert hits[0] == ("audience", "Australia", "exact")  # the Audit demo's audience
    assert ("audience", "Australian Users", "prefix") in hits
    assert ("variant_group", "Homepage hero", "contains") not in hits
    ranks = [["exact", "prefix", "contains"].index(m) for _, _, m in hits]
    assert ranks == sorted(ranks)
    first = result["results"][0]
    assert first["next_tool"] == "get_single_audience"
    assert first["next_arguments"] == {"project_uid": AUDIT, "audience_uid": audit.AUDIT_AUSTRALIA_AUDIENCE_UID}


async def test_search_by_kind_and_project(client: Client) -> None:
    experiences = await call_ok(client, "search", {"query": "hero", "kinds": ["experiences"], "project_uid": WEB})
    assert [(h["uid"], h["next_tool"]) for h in experiences["results"]] == [
        (data.HERO_EXPERIENCE_UID, "get_all_versions")
    ]
    groups = await call_ok(client, "search", {"query": "colourway 00", "kinds": ["variant_group"]})
    assert groups["total"] == 9 and {h["stack_api_key"] for h in groups["results"]} == {data.BIG_STACK_API_KEY}
    await call_ok(
        client,
        "list_variants",
        {"stack_api_key": data.MAIN_STACK_API_KEY, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
    )
    variants = await call_ok(
        client, "search", {"query": "cs_personalize_0_1", "kinds": ["variant"], "project_uid": WEB}
    )
    assert [(h["uid"], h["match"], h["next_tool"]) for h in variants["results"]] == [
        (data.HERO_MOBILE_VARIANT_UID, "exact", "get_variant_audiences")
    ]
    assert "kinds must be among" in await call_error(client, "search", {"query": "x", "kinds": ["planet"]})
    assert "query is required" in await call_error(client, "search", {"query": "  "})
    assert "list_projects" in await call_error(
        client, "search", {"query": "x", "project_uid": "6650b8f1a3c94e2d17000fff"}
    )


async def test_search_without_a_project_is_bounded_and_says_what_it_left_out(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from personalize_mcp.answers.insights import search_reads as search

    monkeypatch.setattr(search, "MAX_PROJECTS", 1)
    monkeypatch.setattr(search, "MAX_STACKS", 2)
    result = await call_ok(client, "search", {"query": "a"})
    assert "3 more projects" in result["skipped"] and "2 more stacks" in result["skipped"]
    assert {h["project_uid"] for h in result["results"]} <= {None, WEB}


BIG = ScaleSpec.of(
    10,
    audiences=600,
    experiences=80,
    variant_groups=100,
    catalog_groups=5,
    big_group_variants=10,
    broad_audiences=600,
    extra_projects=0,
)
"""Big enough that every insight's full answer is far over the budget (600 audiences, 80 experiences whose
broad one targets all 600), small enough to read in a test."""


async def test_every_insight_fits_the_budget_on_a_big_account(sandbox: Sandbox) -> None:
    account = sandbox.state.load_generated(BIG)
    project, broad = account.notable["project_uid"], account.notable["broad_experience_uid"]
    popular = account.data.audiences[project][0]["uid"]
    calls = [
        ("audit_project", {"project_uid": project}),
        ("find_usage", {"project_uid": project, "uid": popular}),
        ("find_usage", {"project_uid": project, "uid": "COUNTRY"}),
        ("compare_versions", {"project_uid": project, "experience_uid": broad}),
        ("search", {"query": "a"}),
    ]
    async with tool_client(sandbox.connection(), rate_limit=RateLimit(requests=10_000)) as client:
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, (tool, result.content)
            body = result.structured_content
            assert body is not None
            assert len(json.dumps(body, separators=(",", ":")).encode()) <= 32 * 1024, tool
            if tool != "compare_versions":  # four variants' changes: long audience lists are counted, not listed
                assert body["next_cursor"] and "cursor=next_cursor" in body["note"], tool
            else:
                assert all(len(c["audiences_added"]) <= 25 for c in body["changes"]) and body["changes"]
    assert body["total"] > 500
