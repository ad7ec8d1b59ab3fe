"""apply_change: confirm, re-read, compare, lock, journal the intent, call, journal the result, invalidate.

Order matters. A plan already applied answers its recorded result and sends nothing. Then the login,
the actor (a plan applies only for whoever made it), the write mode, the confirmation and the bound on
applies per minute; then, holding the project's lock, every touched object is read again without the
cache and compared with the plan's fingerprints -- any difference refuses in one sentence. The journal's
intent is written before the first upstream call and its result after the last; the cache entries the
change makes stale are dropped, so the next read shows it. A plan whose calls fail half-way says what now
exists upstream and how to finish or undo it.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.answers.writes.confirm import Answer, Question, check, question_for
from personalize_mcp.answers.writes.fingerprints import FreshReads, changed_subjects
from personalize_mcp.answers.writes.plans import ApplyResult, StoredPlan
from personalize_mcp.answers.writes.service import (
    APPLIED_TTL,
    WriteService,
    applied_key,
    load_plan,
    plan_key,
)
from personalize_mcp.answers.writes.steps import Run, run_steps
from personalize_mcp.runtime.errors import InvalidInputError, UserFacingError, bounded
from personalize_mcp.runtime.ids import validate_identifier

_CHECK_WITH = {"audience": "get_all_audiences", "attribute": "list_attributes", "event": "list_events",
               "priority": "get_experiences_priority"}  # fmt: skip


async def recorded_result(service: WriteService, plan_id: str) -> ApplyResult | None:
    """What a plan's first apply answered (raised again when it failed half-way); None when never applied."""
    raw = await service.store.get(applied_key(plan_id))
    if raw is None:
        return None
    data = json.loads(raw)
    if "error" in data:
        raise InvalidInputError(str(data["error"]))
    return ApplyResult.model_validate(data)


async def question(service: WriteService, plan_id: str) -> Question | None:
    """What to ask the person before applying `plan_id`; None when nothing is to be asked (the plan is applied
    already, unknown or expired: apply_change then answers that without asking)."""
    try:
        if await recorded_result(service, validate_identifier("plan_id", plan_id)) is not None:
            return None
        return question_for(await load_plan(service.store, plan_id))
    except UserFacingError:
        return None


async def apply_change(service: WriteService, plan_id: str, answer: Answer, *, client: str | None) -> ApplyResult:
    plan_id = validate_identifier("plan_id", plan_id)
    recorded = await recorded_result(service, plan_id)
    if recorded is not None:
        return recorded
    plan = await load_plan(service.store, plan_id)
    service.check_can_write()
    if service.actor() != plan.actor:
        raise InvalidInputError(f"Plan {plan_id} was made by {plan.actor.words()}, and only they can apply it; plan "
                                "the change again as yourself.")  # fmt: skip
    service.check_mode(plan.needs_all)
    confirmed = await check(service.store, plan, answer, service.settings.confirm)
    service.count_apply()
    async with service.project_lock(plan.project_uid):
        recorded = await recorded_result(service, plan_id)  # an apply of the same plan that held the lock first
        if recorded is not None:
            return recorded
        await _unchanged_since(service, plan)
        return await _apply(service, plan, confirmed, client)


async def _unchanged_since(service: WriteService, plan: StoredPlan) -> None:
    now = await FreshReads(service.lookups, plan.project_uid).fingerprints(plan.fingerprints)
    changed = changed_subjects(plan.fingerprints, now)
    if changed:
        names = {f"{r.subject.kind}:{r.subject.uid}": r.subject.name for r in plan.result.changes}
        shown = ", ".join(_subject_words(key, names) for key in changed[:3])
        raise InvalidInputError(bounded(f"{shown} changed since the plan, so nothing was written; call plan_change "
                                        "again to plan it against what is there now."))  # fmt: skip


def _subject_words(key: str, names: dict[str, str | None]) -> str:
    kind, _, uid = key.partition(":")
    if kind == "versions":
        return f"the versions of experience {uid}"
    if kind.startswith("uses-"):
        return f"what uses {kind.removeprefix('uses-')} {uid}"
    name = names.get(key)
    return f"the {kind} {name!r} ({uid})" if name else f"the {kind} {uid}".strip()


async def _apply(service: WriteService, plan: StoredPlan, confirmed: str, client: str | None) -> ApplyResult:
    change_id = f"chg-{secrets.token_hex(8)}"
    book = service.book
    await service.journal.append(book, _intent(service, plan, change_id, confirmed, client))
    run = await run_steps(service.lookups, plan.project_uid, plan.steps)
    _invalidate(service, plan, run)
    outcome = (
        "applied" if run.failed is None else "partial" if run.done else "unknown" if run.outcome_unknown else "failed"
    )
    sentence = None if run.failed is None else _failure(plan, run, change_id, outcome)
    await service.journal.append(book, {"type": "result", "change_id": change_id, "at": _now(), "outcome": outcome,
                                           "error": sentence, **run.entry()})  # fmt: skip
    if sentence is not None:
        if outcome != "failed":  # something may exist upstream now: the plan is spent
            await service.store.set(
                applied_key(plan.plan_id), json.dumps({"error": sentence}).encode(), ttl=APPLIED_TTL
            )
            await service.store.delete(plan_key(plan.plan_id))
        raise InvalidInputError(sentence)
    result = ApplyResult(
        change_id=change_id,
        plan_id=plan.plan_id,
        applied=True,
        summary=f"Applied: {plan.result.summary}",
        subjects=[
            SubjectRef(kind=d.step.subject.kind, uid=d.uid or d.step.subject.uid, name=d.step.subject.name)
            for d in run.done
        ],
        undo=f"call undo_change with change_id {change_id}" + (f" ({plan.cannot_undo})" if plan.cannot_undo else ""),
    )
    await service.store.set(applied_key(plan.plan_id), result.model_dump_json().encode(), ttl=APPLIED_TTL)
    await service.store.delete(plan_key(plan.plan_id))
    return result


def _intent(
    service: WriteService, plan: StoredPlan, change_id: str, confirmed: str, client: str | None
) -> dict[str, Any]:
    return {
        "type": "intent",
        "change_id": change_id,
        "plan_id": plan.plan_id,
        "at": _now(),
        "project_uid": plan.project_uid,
        "action": plan.result.action,
        "summary": plan.result.summary,
        "actor": plan.actor.model_dump(),
        "client": client or plan.client,
        "confirmed_by": confirmed,
        "undoes": plan.result.undoes,
        "plan": plan.result.model_dump(mode="json", exclude={"confirmation": {"token"}}),
        "steps": [s.model_dump(mode="json") for s in plan.steps],
        "before": plan.before,
        "cannot_undo": plan.cannot_undo,
        "evidence": plan.evidence,
    }


def _invalidate(service: WriteService, plan: StoredPlan, run: Run) -> None:
    """Drop exactly what the change made stale (keys naming a created object resolved to its uid)."""
    created = [d.uid for d in run.done]
    for key in plan.stale:
        service.lookups.forget(tuple(_resolved(part, created) for part in key))
    for done in run.done:
        if done.step.call in ("create_experience", "create_version", "update_version", "delete_version"):
            experience = done.uid if done.step.call == "create_experience" else _resolved(done.step.uid or "", created)
            if experience is None:
                continue
            service.lookups.forget(("versions", plan.project_uid, experience))
            service.lookups.forget(("experience", plan.project_uid, experience))


def _resolved(part: str, created: list[str | None]) -> str:
    if part.startswith("$") and part[1:].split(".")[0].isdigit():
        index = int(part[1:].split(".")[0])
        return created[index] or part if index < len(created) else part
    return part


def _failure(plan: StoredPlan, run: Run, change_id: str, outcome: str) -> str:
    """One sentence, what matters first (a bounded sentence is cut at its end): what exists, how to go on."""
    failed, error = run.failed, run.error
    assert failed is not None
    assert error is not None
    status = getattr(error, "status", None)
    short = (f"HTTP {status}" if status else "no answer") + (", outcome unknown" if run.outcome_unknown else "")
    if outcome == "failed":
        return bounded(f"Nothing was written: {_clause(str(error))}.")
    if outcome == "unknown":
        tool = _CHECK_WITH.get(failed.subject.kind, "get_all_versions")
        return bounded(f"Whether '{failed.words}' took effect is unknown ({short}); check with {tool} before planning "
                       f"again (change {change_id} records it).")  # fmt: skip
    first = run.done[0]
    if first.step.call == "create_experience":
        exists = (
            f"experience {first.uid} exists with an empty draft: finish it with edit_draft, or undo_change "
            f"{change_id} deletes it"
        )
    elif first.step.call == "create_version":
        exists = (
            f"draft {first.uid} exists but is not active: activate_draft finishes it, or undo_change {change_id} "
            "deletes it"
        )
    else:
        made = ", ".join(f"{d.step.words} ({d.uid})" for d in run.done)
        exists = f"{made} succeeded: undo_change {change_id} reverses it"
    return bounded(f"Half applied: {exists}; '{failed.words}' failed ({short}).")


def _clause(text: str) -> str:
    return text.strip().rstrip(".") or "it failed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")  # one width always: list_changes orders by it
