"""plan_change: the change read, planned against fresh reads, fingerprinted, stored, answered in words.

Planning changes nothing upstream. It checks the login can write and the write mode allows the change,
dispatches to the subject's planner, fingerprints what the change touches (with the same fresh reads),
decides how apply_change will be confirmed, and keeps the plan in the store for 10 minutes.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from personalize_mcp.answers.writes.changes import (
    Change,
    CreateAttribute,
    CreateAudience,
    CreateEvent,
    CreateExperience,
    DeleteAttribute,
    DeleteAudience,
    DeleteEvent,
    EditDraft,
    OnExperience,
    PromoteWinner,
    SetPriority,
    UpdateAttribute,
    UpdateAudience,
    UpdateEvent,
    UpdateExperience,
    parse_change,
)
from personalize_mcp.answers.writes.confirm import confirmation_kind
from personalize_mcp.answers.writes.drafting import PlanDraft, Planning
from personalize_mcp.answers.writes.fingerprints import FreshReads
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
from personalize_mcp.answers.writes.plan_promote import plan_promote_winner
from personalize_mcp.answers.writes.plan_size import within_budget
from personalize_mcp.answers.writes.plan_versions import (
    plan_activate_draft,
    plan_delete_draft,
    plan_edit_draft,
    plan_status,
)
from personalize_mcp.answers.writes.plans import Confirmation, PlanResult, StoredPlan
from personalize_mcp.answers.writes.rule_tree import definition_of
from personalize_mcp.answers.writes.service import WriteService, plan_key
from personalize_mcp.answers.writes.variants import metric_drafts, variant_drafts
from personalize_mcp.config.writes import PLAN_TTL_SECONDS
from personalize_mcp.runtime.errors import UserFacingError


async def planning_for(service: WriteService, project_uid: str | None) -> Planning:
    project = await service.lookups.resolve_project(project_uid)
    return Planning(service.lookups, project, FreshReads(service.lookups, project))


async def plan_change(
    service: WriteService, project_uid: str | None, raw: object, *, elicitable: bool, client: str | None
) -> PlanResult:
    service.check_can_write()
    change = parse_change(raw)
    planning = await planning_for(service, project_uid)
    draft = await draft_for(planning, change)
    return await finish(service, planning, draft, elicitable=elicitable, client=client)


async def draft_for(p: Planning, change: Change) -> PlanDraft:
    """The subject's planner for one change (see each planner module for what it checks)."""
    if isinstance(change, CreateAudience):
        return await plan_create_audience(p, change.name, change.description, await definition_of(p, change.rules))
    if isinstance(change, UpdateAudience):
        definition = await definition_of(p, change.rules) if change.rules is not None else None
        return await plan_update_audience(p, change.audience_uid, change.name, change.description, definition)
    if isinstance(change, DeleteAudience):
        return await plan_delete_audience(p, change.audience_uid)
    if isinstance(change, CreateAttribute):
        return await plan_create_attribute(p, change.key, change.name, change.description)
    if isinstance(change, UpdateAttribute):
        return await plan_update_attribute(p, change.attribute_uid, change.key, change.name, change.description)
    if isinstance(change, DeleteAttribute):
        return await plan_delete_attribute(p, change.attribute_uid)
    if isinstance(change, CreateEvent):
        return await plan_create_event(p, change.key, change.description)
    if isinstance(change, UpdateEvent):
        return await plan_update_event(p, change.event_uid, change.key, change.description)
    if isinstance(change, DeleteEvent):
        return await plan_delete_event(p, change.event_uid)
    if isinstance(change, CreateExperience):
        variants = await variant_drafts(p, change.type, change.variants, [])
        metrics = await metric_drafts(p, change.metrics) if change.metrics else None
        return await plan_create_experience(p, change.name, change.description, change.type, variants, metrics)
    if isinstance(change, UpdateExperience):
        return await plan_update_experience(p, change.experience_uid, change.name, change.description)
    if isinstance(change, EditDraft):
        return await plan_edit_draft(p, change.experience_uid, change.variants, change.metrics)
    if isinstance(change, SetPriority):
        return await plan_set_priority(p, change.experience_uid, change.rank)
    if isinstance(change, PromoteWinner):
        return await plan_promote_winner(p, change.experience_uid, change.variant_short_uid)
    return await _on_experience(p, change)


async def _on_experience(p: Planning, change: OnExperience) -> PlanDraft:
    uid = change.experience_uid
    if change.action == "delete_experience":
        return await plan_delete_experience(p, uid)
    if change.action == "delete_draft":
        return await plan_delete_draft(p, uid)
    if change.action == "activate_draft":
        return await plan_activate_draft(p, uid)
    return await plan_status(p, uid, "PAUSED" if change.action == "pause_experience" else "ACTIVE")


async def _project_name(service: WriteService, project_uid: str) -> str | None:
    """The project's name for the person's question (the project list is read for every plan anyway)."""
    try:
        projects = await service.lookups.projects()
    except UserFacingError:
        return None
    return next((p.name for p in projects if p.uid == project_uid and p.name), None)


async def finish(
    service: WriteService, planning: Planning, draft: PlanDraft, *, elicitable: bool, client: str | None
) -> PlanResult:
    """Fingerprint, store and answer a planned change (a change and an undo alike)."""
    service.check_mode(draft.needs_all)
    fingerprints = await planning.reads.fingerprints(draft.touched)
    kind = confirmation_kind(draft.destructive, elicitable, service.settings.confirm)
    token = secrets.token_urlsafe(12)
    now = datetime.now(UTC)
    result = within_budget(
        PlanResult(
            plan_id=f"plan-{secrets.token_hex(8)}",
            project_uid=planning.project,
            action=draft.action,
            summary=draft.summary,
            changes=draft.rows,
            warnings=draft.warnings,
            destructive=draft.destructive,
            confirmation=Confirmation(kind=kind, token=token if kind == "token" else None),
            expires_at=(now + timedelta(seconds=PLAN_TTL_SECONDS)).replace(microsecond=0),
            undoes=draft.undoes,
        )
    )
    stored = StoredPlan(
        result=result,
        token=token,
        confirm_name=draft.confirm_name,
        needs_all=draft.needs_all,
        actor=service.actor(),
        client=client,
        steps=draft.steps,
        fingerprints=fingerprints,
        before=draft.before,
        stale=[list(key) for key in draft.stale],
        cannot_undo=draft.cannot_undo,
        evidence=draft.evidence,
        project_name=await _project_name(service, planning.project),
    )
    await service.store.set(plan_key(result.plan_id), stored.model_dump_json().encode(), ttl=PLAN_TTL_SECONDS)
    return result
