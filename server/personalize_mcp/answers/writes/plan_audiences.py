"""Planning audience changes: create, update, delete (and the restores an undo needs).

Rules are shown as `get_single_audience` shows them (`rules.render`, custom attributes by name). Lytics
audiences are synced from Lytics and never written. An update of an audience a running version targets is
live at once: destructive, and only with `serve --writes all`. A delete of one still targeted is refused,
naming where; a deleted audience comes back (undo) with a new uid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personalize_mcp.answers.writes.drafting import (
    NEW,
    PlanDraft,
    Planning,
    missing,
    named,
    row,
    step,
    subject,
)
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.refusals import live_warning, refuse_delete_if_used, uses_of, where
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.write_bodies import AudienceDraft
from personalize_mcp.rules.render import render_definition
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier

LYTICS = "LYTICS"


async def _audience(planning: Planning, uid: str) -> Audience:
    uid = validate_identifier("audience_uid", uid)
    found = next((a for a in await planning.reads.audiences() if a.uid == uid), None)
    if found is None:
        raise missing("audience", uid, planning.project, "get_all_audiences")
    if (found.source or "").upper() == LYTICS:
        raise InvalidInputError(
            f"Audience {named(found.name, uid)} is synced from Lytics, so it cannot be changed or deleted here; "
            "change it in Lytics."
        )
    return found


def _words(name: str, definition: object, names: Mapping[str, str]) -> str:
    return f"{name}: {render_definition(definition, names)}"


async def plan_create_audience(
    planning: Planning, name: str, description: str, definition: Mapping[str, Any]
) -> PlanDraft:
    names = await planning.attribute_names()
    ref = subject("audience", NEW, name)
    same = [a for a in await planning.reads.audiences() if (a.name or "").casefold() == name.casefold()]
    warnings = [f"An audience named {named(name, '')} already exists ({same[0].uid})."] if same else []
    draft = AudienceDraft(name, description, definition)
    return PlanDraft(
        action="create_audience",
        summary=f"Create the audience {named(name, '')}: {render_definition(definition, names)}.",
        rows=[row(ref, "create", None, _words(name, definition, names))],
        steps=[step("create_audience", f"create the audience {named(name, '')}", ref, draft=draft)],
        touched=[],
        confirm_name=name,
        warnings=warnings,
        stale=[("audiences", planning.project)],
    )


async def plan_update_audience(
    planning: Planning,
    uid: str,
    name: str | None,
    description: str | None,
    definition: Mapping[str, Any] | None,
    *,
    action: str = "update_audience",
) -> PlanDraft:
    audience = await _audience(planning, uid)
    names = await planning.attribute_names()
    ref = subject("audience", audience.uid, audience.name)
    new_name = audience.name or "" if name is None else name
    new_description = audience.description or "" if description is None else description
    new_definition = audience.definition if definition is None else definition
    rows = []
    if new_name != (audience.name or ""):
        rows.append(row(ref, "rename", audience.name, new_name))
    if new_description != (audience.description or ""):
        rows.append(row(ref, "description", audience.description or None, new_description or None))
    old_words, new_words = render_definition(audience.definition, names), render_definition(new_definition, names)
    if new_definition != audience.definition:
        rows.append(row(ref, "rules", old_words, new_words))
    if not rows:
        raise InvalidInputError(f"The change leaves audience {named(audience.name, audience.uid)} as it is.")
    uses = await uses_of(planning, audience.uid)
    live = live_warning("audience", uses)
    draft = AudienceDraft(new_name, new_description, dict(new_definition or {}))
    return PlanDraft(
        action=action,
        summary=f"Update the audience {named(audience.name, audience.uid)} ({', '.join(r.change for r in rows)}).",
        rows=rows,
        steps=[step("update_audience", f"update the audience {named(audience.name, uid)}", ref, uid=uid, draft=draft)],
        touched=[f"audience:{audience.uid}"],
        confirm_name=audience.name or audience.uid,
        warnings=[live] if live else [],
        destructive=live is not None,
        needs_all="it changes an audience a running version targets" if live else None,
        before={f"audience:{audience.uid}": dumped(audience)},
        stale=[("audiences", planning.project)],
    )


async def plan_delete_audience(planning: Planning, uid: str) -> PlanDraft:
    audience = await _audience(planning, uid)
    label = named(audience.name, audience.uid)
    uses = await uses_of(planning, audience.uid)
    refuse_delete_if_used("audience", label, uses)
    ref = subject("audience", audience.uid, audience.name)
    names = await planning.attribute_names()
    warnings = []
    if uses.archived:
        warnings.append(f"Archived versions still name it and will point at nothing: {where(uses.archived)}.")
    cannot = "A deleted audience comes back (undo) as a new audience with a new uid."
    return PlanDraft(
        action="delete_audience",
        summary=f"Delete the audience {label}, which no version in use targets.",
        rows=[row(ref, "delete", _words(audience.name or "", audience.definition, names), None)],
        steps=[step("delete_audience", f"delete the audience {label}", ref, uid=audience.uid)],
        touched=[f"audience:{audience.uid}", f"uses-audience:{audience.uid}"],
        confirm_name=audience.name or audience.uid,
        warnings=[*warnings, cannot],
        destructive=True,
        needs_all="it deletes an audience",
        before={f"audience:{audience.uid}": dumped(audience)},
        stale=[("audiences", planning.project)],
        cannot_undo=cannot,
    )
