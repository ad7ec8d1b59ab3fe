"""undo_change: the inverse of a journaled change, planned like any other and applied through the same gate.

create <-> delete; update -> the before; an activation (or a promotion) -> a draft from the version it
archived, then activated; pause <-> resume; a priority change -> the previous order. A change whose outcome
is unknown (the server stopped between its intent and its result) or that wrote nothing is not undone:
the sentence says what to do instead. What an undo cannot restore (new uids, analytics) is in its plan.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version
from personalize_mcp.answers.writes.drafting import PlanDraft, Planning
from personalize_mcp.answers.writes.journal import fold
from personalize_mcp.answers.writes.plan_audiences import (
    plan_create_audience,
    plan_delete_audience,
    plan_update_audience,
)
from personalize_mcp.answers.writes.plan_catalogue import (
    plan_create_attribute,
    plan_create_event,
    plan_delete_attribute,
    plan_delete_event,
    plan_update_attribute,
    plan_update_event,
)
from personalize_mcp.answers.writes.plan_experiences import (
    plan_create_experience,
    plan_delete_experience,
    plan_update_experience,
)
from personalize_mcp.answers.writes.plan_priority import plan_set_priority
from personalize_mcp.answers.writes.plan_versions import (
    plan_bring_back,
    plan_delete_draft,
    plan_edit_draft,
    plan_status,
)
from personalize_mcp.answers.writes.planner import finish, planning_for
from personalize_mcp.answers.writes.plans import PlanResult
from personalize_mcp.answers.writes.service import WriteService
from personalize_mcp.answers.writes.variants import kept_metrics
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.write_bodies import VariantDraft
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError
from personalize_mcp.runtime.ids import validate_identifier

JSON = dict[str, Any]


async def plan_undo(service: WriteService, change_id: str, *, elicitable: bool, client: str | None) -> PlanResult:
    service.check_can_write()
    change_id = validate_identifier("change_id", change_id)
    slot = fold(await service.journal.entries(service.book)).get(change_id)
    if slot is None or slot["intent"] is None:
        raise NotFoundError(f"No change {change_id} in this journal; list_changes lists them.")
    intent, result = slot["intent"], slot["result"]
    if slot["undone_by"]:
        raise InvalidInputError(f"Change {change_id} was undone already, by change {slot['undone_by']}.")
    if result is None:
        raise InvalidInputError(f"Change {change_id} has no recorded outcome (the server stopped while applying it): "
                                "check what exists with the read tools, then plan the change you want.")  # fmt: skip
    if result.get("outcome") == "failed":
        raise InvalidInputError(f"Change {change_id} wrote nothing, so there is nothing to undo.")
    planning = await planning_for(service, intent["project_uid"])
    draft = await _inverse(planning, intent, result.get("done") or [])
    draft.undoes = change_id
    draft.summary = f"Undo {change_id}: {draft.summary}"
    return await finish(service, planning, draft, elicitable=elicitable, client=client)


async def _inverse(p: Planning, intent: JSON, done: list[JSON]) -> PlanDraft:
    action: str = intent["action"]
    before: JSON = intent.get("before") or {}
    steps: list[JSON] = intent.get("steps") or []
    target = (steps[0].get("uid") if steps else None) or ""
    created = done[0].get("uid") if done else None
    one = next(iter(before.values()), None) or {}
    if action == "create_audience":
        return await plan_delete_audience(p, _known(created))
    if action == "update_audience":
        return await plan_update_audience(p, target, one.get("name") or "", one.get("description") or "",
                                          one.get("definition") or {})  # fmt: skip
    if action == "delete_audience":
        return await plan_create_audience(
            p, one.get("name") or "", one.get("description") or "", one.get("definition") or {}
        )
    if action == "create_attribute":
        return await plan_delete_attribute(p, _known(created))
    if action == "update_attribute":
        return await plan_update_attribute(
            p, target, one.get("key"), one.get("name") or "", one.get("description") or ""
        )
    if action == "delete_attribute":
        return await plan_create_attribute(p, one.get("key") or "", one.get("name") or "", one.get("description") or "")
    if action == "create_event":
        return await plan_delete_event(p, _known(created))
    if action == "update_event":
        return await plan_update_event(p, target, one.get("key"), one.get("description") or "")
    if action == "delete_event":
        return await plan_create_event(p, one.get("key") or "", one.get("description") or "")
    if action == "create_experience":
        return await plan_delete_experience(p, _known(created))
    if action == "update_experience":
        return await plan_update_experience(p, target, one.get("name") or "", one.get("description") or "")
    if action == "delete_experience":
        return await _recreate(p, before, target)
    if action == "set_priority":
        return await plan_set_priority(p, None, None, order=list(before.get("priority") or []))
    return await _inverse_version(p, action, target, _versions(before, target), done)


async def _inverse_version(p: Planning, action: str, uid: str, versions: list[Version], done: list[JSON]) -> PlanDraft:
    draft, live = select_version(versions, DRAFT), select_version(versions, ACTIVE)
    if action == "pause_experience":
        return await plan_status(p, uid, ACTIVE)
    if action == "resume_experience":
        return await plan_status(p, uid, "PAUSED")
    if action == "edit_draft":
        if draft is None:
            return await plan_delete_draft(p, uid)
        return await plan_edit_draft(p, uid, None, None, restore=_variants(draft), restore_metrics=kept_metrics(draft),
                                     action="edit_draft")  # fmt: skip
    if action == "delete_draft" and draft is not None:
        return await plan_edit_draft(p, uid, None, None, restore=_variants(draft), restore_metrics=kept_metrics(draft))
    if action == "promote_winner" and len(done) < 2:  # only the winner's draft was made
        return await plan_delete_draft(p, uid)
    if action in ("activate_draft", "promote_winner"):
        previous = live or select_version(versions, "PAUSED")
        if previous is None:  # a first activation: nothing to bring back, so pause it
            return await plan_status(p, uid, "PAUSED")
        return await plan_bring_back(p, uid, previous)
    raise InvalidInputError(f"A {action} change cannot be undone from its journal entry.")


async def _recreate(p: Planning, before: JSON, uid: str) -> PlanDraft:
    experience = before.get(f"experience:{uid}") or {}
    versions = _versions(before, uid)
    live = (select_version(versions, status) for status in (ACTIVE, "PAUSED", DRAFT))
    source = next((v for v in live if v is not None), versions[-1] if versions else None)
    variants = [replace(d, short_uid=None) for d in _variants(source)] if source else []
    metrics = kept_metrics(source) or kept_metrics(Version.model_validate({"uid": uid, **_metrics_of(experience)}))
    return await plan_create_experience(
        p, experience.get("name") or uid, experience.get("description") or "", experience.get("__type") or "SEGMENTED",
        variants, metrics,
    )  # fmt: skip


def _metrics_of(experience: JSON) -> JSON:
    """The experience summary's metrics, for a version that carries none of its own."""
    metrics = experience.get("metrics")
    return {"metrics": metrics} if isinstance(metrics, list) else {}


def _versions(before: JSON, uid: str) -> list[Version]:
    return [Version.model_validate(v) for v in before.get(f"versions:{uid}") or [] if isinstance(v, dict)]


def _variants(version: Version | None) -> list[VariantDraft]:
    return [VariantDraft.from_upstream(v) for v in version.variants] if version else []


def _known(uid: object) -> str:
    if not isinstance(uid, str) or not uid:
        raise InvalidInputError("The journal does not name the object the change created, so it cannot be undone here.")
    return uid
