"""The demo's writes section: one plan, its confirmation, the apply, the journal entry and its undo.

Its own server -- `serve --sandbox --writes all` -- with a temporary PERSONALIZE_MCP_HOME (the plans, the
journal), so nothing is left behind; its client declares form elicitation and, standing in for the person,
types the name the question asks for (printed as asked).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.context import ClientRequestContext
from mcp_types import ElicitRequestParams, ElicitResult

from personalize_mcp.demo.calls import call, signature
from personalize_mcp.demo.context import Demo
from personalize_mcp.demo.printer import Printer, cell
from personalize_mcp.sandbox.data import MOBILE_VISITORS_AUDIENCE_UID, WEB_PROJECT_UID

AUDIENCE = MOBILE_VISITORS_AUDIENCE_UID
"""Mobile Visitors: targeted by the ACTIVE version of 'Homepage hero', so the edit is live at once."""
_NAME = re.compile(r"type the name '(.*)'\.$")


async def show_writes(demo: Demo) -> None:
    """The Web project's 'Mobile Visitors' audience, changed and changed back."""
    p, mode, project_uid = demo.p, demo.mode, WEB_PROJECT_UID
    with tempfile.TemporaryDirectory(prefix="personalize-mcp-demo-") as home:
        asked: list[str] = []

        async def person(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            asked.append(params.message)
            found = _NAME.search(params.message)
            if found:
                return ElicitResult(action="accept", content={"name": found.group(1)})
            return ElicitResult(action="accept", content={"confirm": True})

        env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "PERSONALIZE_MCP_LOG_LEVEL")}
        parameters = StdioServerParameters(
            command=sys.executable,
            args=["-m", "personalize_mcp", "serve", "--sandbox", "--writes", "all"],
            env={**env, "PERSONALIZE_MCP_HOME": home},
        )
        async with Client(parameters, mode=mode, elicitation_callback=person) as client:
            await _walk(p, client, project_uid, asked)


async def _walk(p: Printer, client: Client, project_uid: str, asked: list[str]) -> None:
    change = {
        "action": "update_audience",
        "audience_uid": AUDIENCE,
        "rules": {"all": [{"attribute": "DEVICE_TYPE", "operator": "equals", "value": "MOBILE"},
                          {"attribute": "COUNTRY", "operator": "equals", "value": "AU", "negate": True}]},
    }  # fmt: skip
    arguments = {"project_uid": project_uid, "change": change}
    planned = await call(client, "plan_change", arguments)
    p.heading("Plan a Change (serve --sandbox --writes all)", signature("plan_change", arguments))
    _plan(p, planned)

    applied = await _apply(p, client, planned, asked)
    p.field("undo", applied["undo"])
    audience = await call(client, "get_single_audience", {"project_uid": project_uid, "audience_uid": AUDIENCE})
    p.field("read now", audience["audience"]["rules"])

    changes = await call(client, "list_changes", {"project_uid": project_uid})
    p.heading("List Changes (the journal)", signature("list_changes", {"project_uid": project_uid}))
    p.table(
        ["CHANGE", "ACTION", "OUTCOME", "WHO", "UNDONE BY"],
        [[c["change_id"], c["action"], c["outcome"], c["actor"], c["undone_by"]] for c in changes["changes"]],
    )

    undo = await call(client, "undo_change", {"change_id": applied["change_id"]})
    p.heading("Undo a Change", signature("undo_change", {"change_id": applied["change_id"]}))
    _plan(p, undo)
    await _apply(p, client, undo, asked)
    audience = await call(client, "get_single_audience", {"project_uid": project_uid, "audience_uid": AUDIENCE})
    p.field("read now", audience["audience"]["rules"])
    changes = await call(client, "list_changes", {"project_uid": project_uid})
    first = changes["changes"][-1]
    p.field("journal", f"{first['change_id']} undone by {first['undone_by']}")


def _plan(p: Printer, planned: dict[str, Any]) -> None:
    p.text(planned["summary"])
    for change in planned["changes"]:
        subject = change["subject"]
        p.text(f"{subject['kind']} {subject.get('name') or subject['uid']} ({change['change']}):", indent="  ")
        p.text(f"before: {cell(change['before'])}", indent="    ", hanging="        ")
        p.text(f"after:  {cell(change['after'])}", indent="    ", hanging="        ")
    for warning in planned["warnings"]:
        p.text(f"! {warning}", indent="  ")
    p.field("destructive", planned["destructive"])
    p.field("confirmation", planned["confirmation"]["kind"])


async def _apply(p: Printer, client: Client, planned: dict[str, Any], asked: list[str]) -> dict[str, Any]:
    asked.clear()
    applied = await call(client, "apply_change", {"plan_id": planned["plan_id"]})
    p.heading("Apply a Change", signature("apply_change", {"plan_id": planned["plan_id"]}))
    for question in asked:
        p.field("asked", question)
        typed = _NAME.search(question)
        p.field("answered", typed.group(1) if typed else "yes")
    p.field("applied", f"{applied['summary']} ({applied['change_id']})")
    return applied
