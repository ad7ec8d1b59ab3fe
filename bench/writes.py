"""Writes benchmark (issue 24): upstream requests per applied plan against the minimum the API needs, and the
time from apply_change to the change being visible in a read.

    python bench/writes.py            # every action once, then the visibility check (about 1 minute)
    python bench/writes.py --quick    # fewer actions: a smoke run (tests/resilience/test_bench_smoke.py)

The sandbox runs as its own process with Contentstack's rate limit on; our server is the real
`personalize-mcp serve --writes all --confirm token --max-applies-per-minute 100` over stdio with a stored
account (holding personalize:manage) pointing at it; the client is the SDK's `Client`. Before each action the sandbox is
reset. Per action: plan_change, then the sandbox's request log is cleared and apply_change is called;
**ours** = the upstream requests of that apply (the sandbox's log: reads and writes). **minimum** = what
the API needs for a guarded write: one read of each object compared before writing (none for a create),
plus the writes themselves -- e.g. update_audience: GET /audiences + PUT = 2; create_experience: POST +
PUT = 2; set_priority: GET /experiences-priority + GET /experiences (the full order) + PUT = 3. Goal: the
sum of ours ≤ 1.2 × the sum of the minimums.

Visibility: for five changes, the read tool that shows them is called once before (so its list is
cached, TTL 30 s), the change is planned and applied, and the same read is called again: goal, the
change shows in that very next read. The times are apply_change's and that read's wall time.
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import date
from typing import Any

import anyio
from mcp import Client

from harness import account_home, machine, ours_stdio, sandbox
from personalize_mcp.sandbox import catalogue_data as catalogue
from personalize_mcp.sandbox import data
from run import Report, call

WEB = data.WEB_PROJECT_UID
CONDITION = {"attribute": "COUNTRY", "operator": "equals", "value": "SE"}

ACTIONS: list[tuple[dict[str, Any], int]] = [
    ({"action": "create_audience", "name": "Swedes", "rules": {"all": [CONDITION]}}, 1),
    ({"action": "update_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID, "name": "VIPs"}, 2),
    ({"action": "delete_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID}, 2),
    ({"action": "create_attribute", "key": "plan_tier", "name": "Plan tier"}, 1),
    ({"action": "update_attribute", "attribute_uid": catalogue.PREFERRED_STORE_ATTRIBUTE_UID, "name": "Store"}, 2),
    ({"action": "delete_attribute", "attribute_uid": catalogue.PREFERRED_STORE_ATTRIBUTE_UID}, 2),
    ({"action": "create_event", "key": "add_to_cart"}, 1),
    ({"action": "update_event", "event_uid": catalogue.SIGNUP_EVENT_UID, "description": "Joined"}, 2),
    ({"action": "delete_event", "event_uid": catalogue.SIGNUP_EVENT_UID}, 2),
    ({"action": "create_experience", "name": "Button", "type": "AB_TEST",
      "variants": [{"name": "A"}, {"name": "B"}]}, 2),
    ({"action": "update_experience", "experience_uid": data.PROMO_EXPERIENCE_UID, "name": "Spring"}, 2),
    ({"action": "delete_experience", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID}, 2),
    ({"action": "edit_draft", "experience_uid": data.HERO_EXPERIENCE_UID,
      "variants": [{"short_uid": "0", "name": "AU"}]}, 2),
    ({"action": "delete_draft", "experience_uid": data.HERO_EXPERIENCE_UID}, 2),
    ({"action": "activate_draft", "experience_uid": data.HERO_EXPERIENCE_UID}, 2),
    ({"action": "pause_experience", "experience_uid": data.PRICING_AB_EXPERIENCE_UID}, 2),
    ({"action": "resume_experience", "experience_uid": data.CHECKOUT_EXPERIENCE_UID}, 2),
    ({"action": "set_priority", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID, "rank": 1}, 3),
    ({"action": "promote_winner", "experience_uid": data.PRICING_AB_EXPERIENCE_UID}, 3),
]  # fmt: skip

VISIBLE: list[tuple[dict[str, Any], str, dict[str, Any], Any]] = [
    (ACTIONS[1][0], "get_single_audience", {"audience_uid": data.VIP_TIER_AUDIENCE_UID},
     lambda r: r["audience"]["name"] == "VIPs"),
    (ACTIONS[6][0], "list_events", {}, lambda r: "add_to_cart" in {e["key"] for e in r["events"]}),
    (ACTIONS[15][0], "get_single_experience", {"experience_uid": data.PRICING_AB_EXPERIENCE_UID},
     lambda r: r["experience"]["status"] == "PAUSED"),
    (ACTIONS[17][0], "get_experiences_priority", {},
     lambda r: r["experiences"][0]["uid"] == data.FOOTER_AB_EXPERIENCE_UID),
    (ACTIONS[14][0], "get_all_versions", {"experience_uid": data.HERO_EXPERIENCE_UID},
     lambda r: {v["uid"]: v["status"] for v in r["versions"]}[data.HERO_DRAFT_VERSION_UID] == "ACTIVE"),
]  # fmt: skip


async def economy(report: Report, box: Any, client: Client, actions: list[tuple[dict[str, Any], int]]) -> None:
    total_ours = total_minimum = 0
    for change, minimum in actions:
        box.control.post("/reset").raise_for_status()
        box.rate_limit(10)
        planned = await call(client, "plan_change", {"project_uid": WEB, "change": change})
        plan_requests = len(box.log())
        box.clear_log()
        await call(
            client,
            "apply_change",
            {"plan_id": planned["plan_id"], "confirmation_token": planned["confirmation"]["token"]},
        )
        log = box.log()
        assert not any(r["status"] == 429 for r in log), "a 429 was drawn"
        ours = len(log)
        total_ours += ours
        total_minimum += minimum
        sent = ", ".join(f"{r['method']} {re.sub(r'[0-9a-f]{24}', '{uid}', r['path'])}" for r in log)
        report.add("1. upstream requests per applied plan", f"{change['action']} ({ours} / {minimum})", ours / minimum,
                   detail=f"{sent}; planning read {plan_requests}")  # fmt: skip
    report.add("1. upstream requests per applied plan", f"all actions ({total_ours} / {total_minimum})",
               total_ours / total_minimum, "<= 1.2")  # fmt: skip


async def visibility(report: Report, box: Any, client: Client) -> None:
    for change, tool, arguments, shows in VISIBLE:
        box.control.post("/reset").raise_for_status()
        read = {"project_uid": WEB, **arguments}
        assert not shows(await call(client, tool, read)), "the change is not there yet"  # cached now
        planned = await call(client, "plan_change", {"project_uid": WEB, "change": change})
        started = time.perf_counter()
        await call(
            client,
            "apply_change",
            {"plan_id": planned["plan_id"], "confirmation_token": planned["confirmation"]["token"]},
        )
        applied_ms = (time.perf_counter() - started) * 1000
        reads = 0
        while True:
            reads += 1
            began = time.perf_counter()
            seen = shows(await call(client, tool, read))
            read_ms = (time.perf_counter() - began) * 1000
            if seen or reads == 5:
                break
        report.add("2. reads until the change is visible", f"{change['action']} -> {tool}", reads, "<= 1",
                   detail=f"apply {applied_ms:.0f} ms, then the read {read_ms:.0f} ms")  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    report = Report()
    started = time.perf_counter()
    actions = ACTIONS[:4] if args.quick else ACTIONS
    with sandbox() as box, account_home(box, writes=True) as home:
        params = ours_stdio(home, "--writes", "all", "--confirm", "token", "--max-applies-per-minute", "100")
        async with Client(params) as client:
            await economy(report, box, client, actions)
            if not args.quick:
                await visibility(report, box, client)
    print(f"contentstack-personalize-mcp writes benchmark — {date.today()} — {machine()}")
    print(f"ran in {time.perf_counter() - started:.0f} s")
    report.print()
    missed = [line for line in report.lines if line.met is False]
    print(f"\n{len(missed)} goal(s) missed" if missed else "\nevery goal met")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="four actions, no visibility check")
    anyio.run(main, parser.parse_args())
