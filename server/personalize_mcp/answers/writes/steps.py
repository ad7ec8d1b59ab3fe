"""Sending a plan's steps: each one upstream call, in order, stopping at the first failure.

A step may name what an earlier one created (`$n`: its uid; `$n.draft`: the draft an experience was
created with). When an answer leaves out the created object's uid, the object is found by a read (the
experience's DRAFT version). What each step did -- or how it failed, and whether its outcome is known --
is kept for the journal, the report of a half-applied plan and its undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.versions import DRAFT, select_version
from personalize_mcp.answers.writes.drafting import draft_of
from personalize_mcp.answers.writes.fingerprints import dumped
from personalize_mcp.answers.writes.plans import Step
from personalize_mcp.contentstack.personalize_writes import PersonalizeWrites
from personalize_mcp.contentstack.write_bodies import (
    AttributeDraft,
    AudienceDraft,
    EventDraft,
    ExperienceDraft,
    VersionDraft,
)
from personalize_mcp.contentstack.write_failures import WriteOutcomeUnknownError
from personalize_mcp.runtime.errors import UserFacingError


@dataclass
class Done:
    step: Step
    uid: str | None = None
    """The object it wrote (its uid: for a create, the new one)."""
    draft_uid: str | None = None
    """create_experience: the empty draft made with it."""
    answer: dict[str, Any] | None = None
    """The object as the answer gave it (the journal's after)."""
    note: str | None = None


@dataclass
class Run:
    done: list[Done] = field(default_factory=list)
    failed: Step | None = None
    error: UserFacingError | None = None

    @property
    def outcome_unknown(self) -> bool:
        return isinstance(self.error, WriteOutcomeUnknownError)

    def entry(self) -> dict[str, Any]:
        """For the journal: each call's outcome (bodies never carry a token: there is none in them)."""
        done = [
            {"call": d.step.call, "words": d.step.words, "uid": d.uid, "draft_uid": d.draft_uid, "answer": d.answer}
            | ({"note": d.note} if d.note else {})
            for d in self.done
        ]
        failed: dict[str, Any] | None = None
        if self.failed is not None:
            failed = {"call": self.failed.call, "words": self.failed.words, "error": str(self.error)}
            failed["outcome_unknown"] = self.outcome_unknown
        return {"done": done, "failed": failed}


def _ref(value: str | None, done: list[Done]) -> str:
    if value is None or not value.startswith("$"):
        return value or ""
    index, _, part = value[1:].partition(".")
    earlier = done[int(index)]
    found = earlier.draft_uid if part == "draft" else earlier.uid
    if not found:
        raise UserFacingError(f"Contentstack's answer to '{earlier.step.words}' did not name what it created.")
    return found


async def run_steps(lookups: Lookups, project: str, steps: list[Step]) -> Run:
    run = Run()
    for step in steps:
        try:
            run.done.append(await _send(lookups, lookups.writes, project, step, run.done))
        except UserFacingError as error:
            run.failed, run.error = step, error
            break
    return run


async def _send(lookups: Lookups, writes: PersonalizeWrites, project: str, step: Step, done: list[Done]) -> Done:
    uid = _ref(step.uid, done)
    call = step.call
    if call == "create_audience":
        audience = await writes.create_audience(project, draft_of(AudienceDraft, step.draft))
        return Done(step, audience.uid if audience else None, answer=dumped(audience))
    if call == "update_audience":
        return Done(
            step, uid, answer=dumped(await writes.update_audience(project, uid, draft_of(AudienceDraft, step.draft)))
        )
    if call == "create_attribute":
        attribute = await writes.create_attribute(project, draft_of(AttributeDraft, step.draft))
        return Done(step, attribute.uid if attribute else None, answer=dumped(attribute))
    if call == "update_attribute":
        return Done(
            step, uid, answer=dumped(await writes.update_attribute(project, uid, draft_of(AttributeDraft, step.draft)))
        )
    if call == "create_event":
        event = await writes.create_event(project, draft_of(EventDraft, step.draft))
        return Done(step, event.uid if event else None, answer=dumped(event))
    if call == "update_event":
        return Done(step, uid, answer=dumped(await writes.update_event(project, uid, draft_of(EventDraft, step.draft))))
    if call == "create_experience":
        experience = await writes.create_experience(project, draft_of(ExperienceDraft, step.draft))
        if experience is None:
            raise UserFacingError("Contentstack's answer to creating the experience did not name it.")
        draft_uid = experience.latest_version or await _draft_uid(lookups, project, experience.uid)
        return Done(step, experience.uid, draft_uid=draft_uid, answer=dumped(experience))
    if call == "update_experience":
        draft = draft_of(ExperienceDraft, step.draft)
        return Done(step, uid, answer=dumped(await writes.update_experience(project, uid, draft)))
    if call == "create_version":
        version = await writes.create_version(project, uid, draft_of(VersionDraft, step.draft))
        created = version.uid if version else await _draft_uid(lookups, project, uid)
        return Done(step, created, answer=dumped(version))
    if call == "update_version":
        version_uid = _ref(step.version_uid, done)
        written = await writes.update_version(project, uid, version_uid, draft_of(VersionDraft, step.draft))
        note = None if written.short_uids_sent else "shortUid refused on PUT: sent without it"
        return Done(step, version_uid, answer=dumped(written.version), note=note)
    if call == "delete_version":
        version_uid = _ref(step.version_uid, done)
        await writes.delete_version(project, uid, version_uid)
        return Done(step, version_uid)
    if call == "set_priority":
        await writes.set_priority(project, list(step.order or []))
        return Done(step, project, answer={"priorityOrder": step.order})
    deletes = {
        "delete_audience": writes.delete_audience,
        "delete_attribute": writes.delete_attribute,
        "delete_event": writes.delete_event,
        "delete_experience": writes.delete_experience,
    }
    await deletes[call](project, uid)
    return Done(step, uid)


async def _draft_uid(lookups: Lookups, project: str, experience_uid: str) -> str | None:
    """When an answer leaves out the draft it made: the experience's DRAFT version, read fresh."""
    draft = select_version(await lookups.versions(project, experience_uid, fresh=True), DRAFT)
    return draft.uid if draft else None
