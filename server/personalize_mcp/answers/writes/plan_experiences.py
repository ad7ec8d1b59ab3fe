"""Planning experience changes: create (the experience **and** its draft), update, delete.

`POST /experiences` makes the experience with an empty DRAFT; the plan then configures that draft with PUT
(variants, audiences, split, metrics): two calls, the second naming what the first creates. A new
experience is a draft, so `serve --writes drafts` allows it. A delete is destructive even while it runs
(Contentstack allows it); it loses its analytics, and an undo brings back its last configuration as a new
experience's draft.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.answers.experiences import experience_type
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version
from personalize_mcp.answers.writes.drafting import NEW, PlanDraft, Planning, missing, named, row, step, subject
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.variants import activation_problems, as_version, variant_rows
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.write_bodies import ExperienceDraft, MetricDraft, VariantDraft, VersionDraft
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier


async def experience_of(planning: Planning, uid: str) -> Experience:
    uid = validate_identifier("experience_uid", uid)
    found = await planning.reads.experience(uid)
    if found is None:
        raise missing("experience", uid, planning.project, "get_all_experiences")
    return found


async def plan_create_experience(
    planning: Planning,
    name: str,
    description: str,
    kind: str,
    variants: Sequence[VariantDraft],
    metrics: Sequence[MetricDraft] | None,
    *,
    action: str = "create_experience",
) -> PlanDraft:
    if metrics and kind != "AB_TEST":
        raise InvalidInputError("metrics are what an A/B test counts; a segmented experience takes none.")
    ref = subject("experience", NEW, name)
    draft_version = as_version("(new draft)", DRAFT, variants)
    rows = [row(ref, "create", None, f"{kind} experience {named(name, '')}, with a draft")]
    rows += await variant_rows(planning, as_version("(none)", DRAFT, []), draft_version)
    if metrics:
        rows.append(row(ref, "metrics", None, ", ".join(m.name for m in metrics)))
    audiences = {a.uid: a for a in await planning.reads.audiences()}
    problems = activation_problems(kind, draft_version.variants, audiences)
    warnings = [f"activate_draft will refuse this draft until it is fixed: {'; '.join(problems)}."] if problems else []
    same = [e for e in await planning.reads.experiences() if (e.name or "").casefold() == name.casefold()]
    if same:
        warnings.append(f"An experience named {named(name, '')} already exists ({same[0].uid}).")
    version = VersionDraft(DRAFT, tuple(variants), tuple(metrics) if metrics else None)
    return PlanDraft(
        action=action,
        summary=f"Create the {kind} experience {named(name, '')} with a draft of {len(variants)} variant(s); "
        "it shows to nobody until activate_draft.",
        rows=rows,
        steps=[
            step(
                "create_experience",
                f"create the experience {named(name, '')}",
                ref,
                draft=ExperienceDraft(name, description, kind),
            ),
            step(
                "update_version",
                f"configure the draft of {named(name, '')}",
                subject("version", NEW, "draft"),
                uid="$0",
                version_uid="$0.draft",
                draft=version,
            ),
        ],
        touched=[],
        confirm_name=name,
        warnings=warnings,
        stale=[("experiences", planning.project), ("priority", planning.project)],
    )


async def plan_update_experience(planning: Planning, uid: str, name: str | None, description: str | None) -> PlanDraft:
    experience = await experience_of(planning, uid)
    kind = experience_type(experience.type)
    if kind is None:
        raise InvalidInputError(
            f"Experience {uid} does not say whether it is SEGMENTED or AB_TEST, so it is not sent back."
        )
    ref = subject("experience", experience.uid, experience.name)
    new = ExperienceDraft(experience.name or "" if name is None else name,
                          experience.description or "" if description is None else description, kind)  # fmt: skip
    rows = [
        row(ref, field, old or None, value or None)
        for field, old, value in (
            ("rename", experience.name, new.name),
            ("description", experience.description, new.description),
        )
        if (old or "") != value
    ]
    if not rows:
        raise InvalidInputError(f"The change leaves experience {named(experience.name, uid)} as it is.")
    return PlanDraft(
        action="update_experience",
        summary=f"Update the experience {named(experience.name, uid)} ({', '.join(r.change for r in rows)}); "
        "what visitors see does not change.",
        rows=rows,
        steps=[
            step("update_experience", f"update the experience {named(experience.name, uid)}", ref, uid=uid, draft=new)
        ],
        touched=[f"experience:{uid}"],
        confirm_name=experience.name or uid,
        before={f"experience:{uid}": dumped(experience)},
        stale=[("experiences", planning.project), ("experience", planning.project, uid)],
    )


async def plan_delete_experience(planning: Planning, uid: str) -> PlanDraft:
    experience = await experience_of(planning, uid)
    versions = await planning.reads.versions(experience.uid)
    label = named(experience.name, uid)
    ref = subject("experience", uid, experience.name)
    warnings = []
    if select_version(versions, ACTIVE) is not None:
        warnings.append("It is live now: visitors stop seeing its variants at once.")
    cannot = (
        "Its analytics are lost; an undo brings its last configuration back as a draft of a new experience (new uid, "
        "new CMS variant group), not the experience itself."
    )
    return PlanDraft(
        action="delete_experience",
        summary=f"Delete the experience {label} with its {len(versions)} version(s).",
        rows=[row(ref, "delete", f"{experience.type} experience, {experience.status or 'no status'}", None)],
        steps=[step("delete_experience", f"delete the experience {label}", ref, uid=uid)],
        touched=[f"experience:{uid}", f"versions:{uid}"],
        confirm_name=experience.name or uid,
        warnings=[*warnings, cannot],
        destructive=True,
        needs_all="it deletes an experience",
        before={f"experience:{uid}": dumped(experience), f"versions:{uid}": [dumped(v) for v in versions]},
        stale=[
            ("experiences", planning.project),
            ("experience", planning.project, uid),
            ("versions", planning.project, uid),
            ("priority", planning.project),
        ],
        cannot_undo=cannot,
    )
