"""`personalize-mcp approve PLAN_ID`: a person approves one destructive plan from a terminal.

It reads the plan from the same store the server keeps plans in (`PERSONALIZE_MCP_HOME`'s SQLite file, or
`--store`), prints its summary, changes and warnings first, and asks for the subject's name (a destructive
plan) or a yes; the approval then lets apply_change apply that plan, until it expires.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

import anyio

from personalize_mcp.answers.writes.confirm import approve
from personalize_mcp.answers.writes.plans import StoredPlan
from personalize_mcp.answers.writes.service import applied_key, load_plan
from personalize_mcp.config.settings import default_home
from personalize_mcp.runtime.errors import UserFacingError
from personalize_mcp.store.locate import default_store_url, open_store
from personalize_mcp.store.protocol import KeyValueStore


def run_approve(args: argparse.Namespace) -> int:
    store = open_store(getattr(args, "store", None) or default_store_url(default_home(os.environ)))
    try:
        return anyio.run(_approve, store, args.plan_id, args.yes)
    finally:
        anyio.run(store.aclose)


async def _approve(store: KeyValueStore, plan_id: str, yes: bool) -> int:
    if await store.get(applied_key(plan_id)) is not None:
        raise UserFacingError(f"Plan {plan_id} has been applied already; there is nothing to approve.")
    plan = await load_plan(store, plan_id)
    print(describe(plan))
    if not yes and not _confirmed(plan):
        print("Not approved; nothing changed.", file=sys.stderr)
        return 1
    await approve(store, plan, by=_who())
    expires = plan.result.expires_at.strftime("%H:%M UTC")
    print(f"Approved plan {plan_id}: apply_change may apply it until {expires}.")
    return 0


def describe(plan: StoredPlan) -> str:
    result = plan.result
    lines = [
        f"Plan {result.plan_id} for project {result.project_uid}, made by {plan.actor.words()}"
        + (f" with {plan.client}" if plan.client else ""),
        f"  {result.summary}",
    ]
    for change in result.changes:
        name = change.subject.name or change.subject.uid
        lines.append(
            f"  - {change.subject.kind} {name}: {change.change}: {change.before or '-'} -> {change.after or '-'}"
        )
    lines += [f"  ! {warning}" for warning in result.warnings]
    lines.append(
        f"  {'Destructive' if result.destructive else 'Not destructive'}; expires {result.expires_at:%H:%M UTC}."
    )
    return "\n".join(lines)


def _confirmed(plan: StoredPlan) -> bool:
    try:
        if plan.result.destructive:
            typed = input(f"Type the name {plan.confirm_name!r} to approve: ")
            return typed.strip().casefold() == plan.confirm_name.strip().casefold()
        return input("Approve this plan? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _who() -> str:
    try:
        return f"{getpass.getuser()} (terminal)"
    except (KeyError, OSError):
        return "a person at a terminal"
