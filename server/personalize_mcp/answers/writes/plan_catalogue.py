"""Planning attribute and event changes: create, update, delete.

Only custom attributes are written (presets are Contentstack's). A key is what senders use -- a changed
key breaks whatever sends the old one -- so keys are checked (unique, no preset name) and a key change
warns. An update of something a running version depends on (an attribute its audiences test, an event an
ACTIVE experience counts) is destructive and needs `serve --writes all`; a delete of something still used
is refused, naming where.
"""

from __future__ import annotations

import re

from personalize_mcp.answers.writes.drafting import NEW, PlanDraft, Planning, missing, named, row, step, subject
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.refusals import Uses, live_warning, refuse_delete_if_used, uses_of
from personalize_mcp.contentstack.models.audiences import Attribute
from personalize_mcp.contentstack.models.experiences import Event
from personalize_mcp.contentstack.write_bodies import AttributeDraft, EventDraft
from personalize_mcp.rules.model import PRESET_REFS
from personalize_mcp.runtime.errors import InvalidInputError, quoted
from personalize_mcp.runtime.ids import validate_identifier

KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def _key(key: str, taken: dict[str, str], kind: str) -> str:
    if KEY.fullmatch(key) is None:
        raise InvalidInputError(
            f"key {quoted(key)} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter."
        )
    if kind == "attribute" and key.upper() in PRESET_REFS:
        raise InvalidInputError(f"key {key} is a preset attribute's name; choose another key.")
    if key in taken:
        raise InvalidInputError(f"key {key} is already the key of {kind} {taken[key]}; choose another key.")
    return key


def _attribute(attributes: list[Attribute], uid: str, project: str) -> Attribute:
    uid = validate_identifier("attribute_uid", uid)
    found = next((a for a in attributes if a.uid == uid), None)
    if found is None:
        raise missing("attribute", uid, project, "list_attributes")
    if found.kind != "CUSTOM":
        raise InvalidInputError(
            f"Attribute {named(found.display_name, uid)} is a preset attribute; only custom ones change."
        )
    return found


def _consequences(kind: str, uses: Uses) -> tuple[list[str], str | None]:
    live = live_warning(kind, uses)
    return ([live] if live else []), (f"it changes an {kind} a running version depends on" if live else None)


async def plan_create_attribute(planning: Planning, key: str, name: str, description: str) -> PlanDraft:
    attributes = await planning.reads.attributes()
    key = _key(key, {a.key: a.uid for a in attributes if a.key}, "attribute")
    ref = subject("attribute", NEW, name)
    return PlanDraft(
        action="create_attribute",
        summary=f"Create the custom attribute {named(name, key)} with key {key}.",
        rows=[row(ref, "create", None, f"key {key}, name {named(name, key)}")],
        steps=[
            step("create_attribute", f"create the attribute {key}", ref, draft=AttributeDraft(key, name, description))
        ],
        touched=[],
        confirm_name=name,
        stale=[("attributes", planning.project)],
    )


async def plan_update_attribute(
    planning: Planning, uid: str, key: str | None, name: str | None, description: str | None
) -> PlanDraft:
    attributes = await planning.reads.attributes()
    attribute = _attribute(attributes, uid, planning.project)
    ref = subject("attribute", attribute.uid, attribute.display_name)
    new_key = attribute.key or "" if key is None else key
    if new_key != attribute.key:
        new_key = _key(new_key, {a.key: a.uid for a in attributes if a.key and a.uid != attribute.uid}, "attribute")
    new = AttributeDraft(new_key, attribute.name or "" if name is None else name,
                         attribute.description or "" if description is None else description)  # fmt: skip
    rows = [
        row(ref, field, old or None, value or None)
        for field, old, value in (
            ("key", attribute.key, new.key),
            ("rename", attribute.name, new.name),
            ("description", attribute.description, new.description),
        )
        if (old or "") != value
    ]
    if not rows:
        raise InvalidInputError(f"The change leaves attribute {named(attribute.display_name, attribute.uid)} as it is.")
    warnings, needs_all = _consequences("attribute", await uses_of(planning, attribute.uid))
    if new.key != attribute.key:
        warnings.append(f"A changed key breaks whatever sends {attribute.key!r} today: update the senders too.")
    return PlanDraft(
        action="update_attribute",
        summary=f"Update the attribute {named(attribute.display_name, uid)} ({', '.join(r.change for r in rows)}).",
        rows=rows,
        steps=[step("update_attribute", f"update the attribute {attribute.key}", ref, uid=attribute.uid, draft=new)],
        touched=[f"attribute:{attribute.uid}"],
        confirm_name=attribute.display_name or attribute.uid,
        warnings=warnings,
        destructive=needs_all is not None,
        needs_all=needs_all,
        before={f"attribute:{attribute.uid}": dumped(attribute)},
        stale=[("attributes", planning.project)],
    )


async def plan_delete_attribute(planning: Planning, uid: str) -> PlanDraft:
    attribute = _attribute(await planning.reads.attributes(), uid, planning.project)
    label = named(attribute.display_name, attribute.uid)
    refuse_delete_if_used("attribute", label, await uses_of(planning, attribute.uid))
    ref = subject("attribute", attribute.uid, attribute.display_name)
    cannot = "A deleted attribute comes back (undo) with a new uid; its key is kept."
    return PlanDraft(
        action="delete_attribute",
        summary=f"Delete the custom attribute {label} (key {attribute.key}), which no audience tests.",
        rows=[row(ref, "delete", f"key {attribute.key}, name {label}", None)],
        steps=[step("delete_attribute", f"delete the attribute {attribute.key}", ref, uid=attribute.uid)],
        touched=[f"attribute:{attribute.uid}", f"uses-attribute:{attribute.uid}"],
        confirm_name=attribute.display_name or attribute.uid,
        warnings=[cannot],
        destructive=True,
        needs_all="it deletes an attribute",
        before={f"attribute:{attribute.uid}": dumped(attribute)},
        stale=[("attributes", planning.project), ("audiences", planning.project)],
        cannot_undo=cannot,
    )


def _event(events: list[Event], uid: str, project: str) -> Event:
    uid = validate_identifier("event_uid", uid)
    found = next((e for e in events if e.uid == uid), None)
    if found is None:
        raise missing("event", uid, project, "list_events")
    return found


async def plan_create_event(planning: Planning, key: str, description: str) -> PlanDraft:
    key = _key(key, {e.key: e.uid for e in await planning.reads.events() if e.key}, "event")
    ref = subject("event", NEW, key)
    return PlanDraft(
        action="create_event",
        summary=f"Create the event {key}.",
        rows=[row(ref, "create", None, f"key {key}" + (f": {description}" if description else ""))],
        steps=[step("create_event", f"create the event {key}", ref, draft=EventDraft(key, description))],
        touched=[],
        confirm_name=key,
        stale=[("events", planning.project)],
    )


async def plan_update_event(planning: Planning, uid: str, key: str | None, description: str | None) -> PlanDraft:
    events = await planning.reads.events()
    event = _event(events, uid, planning.project)
    ref = subject("event", event.uid, event.key)
    new_key = event.key or "" if key is None else key
    if new_key != event.key:
        new_key = _key(new_key, {e.key: e.uid for e in events if e.key and e.uid != event.uid}, "event")
    new = EventDraft(new_key, event.description or "" if description is None else description)
    rows = [
        row(ref, field, old or None, value or None)
        for field, old, value in (("key", event.key, new.key), ("description", event.description, new.description))
        if (old or "") != value
    ]
    if not rows:
        raise InvalidInputError(f"The change leaves event {event.key or event.uid} as it is.")
    warnings, needs_all = _consequences("event", await uses_of(planning, event.uid))
    if new.key != event.key:
        warnings.append(f"A changed key breaks whatever sends {event.key!r} today: update the senders too.")
    return PlanDraft(
        action="update_event",
        summary=f"Update the event {event.key or event.uid} ({', '.join(r.change for r in rows)}).",
        rows=rows,
        steps=[step("update_event", f"update the event {event.key}", ref, uid=event.uid, draft=new)],
        touched=[f"event:{event.uid}"],
        confirm_name=event.key or event.uid,
        warnings=warnings,
        destructive=needs_all is not None,
        needs_all=needs_all,
        before={f"event:{event.uid}": dumped(event)},
        stale=[("events", planning.project)],
    )


async def plan_delete_event(planning: Planning, uid: str) -> PlanDraft:
    event = _event(await planning.reads.events(), uid, planning.project)
    label = event.key or event.uid
    refuse_delete_if_used("event", label, await uses_of(planning, event.uid))
    ref = subject("event", event.uid, event.key)
    cannot = "A deleted event comes back (undo) with a new uid; its key is kept."
    return PlanDraft(
        action="delete_event",
        summary=f"Delete the event {label}, which no experience counts.",
        rows=[row(ref, "delete", f"key {label}", None)],
        steps=[step("delete_event", f"delete the event {label}", ref, uid=event.uid)],
        touched=[f"event:{event.uid}", f"uses-event:{event.uid}"],
        confirm_name=label,
        warnings=[cannot],
        destructive=True,
        needs_all="it deletes an event",
        before={f"event:{event.uid}": dumped(event)},
        stale=[("events", planning.project)],
        cannot_undo=cannot,
    )
