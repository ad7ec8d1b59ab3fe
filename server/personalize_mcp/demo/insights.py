"""The demo's insights section: search, where an audience is used, what the draft changes, and the
audit of the Audit demo project -- every message in full, wrapped."""

from __future__ import annotations

from personalize_mcp.demo.calls import call, shown_call, shown_result, text_of
from personalize_mcp.demo.context import Demo


async def show_insights(demo: Demo) -> None:
    p, client = demo.p, demo.client
    found = await shown_call(p, client, "Search", "search", {"query": "returning"})
    p.table(
        ["KIND", "NAME", "MATCH", "NEXT"],
        [[h["kind"], h.get("name"), h["match"], h["next_tool"]] for h in found["results"]],
    )
    audience = next((h for h in found["results"] if h["kind"] == "audience"), None)
    if audience is not None:
        arguments = {"project_uid": audience["project_uid"], "uid": audience["uid"]}
        title = f"Find Where It Is Used — {audience['name']}"
        usage = await shown_call(p, client, title, "find_usage", arguments)
        p.text(usage["summary"])
        p.table(["EXPERIENCE", "WHERE"], [[u.get("name"), u["where"]] for u in usage["used_by"]], max_width=70)

    arguments = {"project_uid": demo.project_uid, "experience_uid": demo.experience["uid"]}
    compared = await shown_result(p, client, "Compare Versions (ACTIVE -> DRAFT)", "compare_versions", arguments)
    if compared.is_error:
        p.text(f"(tool error) {text_of(compared)}")
    else:
        changes = compared.structured_content or {}
        p.text(changes["summary"])
        p.table(
            ["VARIANT", "CHANGE", "BEFORE", "AFTER"],
            [[c["variant_short_uid"], c["change"], c["before"], c["after"]] for c in changes["changes"]],
        )

    projects = await call(client, "search", {"query": "audit demo", "kinds": ["project"]})
    target = projects["results"][0]["uid"] if projects["results"] else demo.project_uid
    audit = await shown_call(p, client, "Audit a Project", "audit_project", {"project_uid": target})
    p.text(audit["summary"])
    p.table(
        ["SEVERITY", "CHECK", "SUBJECT", "MESSAGE"],
        [
            [f["severity"], f["check"], f["subject"].get("name") or f["subject"]["uid"], f["message"]]
            for f in audit["findings"]
        ],
        max_width=70,
    )
