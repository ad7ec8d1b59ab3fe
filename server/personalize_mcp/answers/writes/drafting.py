"""What every planner shares: the context it plans in, the draft it returns, and the small builders.

A planner reads fresh (`Planning.reads`), checks, and returns a `PlanDraft`: the rows in words, the
upstream steps, the keys of what it touches (fingerprinted by `planner`), and whether it is destructive or
needs `serve --writes all`. Refusals are `InvalidInputError` / `NotFoundError`, one sentence each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import TypeAdapter

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.answers.writes.fingerprints import FreshReads
from personalize_mcp.answers.writes.plans import Call, ChangeRow, Step
from personalize_mcp.contentstack.write_bodies import (
    AttributeDraft,
    AudienceDraft,
    EventDraft,
    ExperienceDraft,
    VersionDraft,
)
from personalize_mcp.runtime.errors import NotFoundError, quoted

AnyDraft = AudienceDraft | AttributeDraft | EventDraft | ExperienceDraft | VersionDraft
_DRAFTS: dict[type[Any], TypeAdapter[Any]] = {}
NEW = None
"""A row's subject uid for an object the change creates."""


@dataclass
class Planning:
    """One plan's context: where it plans, and its fresh reads."""

    lookups: Lookups
    project: str
    reads: FreshReads

    async def attribute_names(self) -> Mapping[str, str]:
        return await self.lookups.attribute_names(self.project)


@dataclass
class PlanDraft:
    action: str
    summary: str
    rows: list[ChangeRow]
    steps: list[Step]
    touched: list[str]
    """Fingerprint keys (`fingerprints` module docstring) of everything the change depends on."""
    confirm_name: str
    warnings: list[str] = field(default_factory=list)
    destructive: bool = False
    needs_all: str | None = None
    before: dict[str, Any] = field(default_factory=dict)
    stale: list[tuple[str, ...]] = field(default_factory=list)
    cannot_undo: str | None = None
    evidence: dict[str, Any] | None = None
    undoes: str | None = None


def subject(kind: str, uid: str | None, name: str | None) -> SubjectRef:
    return SubjectRef(kind=kind, uid=uid or "(new)", name=name)


def row(ref: SubjectRef, change: str, before: str | None, after: str | None) -> ChangeRow:
    return ChangeRow(subject=ref, change=change, before=before, after=after)


def draft_json(draft: AnyDraft) -> dict[str, Any]:
    adapter = _DRAFTS.setdefault(type(draft), TypeAdapter(type(draft)))
    data: dict[str, Any] = adapter.dump_python(draft, mode="json")
    return data


def draft_of(kind: type[Any], data: Mapping[str, Any] | None) -> Any:
    adapter = _DRAFTS.setdefault(kind, TypeAdapter(kind))
    return adapter.validate_python(dict(data or {}))


def step(
    call: Call,
    words: str,
    ref: SubjectRef,
    *,
    uid: str | None = None,
    version_uid: str | None = None,
    draft: AnyDraft | None = None,
    order: list[str] | None = None,
) -> Step:
    return Step(
        call=call,
        words=words,
        subject=ref,
        uid=uid,
        version_uid=version_uid,
        draft=draft_json(draft) if draft is not None else None,
        order=order,
    )


def new_version_activated(
    experience_uid: str, ref: SubjectRef, version: VersionDraft, *, created: str, activated: str
) -> list[Step]:
    """The documented way to change what an ACTIVE version shows: a new draft of `version`'s variants,
    then that draft activated (the second call names the first's version as `$0`)."""
    return [
        step("create_version", created, ref, uid=experience_uid, draft=replace(version, status="DRAFT")),
        step(
            "update_version",
            activated,
            ref,
            uid=experience_uid,
            version_uid="$0",
            draft=replace(version, status="ACTIVE"),
        ),
    ]


def named(name: str | None, uid: str) -> str:
    """An object in a sentence: its name quoted (shortened, escaped), else its uid."""
    return quoted(name, 40) if name else uid


def missing(kind: str, uid: str, project: str, tool: str) -> NotFoundError:
    return NotFoundError(f"No {kind} {uid} in project {project}; call {tool} to see them.")


def some(items: list[str], shown: int = 2) -> str:
    head = "; ".join(items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown} more"
