"""The demo's insights section: search, where an audience is used, what the draft changes, and the
audit of the Audit demo project."""

from __future__ import annotations

from mcp import Client

from personalize_mcp.demo.calls import call, signature, text_of
from personalize_mcp.demo.printer import Printer


async def show_insights(p: Printer, client: Client, project_uid: str, experience_uid: str) -> None:
    found = await call(client, "search", {"query": "returning"})
    p.heading("Search", "search(query='returning')")
    p.table(
        ["KIND", "NAME", "MATCH", "NEXT"],
        [[h["kind"], h.get("name"), h["match"], h["next_tool"]] for h in found["results"]],
    )
    audience = next((h for h in found["results"] if h["kind"] == "audience"), None)
    if audience is not None:
        usage = await call(client, "find_usage", {"project_uid": audience["project_uid"], "uid": audience["uid"]})
        p.heading(f"Find Where It Is Used — {audience['name']}", f"find_usage(uid={audience['uid']!r})")
        p.line(usage["summary"])
        p.table(["EXPERIENCE", "WHERE"], [[u.get("name"), u["where"]] for u in usage["used_by"]], max_width=100)

    arguments = {"project_uid": project_uid, "experience_uid": experience_uid}
    p.heading("Compare Versions (ACTIVE -> DRAFT)", signature("compare_versions", arguments))
    compared = await client.call_tool("compare_versions", arguments)
    if compared.is_error:
        p.line(f"(tool error) {text_of(compared)}")
    else:
        changes = compared.structured_content or {}
        p.line(changes["summary"])
        p.table(
            ["VARIANT", "CHANGE", "BEFORE", "AFTER"],
            [[c["variant_short_uid"], c["change"], c["before"], c["after"]] for c in changes["changes"]],
        )

    projects = await call(client, "search", {"query": "audit demo", "kinds": ["project"]})
    target = projects["results"][0]["uid"] if projects["results"] else project_uid
    audit = await call(client, "audit_project", {"project_uid": target})
    p.heading("Audit a Project", f"audit_project(project_uid={target!r})")
    p.line(audit["summary"])
    p.table(
        ["SEVERITY", "CHECK", "SUBJECT", "MESSAGE"],
        [
            [f["severity"], f["check"], f["subject"].get("name") or f["subject"]["uid"], f["message"]]
            for f in audit["findings"]
        ],
        max_width=90,
    )
