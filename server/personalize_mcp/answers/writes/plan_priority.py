"""Planning `set_priority`: move one experience to a rank, and send the full order (contentstack-api.md §8).

`PUT /experiences-priority` must name every experience of the project, so the order sent is the current
list with the experiences it leaves out appended (in the experience list's order), the one moved taken
out and put at its rank. A priority change decides which experience wins an entry: destructive.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.answers.writes.drafting import PlanDraft, Planning, missing, named, row, step, subject
from personalize_mcp.runtime.errors import InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier
from personalize_mcp.runtime.plurals import count

MAX_ROWS = 25


async def plan_set_priority(
    planning: Planning,
    uid: str | None,
    rank: int | None,
    *,
    order: Sequence[str] | None = None,
    action: str = "set_priority",
) -> PlanDraft:
    """Move `uid` to `rank` (1 = highest); or, with `order` (an undo), restore that order."""
    listed = await planning.reads.priority()
    experiences = await planning.reads.experiences()
    names = {e.uid: e.name for e in experiences}
    current = [u for u in listed if u in names] + [e.uid for e in experiences if e.uid not in listed]
    if order is not None:
        new = [u for u in order if u in names] + [u for u in current if u not in order]
        moved = None
    else:
        moved = validate_identifier("experience_uid", uid)
        if moved not in names:
            raise missing("experience", moved, planning.project, "get_experiences_priority")
        if rank is None or not 1 <= rank <= len(current):
            raise InvalidInputError(f"rank must be between 1 and {len(current)} (the project's experiences).")
        new = [u for u in current if u != moved]
        new.insert(rank - 1, moved)
    if new == listed:
        raise InvalidInputError("The priority is that order already; nothing to change.")
    rows = [
        row(subject("experience", u, names.get(u)), "rank", _rank(current, u, listed), f"rank {n}")
        for n, u in enumerate(new, start=1)
        if u not in listed or current.index(u) + 1 != n
    ]
    warnings = ["Priority decides which experience's variant a visitor gets when several vary the same entry."]
    unlisted = [u for u in current if u not in listed]
    if unlisted:
        warnings.append(
            f"{count(len(unlisted), 'experience')} {'was' if len(unlisted) == 1 else 'were'} not in the priority "
            "list; they are sent after it."
        )
    if len(rows) > MAX_ROWS:
        warnings.append(
            f"{count(len(rows), 'experience')} change rank; the first {MAX_ROWS} are shown here, and the plan sends "
            "the whole order."
        )
    label = named(names.get(moved), moved) if moved else "the earlier order"
    return PlanDraft(
        action=action,
        summary=f"Move {label} to rank {rank}."
        if moved
        else f"Restore the experience priority ({len(new)} experiences).",
        rows=rows[:MAX_ROWS],
        steps=[
            step("set_priority", "set the experience priority", subject("priority", planning.project, None), order=new)
        ],
        touched=["priority"],
        confirm_name=(names.get(moved) or moved) if moved else "priority",
        warnings=warnings,
        destructive=True,
        needs_all="a priority change decides what visitors see",
        before={"priority": list(listed)},
        stale=[("priority", planning.project)],
    )


def _rank(current: list[str], uid: str, listed: list[str]) -> str:
    return f"rank {current.index(uid) + 1}" + ("" if uid in listed else " (not in the priority list)")
