"""The demo's simulation section: one visitor across every experience (priority order), then one
audience rule by rule; both are computed locally from the rules."""

from __future__ import annotations

from mcp import Client

from personalize_mcp.demo.calls import call
from personalize_mcp.demo.printer import Printer, cell
from personalize_mcp.sandbox import data as sandbox_data
from personalize_mcp.sandbox import simulation_data


async def show_simulation(p: Printer, client: Client, project_uid: str) -> None:
    visitor = simulation_data.WRONG_TYPE
    result = await call(client, "simulate_visitor", {"project_uid": project_uid, "visitor": visitor})
    p.heading("Simulate a Visitor", f"simulate_visitor(visitor={visitor!r})")
    p.table(
        ["RANK", "EXPERIENCE", "OUTCOME", "VARIANT", "ALIAS"],
        [
            [
                e["rank"],
                e.get("name"),
                e["outcome"],
                (e.get("variant") or {}).get("name"),
                (e.get("variant") or {}).get("alias"),
            ]
            for e in result["experiences"]
        ],
    )
    for experience in result["experiences"]:
        p.line(f"{experience.get('name')}: {experience['reason']}")
    p.line(f"variant_aliases: {cell(result['variant_aliases'], 80)}; needs: {cell(result['needs'], 80)}")
    if result.get("aliases_note"):
        p.line(result["aliases_note"])

    audience = sandbox_data.RETURNING_CUSTOMERS_AUDIENCE_UID
    match = await call(
        client, "explain_audience_match", {"project_uid": project_uid, "audience_uid": audience, "visitor": visitor}
    )
    p.heading(
        f"Explain an Audience Match — {match['audience']['name']}", f"explain_audience_match(audience_uid={audience!r})"
    )
    p.line(f"matched: {match['matched']} ({match['because']})")
    for line in match["trace"]:
        shown = {True: "true", False: "false", None: "null"}[line["result"]]
        p.line(f"{'  ' * line['depth']}{shown:<5}  {line['rule']}")
        p.line(f"{'  ' * line['depth']}       {line['because']}")
