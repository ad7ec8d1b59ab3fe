"""The demo's catalogue section: which connection answers, attributes, events, priority, a few locations."""

from __future__ import annotations

from typing import Any

from personalize_mcp.demo.calls import shown_call
from personalize_mcp.demo.context import Demo


async def show_catalogue(demo: Demo) -> None:
    p, client = demo.p, demo.client
    connection = await shown_call(p, client, "Get Connection", "get_connection")
    for key in ("sandbox", "account", "organization_name", "region", "user", "note"):
        p.field(key, connection.get(key))

    project: dict[str, Any] = {"project_uid": demo.project_uid}
    attributes = await shown_call(p, client, "List Attributes", "list_attributes", project)
    p.table(
        ["KIND", "KEY", "NAME", "UID"],
        [[a["kind"], a.get("key"), a.get("name"), a["uid"]] for a in attributes["attributes"]],
    )

    events = await shown_call(p, client, "List Events", "list_events", project)
    p.table(["KEY", "DESCRIPTION", "UID"], [[e.get("key"), e.get("description"), e["uid"]] for e in events["events"]])

    priority = await shown_call(p, client, "Get Experiences Priority", "get_experiences_priority", project)
    p.table(
        ["RANK", "NAME", "TYPE", "STATUS", "IN LIST"],
        [
            [e["rank"], e.get("name"), e.get("type"), e.get("status"), e["in_priority_list"]]
            for e in priority["experiences"]
        ],
    )
    if priority.get("note"):
        p.text(priority["note"])

    regions = await shown_call(p, client, "List Locations", "list_locations", {"kind": "region", "country_code": "AU"})
    p.table(
        ["CODE", "NAME", "COUNTRY"], [[r.get("code"), r["name"], r.get("country_code")] for r in regions["locations"]]
    )
