"""Experiment results through the MCP client, both eras, on every sandbox case of issue 13."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import analytics_data as analytics
from personalize_mcp.sandbox import catalogue_data, data
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

pytestmark = pytest.mark.anyio

WEB, MOBILE = data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID

# (project, experience, version asked) -> (verdict, leader, version, how it was chosen, reason contains)
CASES: dict[str, tuple[tuple[str, str, str | None], tuple[str, str | None, str, str, str]]] = {
    "clear-winner": (
        (WEB, data.PRICING_AB_EXPERIENCE_UID, None),
        ("winner", "1", data.PRICING_ACTIVE_VERSION_UID, "the ACTIVE version", "after 22 complete days"),
    ),
    "leading-too-young": (
        (MOBILE, analytics.PAYWALL_EXPERIENCE_UID, None),
        ("leader", "1", analytics.PAYWALL_ACTIVE_VERSION_UID, "the ACTIVE version", "run only 8 complete days"),
    ),
    "too-little-data": (
        (MOBILE, analytics.SKIP_EXPERIENCE_UID, None),
        ("insufficient_data", None, analytics.SKIP_ACTIVE_VERSION_UID, "the ACTIVE version", "360 more impressions"),
    ),
    "sample-ratio-mismatch": (
        (MOBILE, analytics.ORDER_BUTTON_EXPERIENCE_UID, None),
        ("winner", "0", analytics.ORDER_BUTTON_ACTIVE_VERSION_UID, "the ACTIVE version", "sample-ratio mismatch"),
    ),
    "archived-no-leader": (
        (WEB, data.FOOTER_AB_EXPERIENCE_UID, None),
        ("inconclusive", None, data.FOOTER_ARCHIVED_VERSION_UID, "latest that ran: the ARCHIVED", "no leader"),
    ),
    "segmented": (
        (WEB, data.HERO_EXPERIENCE_UID, None),
        ("impressions_only", None, data.HERO_ACTIVE_VERSION_UID, "the ACTIVE version", "11,575 across 2"),
    ),
    "segmented-archived-asked": (
        (WEB, data.HERO_EXPERIENCE_UID, data.HERO_ARCHIVED_VERSION_UID),
        ("impressions_only", None, data.HERO_ARCHIVED_VERSION_UID, "the version asked for", "4,114 across 2"),
    ),
    "paused": (
        (WEB, data.CHECKOUT_EXPERIENCE_UID, None),
        ("impressions_only", None, data.CHECKOUT_PAUSED_VERSION_UID, "latest that ran: the PAUSED", "3,740"),
    ),
}


def arguments(project: str, experience: str, version: str | None = None, **more: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"project_uid": project, "experience_uid": experience, **more}
    if version:
        args["version_uid"] = version
    return args


@pytest.mark.parametrize("case", list(CASES))
async def test_every_sandbox_case(client: Client, case: str) -> None:
    (project, experience, version), (verdict, leader, version_uid, choice, reason) = CASES[case]
    result = await call_ok(client, "get_experiment_results", arguments(project, experience, version))
    assert (result["verdict"], result["leader"], result["version"]["uid"]) == (verdict, leader, version_uid)
    assert choice in result["version_choice"]
    assert reason in result["verdict_reason"]
    assert result["verdict_reason"].endswith(".") and "\n" not in result["verdict_reason"]
    assert result["as_of"] == "2025-06-20T12:00:00Z"  # the sandbox's calendar, whatever today is


async def test_the_winner_in_full(client: Client) -> None:
    result = await call_ok(client, "get_experiment_results", arguments(WEB, data.PRICING_AB_EXPERIENCE_UID))
    by_uid = {v["short_uid"]: v for v in result["variants"]}
    assert [v["short_uid"] for v in result["variants"]] == ["0", "1", "2"]
    assert by_uid["1"]["name"] == "Annual plan first" and by_uid["1"]["traffic_distribution"] == 30
    assert (by_uid["1"]["impressions"], by_uid["1"]["conversions"]) == (6270, 339)
    assert by_uid["1"]["conversion_rate"] == pytest.approx(339 / 6270, abs=1e-6)
    assert by_uid["1"]["uplift_vs_control"] == pytest.approx((339 / 6270) / (419 / 10480) - 1, abs=1e-5)
    assert by_uid["0"]["uplift_vs_control"] is None  # the control itself
    assert by_uid["1"]["probability_to_be_best"] == pytest.approx(0.9976, abs=0.001)
    assert by_uid["1"]["probability_to_be_best_upstream"] == 0.9977
    assert sum(v["probability_to_be_best"] for v in result["variants"]) == pytest.approx(1.0, abs=1e-5)
    assert result["control"] == {"short_uid": "0", "name": "Control", "chosen_because": "it is named 'Control'"}
    assert result["metric"] == {"event_uid": catalogue_data.PURCHASE_EVENT_UID, "key": "purchase", "name": "Purchase"}
    assert [m["event_uid"] for m in result["other_metrics"]] == [catalogue_data.TRIAL_EVENT_UID]
    assert (result["activated_at_source"], result["days_since_activation"]) == ("updatedAt", 22)
    assert result["totals"] == {"impressions": 20945, "conversions": 934}
    assert result["sample_ratio"]["mismatch"] is False
    assert result["upstream_winner"] == "1" and result["notes"] == [] and not result["probability_disagreement"]
    assert result["experience_type"] == "AB_TEST" and result["experience_name"] == "Pricing page CTA test"


async def test_sample_ratio_mismatch_and_a_control_chosen_by_name(client: Client) -> None:
    result = await call_ok(client, "get_experiment_results", arguments(MOBILE, analytics.ORDER_BUTTON_EXPERIENCE_UID))
    ratio = result["sample_ratio"]
    assert ratio["mismatch"] is True and ratio["p_value"] < 0.001
    assert ratio["expected_impressions"] == {"0": 5000.0, "1": 5000.0}
    assert result["control"]["short_uid"] == "1" and "named 'Control'" in result["control"]["chosen_because"]
    assert result["variants"][0]["uplift_vs_control"] == pytest.approx((284 / 4588) / (271 / 5412) - 1, abs=1e-5)


async def test_first_variant_is_the_control_when_none_is_named(client: Client) -> None:
    result = await call_ok(client, "get_experiment_results", arguments(MOBILE, analytics.SKIP_EXPERIENCE_UID))
    assert result["control"]["short_uid"] == "0" and "the first one" in result["control"]["chosen_because"]
    assert result["metric"]["event_uid"] == catalogue_data.APP_OPEN_EVENT_UID


async def test_disagreeing_upstream_p2bb_is_flagged(client: Client) -> None:
    result = await call_ok(client, "get_experiment_results", arguments(MOBILE, analytics.PAYWALL_EXPERIENCE_UID))
    assert result["probability_disagreement"] is True
    assert len(result["notes"]) == 1 and "95.3 % in Contentstack's answer, 98.5 % here" in result["notes"][0]
    assert (result["activated_at_source"], result["days_since_activation"]) == ("activatedAt", 8)


async def test_segmented_results_have_no_conversions_or_srm(client: Client) -> None:
    result = await call_ok(client, "get_experiment_results", arguments(WEB, data.HERO_EXPERIENCE_UID))
    assert [v["conversions"] for v in result["variants"]] == [None, None]
    assert result["sample_ratio"] is None and result["control"] is None and result["metric"] is None
    assert result["probability_method"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (arguments(WEB, data.HERO_EXPERIENCE_UID, data.HERO_DRAFT_VERSION_UID), "is a DRAFT that never ran"),
        (arguments(WEB, data.PROMO_EXPERIENCE_UID), "results exist only for activated versions"),
        (arguments(MOBILE, data.PUSH_PROMPT_EXPERIENCE_UID), "has no version that ran (its versions: DRAFT)"),
        (arguments(WEB, data.HERO_EXPERIENCE_UID, "6653e2f4d9b3c2a6e1000999"), "is not a version of experience"),
        (arguments(WEB, data.HERO_EXPERIENCE_UID, "../x"), "version_uid"),
        (arguments(WEB, "6652d1e3c4a8b1f027ffffff"), "call get_all_experiences"),
    ],
    ids=["draft", "no-version-ran", "ab-draft-only", "unknown-version", "bad-uid", "unknown-experience"],
)
async def test_errors_are_one_sentence(client: Client, sandbox: Sandbox, args: dict[str, Any], expected: str) -> None:
    sandbox.state.clear_requests()
    assert expected in await call_error(client, "get_experiment_results", args)
    assert not [r for r in sandbox.state.request_log() if "/analytics/" in r.path]  # refused before asking


async def test_an_unrecognised_shape_names_the_api_and_shows_nothing(client: Client, sandbox: Sandbox) -> None:
    with sandbox.state.lock:
        sandbox.state.data.analytics[data.PRICING_ACTIVE_VERSION_UID] = {"summary": {"rows": "5210,212"}}
    message = await call_error(client, "get_experiment_results", arguments(WEB, data.PRICING_AB_EXPERIENCE_UID))
    assert "Personalize Management API" in message and "does not recognise" in message


async def test_another_accepted_shape_gives_the_same_answer(client: Client, sandbox: Sandbox) -> None:
    expected = await call_ok(client, "get_experiment_results", arguments(WEB, data.FOOTER_AB_EXPERIENCE_UID))
    with sandbox.state.lock:
        sandbox.state.data.analytics[data.FOOTER_ARCHIVED_VERSION_UID] = {
            "summary": {"data": {"0": {"impressions": "4,100", "conversions": "205", "p2bb": "44%"},
                                 "1": {"impressions": "4080", "conversions": 207.0, "p2bb": "56%"},
                                 "from": "2025-02-11T12:00:00Z", "to": "2025-03-11T12:00:00Z"}}
        }  # fmt: skip
    other = await call_ok(client, "get_experiment_results", arguments(WEB, data.FOOTER_AB_EXPERIENCE_UID))
    assert other == expected


async def test_days_come_from_the_injected_clock(sandbox: Sandbox) -> None:
    """The Paywall test was activated 2025-06-12 09:00: 13 days and a minute is a leader, 14 days a winner."""
    activated = datetime.fromisoformat("2025-06-12T09:00:00+00:00")
    verdicts = []
    for now in (activated + timedelta(days=14, minutes=-1), activated + timedelta(days=14)):
        connection = sandbox_connection(sandbox.origin, now=lambda now=now: now)
        async with open_lookups(connection) as lookups, Client(build_server(lookups)) as client:
            args = arguments(MOBILE, analytics.PAYWALL_EXPERIENCE_UID)
            result = await call_ok(client, "get_experiment_results", args)
            verdicts.append((result["verdict"], result["days_since_activation"]))
    assert verdicts == [("leader", 13), ("winner", 14)]


# ---- time series ---------------------------------------------------------------------------------


async def walk(client: Client, args: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first = page = await call_ok(client, "get_experiment_timeseries", args)
    points = list(page["points"])
    while page["next_cursor"]:
        page = await call_ok(client, "get_experiment_timeseries", {**args, "cursor": page["next_cursor"]})
        points += page["points"]
    assert len(points) == first["total"] and len({p["start"] for p in points}) == len(points)
    assert [p["start"] for p in points] == sorted(p["start"] for p in points)
    return first, points


def sums(points: list[dict[str, Any]]) -> dict[str, tuple[int, int | None]]:
    out: dict[str, tuple[int, int | None]] = {}
    for point in points:
        for cell in point["variants"]:
            impressions, conversions = out.get(cell["short_uid"], (0, None))
            c = cell["conversions"]
            out[cell["short_uid"]] = (impressions + cell["impressions"], c if conversions is None else conversions + c)
    return out


async def test_daily_points_sum_the_hourly_ones_and_the_summary(client: Client) -> None:
    args = arguments(WEB, data.PRICING_AB_EXPERIENCE_UID)
    daily, days = await walk(client, args)
    hourly, hours = await walk(client, {**args, "granularity": "hour", "limit": 500})
    assert (daily["granularity"], hourly["granularity"], daily["time_zone"]) == ("day", "hour", "UTC")
    assert daily["total"] == 23 and daily["next_cursor"] is None and "note" not in daily
    assert hourly["total"] == 531 and hourly["next_cursor"] and "531 matching hourly points" in hourly["note"]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for hour in hours:
        by_day.setdefault(hour["start"][:10], []).append(hour)
    assert {d["start"][:10]: sums([d]) for d in days} == {day: sums(group) for day, group in by_day.items()}
    summary = await call_ok(client, "get_experiment_results", args)
    expected = {v["short_uid"]: (v["impressions"], v["conversions"]) for v in summary["variants"]}
    assert sums(days) == sums(hours) == expected
    assert {t["short_uid"]: (t["impressions"], t["conversions"]) for t in daily["totals"]} == expected


async def test_segmented_series_has_impressions_only(client: Client) -> None:
    page, points = await walk(client, arguments(WEB, data.CHECKOUT_EXPERIENCE_UID))
    assert page["version"]["status"] == "PAUSED" and "PAUSED" in page["version_choice"]
    assert all(cell["conversions"] is None for point in points for cell in point["variants"])
    assert sums(points) == {"0": (1530, None), "1": (2210, None)}


async def test_time_series_errors(client: Client, sandbox: Sandbox) -> None:
    args = arguments(WEB, data.PRICING_AB_EXPERIENCE_UID)
    assert "'day' or 'hour'" in await call_error(client, "get_experiment_timeseries", {**args, "granularity": "week"})
    draft = arguments(WEB, data.HERO_EXPERIENCE_UID, data.HERO_DRAFT_VERSION_UID)
    assert "never ran" in await call_error(client, "get_experiment_timeseries", draft)
    with sandbox.state.lock:
        stored = sandbox.state.data.analytics[data.PRICING_ACTIVE_VERSION_UID]
        stored["timeSeries"] = {"granularity": "DAY", "points": []}
    assert "by day only" in await call_error(client, "get_experiment_timeseries", {**args, "granularity": "hour"})


async def test_a_refused_analytics_read_is_one_sentence(client: Client, sandbox: Sandbox) -> None:
    await call_ok(client, "get_experiment_results", arguments(WEB, data.HERO_EXPERIENCE_UID))  # versions cached
    sandbox.state.fail_next("personalize", 404)  # the archived version's summary: the only request left
    message = await call_error(
        client, "get_experiment_results", arguments(WEB, data.HERO_EXPERIENCE_UID, data.HERO_ARCHIVED_VERSION_UID)
    )
    assert "Contentstack has no results for version" in message and "activated versions" in message
