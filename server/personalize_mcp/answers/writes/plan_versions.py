"""Planning version changes: edit or delete the draft, activate it, pause or resume the experience.

Contentstack has no activate or pause endpoint: each is a PUT of the whole version with another status
(contentstack-api.md §8). An ACTIVE version is locked, so a draft is edited instead -- created from the
ACTIVE version when there is none. Activation is refused while the draft cannot go live (CONTRACT.md), and
it archives the previous ACTIVE version and restarts analytics: the plan says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.answers.experiences import experience_label, experience_type
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version, statuses_of
from personalize_mcp.answers.writes.changes import VariantSpec
from personalize_mcp.answers.writes.drafting import NEW, PlanDraft, Planning, new_version_activated, row, step, subject
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.plan_experiences import experience_of
from personalize_mcp.answers.writes.variants import (
    activation_problems,
    as_version,
    kept_metrics,
    metric_drafts,
    variant_drafts,
    variant_rows,
)
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.write_bodies import MetricDraft, VariantDraft, VersionDraft
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError

PAUSED = "PAUSED"
ANALYTICS = "Activation restarts analytics: the results so far stay with the version it archives."


def _stale(planning: Planning, uid: str) -> list[tuple[str, ...]]:
    project = planning.project
    return [("versions", project, uid), ("experiences", project), ("experience", project, uid)]


def _need(versions: Sequence[Version], status: str, label: str, what: str) -> Version:
    found = select_version(versions, status)
    if found is None:
        has = ", ".join(statuses_of(versions)) or "none"
        raise NotFoundError(f"The {label} has no {status} version to {what} (its versions: {has}).")
    return found


async def plan_edit_draft(
    planning: Planning,
    uid: str,
    specs: Sequence[VariantSpec] | None,
    metrics: Sequence[str] | None,
    *,
    restore: Sequence[VariantDraft] | None = None,
    restore_metrics: Sequence[MetricDraft] | None = None,
    action: str = "edit_draft",
) -> PlanDraft:
    """Edit the draft (made from the ACTIVE version when there is none); `restore`: exact variants (undo)."""
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    versions = await planning.reads.versions(experience.uid)
    draft = select_version(versions, DRAFT)
    base = draft or select_version(versions, ACTIVE)
    kind = experience_type(experience.type) or "SEGMENTED"
    if restore is not None:
        variants = list(restore)
    else:
        variants = await variant_drafts(planning, kind, specs or [], base.variants if base else [])
    wanted_metrics = tuple(restore_metrics) if restore_metrics is not None else None
    if metrics is not None:
        wanted_metrics = await metric_drafts(planning, metrics)
    if wanted_metrics is None:
        wanted_metrics = kept_metrics(base)
    after = as_version(draft.uid if draft else "(new draft)", DRAFT, variants)
    rows = await variant_rows(planning, base or as_version("(none)", DRAFT, []), after)
    version = VersionDraft(DRAFT, tuple(variants), wanted_metrics)
    version_ref = subject("version", draft.uid if draft else NEW, "draft")
    if draft is None:
        origin = f"ACTIVE version {base.uid}" if base else "nothing (a first draft)"
        rows.insert(0, row(version_ref, "create", None, f"a draft made from {origin}"))
        edit = step(
            "create_version", f"create the draft of the {label}", version_ref, uid=experience.uid, draft=version
        )
    else:
        if not rows and metrics is None:
            raise InvalidInputError(f"The change leaves the draft of the {label} as it is.")
        edit = step("update_version", f"edit the draft of the {label}", version_ref, uid=experience.uid,
                    version_uid=draft.uid, draft=version)  # fmt: skip
    audiences = {a.uid: a for a in await planning.reads.audiences()}
    problems = activation_problems(kind, after.variants, audiences)
    return PlanDraft(
        action=action,
        summary=f"{'Edit' if draft else 'Create'} the draft of the {label}: {len(rows)} change(s); visitors see "
        "nothing of it until activate_draft.",
        rows=rows,
        steps=[edit],
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[f"activate_draft will refuse this draft until: {'; '.join(problems)}."] if problems else [],
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=_stale(planning, experience.uid),
    )


async def plan_delete_draft(planning: Planning, uid: str) -> PlanDraft:
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    versions = await planning.reads.versions(experience.uid)
    draft = _need(versions, DRAFT, label, "delete")
    ref = subject("version", draft.uid, "draft")
    rows = await variant_rows(planning, draft, as_version(draft.uid, DRAFT, []))
    cannot = "An undo makes the draft again, with a new version uid."
    return PlanDraft(
        action="delete_draft",
        summary=f"Delete the draft {draft.uid} of the {label}; nothing visitors see changes.",
        rows=[row(ref, "delete", f"{len(draft.variants)} variant(s)", None), *rows],
        steps=[
            step("delete_version", f"delete the draft of the {label}", ref, uid=experience.uid, version_uid=draft.uid)
        ],
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[cannot],
        destructive=True,
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=_stale(planning, experience.uid),
        cannot_undo=cannot,
    )


async def plan_activate_draft(planning: Planning, uid: str) -> PlanDraft:
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    versions = await planning.reads.versions(experience.uid)
    draft = _need(versions, DRAFT, label, "activate")
    audiences = {a.uid: a for a in await planning.reads.audiences()}
    problems = activation_problems(experience_type(experience.type), draft.variants, audiences)
    if problems:
        raise InvalidInputError(f"The draft of the {label} cannot be activated: {'; '.join(problems)}; fix it with "
                                "edit_draft first.")  # fmt: skip
    live = select_version(versions, ACTIVE) or select_version(versions, PAUSED)
    rows = await variant_rows(planning, live or as_version("(none)", DRAFT, []), draft)
    rows.append(row(subject("version", draft.uid, "draft"), "status", DRAFT, ACTIVE))
    if live is not None:
        rows.append(row(subject("version", live.uid, live.status), "status", live.status, "ARCHIVED"))
    return PlanDraft(
        action="activate_draft",
        summary=f"Activate the draft of the {label}"
        + (f", archiving its {live.status} version {live.uid}" if live else "")
        + "; visitors see it at once.",
        rows=rows,
        steps=[
            step(
                "update_version",
                f"activate the draft of the {label}",
                subject("version", draft.uid, "draft"),
                uid=experience.uid,
                version_uid=draft.uid,
                draft=VersionDraft.of(ACTIVE, draft.variants, kept_metrics(draft)),
            )
        ],
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[ANALYTICS],
        destructive=True,
        needs_all="it changes what visitors see",
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=_stale(planning, experience.uid),
        cannot_undo=ANALYTICS,
    )


async def plan_status(planning: Planning, uid: str, target: str) -> PlanDraft:
    """pause_experience (ACTIVE -> PAUSED) or resume_experience (PAUSED -> ACTIVE): the version as it is."""
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    versions = await planning.reads.versions(experience.uid)
    pause = target == PAUSED
    if not pause and select_version(versions, ACTIVE) is not None:
        raise InvalidInputError(f"The {label} is running already (it has an ACTIVE version).")
    version = _need(versions, ACTIVE if pause else PAUSED, label, "pause" if pause else "resume")
    ref = subject("version", version.uid, version.status)
    effect = "visitors stop seeing its variants at once" if pause else "visitors see its variants again at once"
    return PlanDraft(
        action="pause_experience" if pause else "resume_experience",
        summary=f"{'Pause' if pause else 'Resume'} the {label}: {effect}.",
        rows=[row(ref, "status", version.status, target)],
        steps=[
            step(
                "update_version",
                f"{'pause' if pause else 'resume'} the {label}",
                ref,
                uid=experience.uid,
                version_uid=version.uid,
                draft=VersionDraft.of(target, version.variants, kept_metrics(version)),
            )
        ],
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[f"This changes what visitors see: {effect}."],
        destructive=True,
        needs_all="it changes what visitors see",
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=_stale(planning, experience.uid),
    )


async def plan_bring_back(planning: Planning, uid: str, previous: Version) -> PlanDraft:
    """Undo of an activation: a draft from the version it archived, then activated (analytics restart again)."""
    experience = await experience_of(planning, uid)
    label = experience_label(experience.uid, experience)
    versions = await planning.reads.versions(experience.uid)
    draft = select_version(versions, DRAFT)
    if draft is not None:
        raise InvalidInputError(f"The {label} has a draft ({draft.uid}) and Contentstack keeps one at a time; delete "
                                "it (delete_draft) before undoing the activation.")  # fmt: skip
    live = select_version(versions, ACTIVE)
    variants = [VariantDraft.from_upstream(v) for v in previous.variants]
    new = as_version("(new draft)", DRAFT, variants)
    rows = await variant_rows(planning, live or as_version("(none)", DRAFT, []), new)
    ref = subject("version", NEW, "draft")
    metrics = kept_metrics(previous)
    return PlanDraft(
        action="activate_draft",
        summary=f"Bring back version {previous.uid} of the {label}: a new draft of its variants, activated at once.",
        rows=[*rows, row(ref, "status", None, ACTIVE)],
        steps=new_version_activated(
            experience.uid,
            ref,
            VersionDraft(ACTIVE, tuple(variants), metrics),
            created=f"create a draft of version {previous.uid}",
            activated=f"activate that draft of the {label}",
        ),
        touched=[f"versions:{experience.uid}"],
        confirm_name=experience.name or experience.uid,
        warnings=[ANALYTICS],
        destructive=True,
        needs_all="it changes what visitors see",
        before={f"versions:{experience.uid}": [dumped(v) for v in versions]},
        stale=_stale(planning, experience.uid),
        cannot_undo=ANALYTICS,
    )
