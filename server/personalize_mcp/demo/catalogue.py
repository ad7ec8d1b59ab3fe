"""The demo's catalogue section: which connection answers, attributes, events, priority, a few locations."""

from __future__ import annotations

from mcp import Client

from personalize_mcp.demo.calls import call
from personalize_mcp.demo.printer import Printer, cell


async def show_catalogue(p: Printer, client: Client, project_uid: str) -> None:
    connection = await call(client, "get_connection")
    p.heading("Get Connection", "get_connection()")
    for key in ("sandbox", "account", "organization_name", "region", "user", "note"):
        p.line(f"{key + ':':<20}{cell(connection.get(key), 80)}")

    attributes = await call(client, "list_attributes", {"project_uid": project_uid})
    p.heading("List Attributes", f"list_attributes(project_uid={project_uid!r})")
    p.table(
        ["KIND", "KEY", "NAME", "UID"],
        [[a["kind"], a.get("key"), a.get("name"), a["uid"]] for a in attributes["attributes"]],
    )

    events = await call(client, "list_events", {"project_uid": project_uid})
    p.heading("List Events", f"list_events(project_uid={project_uid!r})")
    p.table(["KEY", "DESCRIPTION", "UID"], [[e.get("key"), e.get("description"), e["uid"]] for e in events["events"]])

    priority = await call(client, "get_experiences_priority", {"project_uid": project_uid})
    p.heading("Get Experiences Priority", f"get_experiences_priority(project_uid={project_uid!r})")
    p.table(
        ["RANK", "NAME", "TYPE", "STATUS", "IN LIST"],
        [
            [e["rank"], e.get("name"), e.get("type"), e.get("status"), e["in_priority_list"]]
            for e in priority["experiences"]
        ],
    )
    if priority.get("note"):
        p.line(priority["note"])

    regions = await call(client, "list_locations", {"kind": "region", "country_code": "AU"})
    p.heading("List Locations", "list_locations(kind='region', country_code='AU')")
    p.table(
        ["CODE", "NAME", "COUNTRY"], [[r.get("code"), r["name"], r.get("country_code")] for r in regions["locations"]]
    )
