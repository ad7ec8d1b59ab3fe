"""The demo's experiment section: the running A/B test's results as a table, with its verdict and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp import Client

from personalize_mcp.answers.verdict import percent
from personalize_mcp.demo.calls import call
from personalize_mcp.demo.printer import Printer


async def show_experiment_results(
    p: Printer, client: Client, project_uid: str, experiences: Sequence[dict[str, Any]]
) -> None:
    test = next((e for e in experiences if e["type"] == "AB_TEST" and e["status"] == "ACTIVE"), None)
    if test is None:
        return
    arguments = {"project_uid": project_uid, "experience_uid": test["uid"]}
    results = await call(client, "get_experiment_results", arguments)
    p.heading(f"Get Experiment Results — {test['name']}", f"get_experiment_results(experience_uid={test['uid']!r})")
    metric = results.get("metric") or {}
    p.line(
        f"{results['version']['status']} version {results['version']['uid']} ({results['version_choice']}); "
        f"metric: {metric.get('name') or metric.get('key') or '-'}; "
        f"{results['days_since_activation']} complete days since activation ({results['activated_at_source']})"
    )
    p.table(
        ["SHORT UID", "VARIANT", "TRAFFIC", "IMPRESSIONS", "CONVERSIONS", "RATE", "UPLIFT", "P2BB"],
        [
            [
                v["short_uid"],
                v["name"],
                _percent(v.get("traffic_distribution"), scale=1, digits=0),
                f"{v['impressions']:,}",
                "-" if v["conversions"] is None else f"{v['conversions']:,}",
                _percent(v["conversion_rate"], digits=2),
                _percent(v["uplift_vs_control"], signed=True),
                "-" if v["probability_to_be_best"] is None else percent(v["probability_to_be_best"]),
            ]
            for v in results["variants"]
        ],
    )
    p.line(f"Verdict: {results['verdict'].upper()} — {results['verdict_reason']}")
    ratio = results.get("sample_ratio")
    if ratio:
        p.line(f"Sample ratio: {ratio['explanation']}")
    series = await call(client, "get_experiment_timeseries", arguments)
    p.line(f"Time series: {series['total']} daily points (UTC), each the sum of its hours; get_experiment_timeseries.")


def _percent(value: float | None, *, scale: float = 100.0, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * scale:{'+' if signed else ''}.{digits}f} %"
