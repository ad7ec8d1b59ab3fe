"""The demo's first sections: the tools, then projects, audiences, experiences and versions, as a
model would walk them (lists first, then one of each)."""

from __future__ import annotations

from typing import Any

from mcp import Client

from personalize_mcp.demo.calls import call, signature
from personalize_mcp.demo.printer import Printer, cell


async def show_tools(p: Printer, client: Client) -> None:
    tools = await client.list_tools()
    p.heading("Tools", "tools/list")
    p.table(["NAME", "TITLE"], [[t.name, t.title] for t in tools.tools])


async def show_projects(p: Printer, client: Client) -> dict[str, Any]:
    """List the projects; the one the rest of the demo uses: the first with a connected stack."""
    projects = (await call(client, "list_projects"))["projects"]
    p.heading("List Projects", signature("list_projects"))
    p.table(
        ["UID", "NAME", "CONNECTED STACK"],
        [[x["uid"], x["name"], x.get("connected_stack_api_key")] for x in projects],
    )
    project: dict[str, Any] = next((x for x in projects if x.get("connected_stack_api_key")), projects[0])
    return project


async def show_audiences(p: Printer, client: Client, project: dict[str, Any]) -> None:
    """Every audience of the project, then the one with the longest rules on its own."""
    arguments: dict[str, Any] = {"project_uid": project["uid"]}
    audiences = (await call(client, "get_all_audiences", arguments))["audiences"]
    p.heading(f"Get All Audiences — project {project['name']}", signature("get_all_audiences", arguments))
    p.audiences(audiences)

    audience = max(audiences, key=lambda a: len(a["rules"]))
    arguments = {"project_uid": project["uid"], "audience_uid": audience["uid"]}
    single = await call(client, "get_single_audience", arguments)
    p.heading("Get a Single Audience", signature("get_single_audience", arguments))
    p.line(f"Name:   {single['audience']['name']}")
    p.line(f"Source: {single['audience'].get('source') or '-'}")
    p.line(f"Rules:  {single['audience']['rules']}")


async def show_experiences(
    p: Printer, client: Client, project: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every experience, one (segmented and linked to a variant group, when there is one) in full,
    and its versions; returns the experiences and the one shown."""
    project_uid = project["uid"]
    arguments: dict[str, Any] = {"project_uid": project_uid}
    experiences: list[dict[str, Any]] = (await call(client, "get_all_experiences", arguments))["experiences"]
    p.heading(f"Get All Experiences — project {project['name']}", signature("get_all_experiences", arguments))
    p.table(
        ["UID", "NAME", "TYPE", "STATUS", "VARIANT GROUP"],
        [[e["uid"], e["name"], e["type"], e["status"], e.get("variant_group_uid")] for e in experiences],
    )

    linked = [e for e in experiences if e.get("variant_group_uid") and e["type"] == "SEGMENTED"]
    experience = linked[0] if linked else experiences[0]
    arguments = {"project_uid": project_uid, "experience_uid": experience["uid"]}
    one = await call(client, "get_single_experience", arguments)
    p.heading("Get a Single Experience", signature("get_single_experience", arguments))
    for key in ("name", "type", "status", "short_uid", "latest_version_uid", "audience_uids", "variant_group_uid"):
        p.line(f"{key + ':':<20}{cell(one['experience'].get(key), 80)}")

    arguments = {"project_uid": project_uid, "experience_uid": experience["uid"]}
    versions = await call(client, "get_all_versions", arguments)
    p.heading(f"Get All Versions — {experience['name']}", signature("get_all_versions", arguments))
    p.table(
        ["VERSION", "STATUS", "VARIANTS"],
        [
            [v["uid"], v["status"], [f"{x['short_uid']}:{x['name']}" for x in v["variants"]]]
            for v in versions["versions"]
        ],
    )
    _print_resolved(p, versions)
    return experiences, experience


def _print_resolved(p: Printer, versions: dict[str, Any]) -> None:
    resolved = versions.get("audiences_version")
    if resolved is None:
        p.line(f"No active version: {versions.get('note')}")
        return
    p.line("")
    p.line(f"Audiences of the {resolved['status']} version {resolved['uid']}:")
    rows = []
    for variant in resolved["variants"]:
        names = [a["name"] or a["uid"] for a in variant["audiences"]]
        if variant.get("type") == "AB_TEST":
            names = [f"A/B traffic {variant.get('traffic_distribution')}%"]
        rows.append([variant["short_uid"], variant["name"], variant.get("audience_combination"), names])
    p.table(["SHORT UID", "VARIANT", "COMBINE", "AUDIENCES"], rows, max_width=80)
