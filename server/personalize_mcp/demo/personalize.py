"""The demo's first sections: the tools, then projects, audiences, experiences and versions, as a
model would walk them (lists first, then one of each)."""

from __future__ import annotations

from typing import Any

from personalize_mcp.demo.calls import shown_call
from personalize_mcp.demo.context import Demo


async def show_tools(demo: Demo) -> None:
    tools = await demo.client.list_tools()
    demo.p.heading("Tools", "tools/list")
    demo.p.table(["NAME", "TITLE"], [[t.name, t.title] for t in tools.tools])


async def show_projects(demo: Demo) -> None:
    """List the projects; the one the rest of the demo uses: the first with a connected stack."""
    projects = (await shown_call(demo.p, demo.client, "List Projects", "list_projects"))["projects"]
    demo.p.table(
        ["UID", "NAME", "CONNECTED STACK"],
        [[x["uid"], x["name"], x.get("connected_stack_api_key")] for x in projects],
    )
    demo.project = next((x for x in projects if x.get("connected_stack_api_key")), projects[0])


async def show_audiences(demo: Demo) -> None:
    """Every audience of the project, then the one with the longest rules on its own."""
    arguments: dict[str, Any] = {"project_uid": demo.project_uid}
    title = f"Get All Audiences — project {demo.project['name']}"
    audiences = (await shown_call(demo.p, demo.client, title, "get_all_audiences", arguments))["audiences"]
    demo.p.audiences(audiences)
    demo.audience_names = {a["uid"]: a.get("name") or a["uid"] for a in audiences}

    audience = max(audiences, key=lambda a: len(a["rules"]))
    arguments = {"project_uid": demo.project_uid, "audience_uid": audience["uid"]}
    single = await shown_call(demo.p, demo.client, "Get a Single Audience", "get_single_audience", arguments)
    demo.p.field("Name", single["audience"]["name"])
    demo.p.field("Source", single["audience"].get("source"))
    demo.p.field("Rules", single["audience"]["rules"])


async def show_experiences(demo: Demo) -> None:
    """Every experience, one (segmented and linked to a variant group, when there is one) in full, and its
    versions with the audiences of the active one."""
    arguments: dict[str, Any] = {"project_uid": demo.project_uid}
    title = f"Get All Experiences — project {demo.project['name']}"
    demo.experiences = (await shown_call(demo.p, demo.client, title, "get_all_experiences", arguments))["experiences"]
    demo.p.table(
        ["UID", "NAME", "TYPE", "STATUS", "VARIANT GROUP"],
        [[e["uid"], e["name"], e["type"], e["status"], e.get("variant_group_uid")] for e in demo.experiences],
    )

    linked = [e for e in demo.experiences if e.get("variant_group_uid") and e["type"] == "SEGMENTED"]
    demo.experience = linked[0] if linked else demo.experiences[0]
    arguments = {"project_uid": demo.project_uid, "experience_uid": demo.experience["uid"]}
    one = (await shown_call(demo.p, demo.client, "Get a Single Experience", "get_single_experience", arguments))[
        "experience"
    ]
    for label, key in (("Name", "name"), ("Type", "type"), ("Status", "status"), ("Short uid", "short_uid")):
        demo.p.field(label, one.get(key))
    demo.p.field("Latest version", one.get("latest_version_uid"))
    demo.p.field("CMS variant group", one.get("variant_group_uid"))
    _named_audiences(demo, one.get("audience_uids") or [])

    arguments = {"project_uid": demo.project_uid, "experience_uid": demo.experience["uid"]}
    title = f"Get All Versions — {demo.experience['name']}"
    versions = await shown_call(demo.p, demo.client, title, "get_all_versions", arguments)
    demo.p.table(
        ["VERSION", "STATUS", "VARIANTS"],
        [
            [v["uid"], v["status"], [f"{x['short_uid']}:{x['name']}" for x in v["variants"]]]
            for v in versions["versions"]
        ],
    )
    _print_resolved(demo, versions)


def _named_audiences(demo: Demo, uids: list[str]) -> None:
    """The audiences an experience targets: each name with its uid, once (a uid the project does not list
    stays visible as such)."""
    if not uids:
        demo.p.field("Audiences", None)
        return
    names = [demo.audience_names.get(uid, "(not among the project's audiences)") for uid in uids]
    width = max(len(name) for name in names)
    for n, (name, uid) in enumerate(zip(names, uids, strict=True)):
        demo.p.line(f"{'Audiences:' if n == 0 else '':<20}{name.ljust(width)}  {uid}")


def _print_resolved(demo: Demo, versions: dict[str, Any]) -> None:
    resolved = versions.get("audiences_version")
    if resolved is None:
        demo.p.text(f"No active version: {versions.get('note')}")
        return
    demo.p.line("")
    demo.p.line(f"Audiences of the {resolved['status']} version {resolved['uid']}:")
    rows = []
    for variant in resolved["variants"]:
        names = [a["name"] or a["uid"] for a in variant["audiences"]]
        if variant.get("type") == "AB_TEST":
            names = [f"A/B traffic {variant.get('traffic_distribution')}%"]
        rows.append([variant["short_uid"], variant["name"], variant.get("audience_combination"), names])
    demo.p.table(["SHORT UID", "VARIANT", "COMBINE", "AUDIENCES"], rows, max_width=80)
