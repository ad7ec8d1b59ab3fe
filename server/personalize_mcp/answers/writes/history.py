"""list_changes: the journal of the account, newest first, one entry per applied (or attempted) change."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.answers.writes.journal import fold
from personalize_mcp.answers.writes.plans import Actor
from personalize_mcp.answers.writes.service import WriteService


class ChangeEntry(ResultModel):
    change_id: str = Field(description="The change (undo_change takes it).")
    plan_id: str | None = Field(default=None, description="The plan it applied.")
    project_uid: str | None = Field(default=None, description="Where.")
    action: str | None = Field(default=None, description="What kind of change.")
    summary: str | None = Field(default=None, description="The change in one sentence.")
    applied_at: str | None = Field(default=None, description="When it was applied (its intent was journaled).")
    actor: str | None = Field(default=None, description="Who applied it: the login's user, account, organisation.")
    outcome: str = Field(description="applied, partial (half applied: see error), failed (nothing written) or unknown "
                         "(no result recorded: the server stopped while applying it).")  # fmt: skip
    error: str | None = Field(default=None, description="What went wrong, when it did.")
    undoes: str | None = Field(default=None, description="The change this one undid, if it is an undo.")
    undone_by: str | None = Field(description="The change that undid this one, or null.")


class ChangesResult(Paged):
    changes: list[ChangeEntry] = Field(description="The journal's changes, newest first (this page).")


async def list_changes(
    service: WriteService,
    project_uid: str | None,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> ChangesResult:
    project = await service.lookups.resolve_project(project_uid) if project_uid else None
    args = list_args(f"list_changes:{service.book}:{project or ''}", query=query, limit=limit, cursor=cursor)
    entries = [
        _entry(change_id, slot) for change_id, slot in fold(await service.journal.entries(service.book)).items()
    ]
    entries = [e for e in entries if project is None or e.project_uid == project]
    keyed = sorted((_newest_first(e), e) for e in entries)
    catalogue = Catalogue.in_key_order(keyed, search=lambda e: (e.summary, e.change_id, e.action, e.plan_id))
    page = catalogue.page(args, "changes", tool="list_changes")
    return ChangesResult(changes=page.items, **page.fields())


_INVERTED = str.maketrans("0123456789", "9876543210")


def _newest_first(entry: ChangeEntry) -> str:
    """Each change's own key, newest first: a cursor names a change, not a place, so a change applied while
    someone pages does not shift the pages (every applied_at is UTC ISO 8601 of one width)."""
    return f"{(entry.applied_at or '').translate(_INVERTED)}/{entry.change_id}"


def _entry(change_id: str, slot: dict[str, Any]) -> ChangeEntry:
    intent: dict[str, Any] = slot["intent"] or {}
    result: dict[str, Any] = slot["result"] or {}
    actor = intent.get("actor") or {}
    who = Actor.model_validate(actor).words() if actor else None
    return ChangeEntry(
        change_id=change_id,
        plan_id=intent.get("plan_id"),
        project_uid=intent.get("project_uid"),
        action=intent.get("action"),
        summary=intent.get("summary"),
        applied_at=intent.get("at"),
        actor=who,
        outcome=result.get("outcome") or "unknown",
        error=result.get("error"),
        undoes=intent.get("undoes"),
        undone_by=slot["undone_by"],
    )
