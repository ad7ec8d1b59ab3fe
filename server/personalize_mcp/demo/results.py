"""The demo's experiment section: the running A/B test's results as a table, with its verdict and why."""

from __future__ import annotations

from personalize_mcp.answers.verdict import percent
from personalize_mcp.demo.calls import call, shown_call, signature
from personalize_mcp.demo.context import Demo
from personalize_mcp.runtime.plurals import count


async def show_experiment_results(demo: Demo) -> None:
    test = next((e for e in demo.experiences if e["type"] == "AB_TEST" and e["status"] == "ACTIVE"), None)
    if test is None:
        return
    p = demo.p
    arguments = {"project_uid": demo.project_uid, "experience_uid": test["uid"]}
    title = f"Get Experiment Results — {test['name']}"
    results = await shown_call(p, demo.client, title, "get_experiment_results", arguments)
    metric = results.get("metric") or {}
    p.text(
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
    p.text(f"Verdict: {results['verdict'].upper()} — {results['verdict_reason']}")
    ratio = results.get("sample_ratio")
    if ratio:
        p.text(f"Sample ratio: {ratio['explanation']}")
    series = await call(demo.client, "get_experiment_timeseries", arguments)
    p.text(
        f"Time series: {signature('get_experiment_timeseries', arguments)} answers "
        f"{count(series['total'], 'daily point')} (UTC), each the sum of its hours."
    )


def _percent(value: float | None, *, scale: float = 100.0, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * scale:{'+' if signed else ''}.{digits}f} %"
