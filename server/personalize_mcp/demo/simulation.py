"""The demo's simulation section, computed locally from the rules: first a visitor who does see variants, and the
CMS variant aliases a site would send for them; then a visitor whose number was sent as text, what went wrong,
and the audience that failed rule by rule."""

from __future__ import annotations

import json
from typing import Any

from personalize_mcp.demo.calls import shown_call
from personalize_mcp.demo.context import Demo
from personalize_mcp.demo.printer import cell
from personalize_mcp.runtime.plurals import count
from personalize_mcp.sandbox import data as sandbox_data
from personalize_mcp.sandbox import simulation_data

MATCHED = {True: "yes", False: "no", None: "undecided"}


async def show_simulation(demo: Demo) -> None:
    seen = await _simulate(demo, "Simulate a Visitor", simulation_data.AUSTRALIAN_MOBILE_RETURNING)
    shown = [e for e in seen["experiences"] if e["outcome"] == "variant"]
    demo.p.text(
        f"This visitor sees {count(len(shown), 'variant')} ({', '.join(e['name'] for e in shown) or 'none'}). A site "
        "asks the CMS Delivery API for the entry variants with these aliases, highest priority first, in the "
        f"x-cs-variant-uid header: {cell(seen['variant_aliases'])}."
    )
    if seen.get("aliases_note"):
        demo.p.text(seen["aliases_note"])

    visitor = simulation_data.WRONG_TYPE
    mismatch = await _simulate(demo, "Simulate a Visitor — a number sent as text", visitor)
    demo.p.text(_what_went_wrong(visitor, mismatch))

    audience = sandbox_data.RETURNING_CUSTOMERS_AUDIENCE_UID
    arguments: dict[str, Any] = {"project_uid": demo.project_uid, "audience_uid": audience, "visitor": visitor}
    title = f"Explain an Audience Match — {demo.audience_names.get(audience, audience)}"
    match = await shown_call(demo.p, demo.client, title, "explain_audience_match", arguments)
    demo.p.text(f"matched: {MATCHED[match['matched']]} ({match['because']})")
    for line in match["trace"]:
        indent = "  " * line["depth"]
        demo.p.text(
            line["rule"], first=f"{indent}{MATCHED[line['result']]:<9}  ", indent=f"{indent}{'':<11}", hanging=""
        )
        demo.p.text(line["because"], indent=f"{indent}{'':<11}", hanging="")


async def _simulate(demo: Demo, title: str, visitor: dict[str, Any]) -> dict[str, Any]:
    """simulate_visitor's table (rank, outcome, variant, alias) and each experience's reason."""
    arguments = {"project_uid": demo.project_uid, "visitor": visitor}
    result = await shown_call(demo.p, demo.client, title, "simulate_visitor", arguments)
    demo.p.table(
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
        demo.p.text(f"{experience.get('name')}: {experience['reason']}")
    return result


def _what_went_wrong(visitor: dict[str, Any], result: dict[str, Any]) -> str:
    """The type mismatch in one sentence: which attributes were sent as text, and what it cost the visitor."""
    attributes = visitor.get("attributes") or {}
    as_text = [(k, v) for k, v in attributes.items() if isinstance(v, str) and _numeric(v)]
    sent = "; ".join(
        f"{key} was sent as the text {json.dumps(value)}, not the number {value}" for key, value in as_text
    )
    failed = [e["name"] for e in result["experiences"] if "compares types strictly" in e["reason"]]
    cost = f": {' and '.join(failed)} shows this visitor nothing" if failed else ""
    return (
        f"What went wrong: {sent or 'nothing was sent as text'}. Contentstack compares types strictly, so every "
        f"number rule on it fails{cost}; send the number without quotes."
    )


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
