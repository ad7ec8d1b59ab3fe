"""Where an audience, attribute or event is used (find_usage's answer), and what that means for a change.

A delete of something still used is refused, naming where; an update of something a running (ACTIVE)
version uses is destructive -- live at once -- and needs `serve --writes all`. Uses by ARCHIVED versions
hold nothing back (a warning says they will point at nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from personalize_mcp.answers.insights.usage import find_usage
from personalize_mcp.answers.insights.usage_entries import UsageEntry
from personalize_mcp.answers.writes.drafting import Planning, some
from personalize_mcp.runtime.errors import InvalidInputError, quoted

MAX_USES = 500
LIVE = "ACTIVE"


@dataclass(frozen=True, slots=True)
class Uses:
    entries: list[UsageEntry]
    running_experiences: frozenset[str]
    """Experiences with an ACTIVE version (what an event's metric entries are judged by)."""

    def _version_status(self, entry: UsageEntry) -> str | None:
        if entry.version_status is not None:
            return entry.version_status
        if entry.kind == "experience":  # an event's metric: the experience's own status
            return LIVE if entry.uid in self.running_experiences else "NOT RUNNING"
        return None

    @property
    def live(self) -> list[UsageEntry]:
        """Uses by ACTIVE versions: a change to the subject shows to visitors at once."""
        return [e for e in self.entries if self._version_status(e) == LIVE]

    @property
    def holding(self) -> list[UsageEntry]:
        """Uses that keep it from being deleted: any but an ARCHIVED version's (an audience's rules count)."""
        return [e for e in self.entries if self._version_status(e) != "ARCHIVED"]

    @property
    def archived(self) -> list[UsageEntry]:
        return [e for e in self.entries if self._version_status(e) == "ARCHIVED"]


async def uses_of(planning: Planning, uid: str) -> Uses:
    """Everything that uses `uid` (find_usage's entries, every page), after the plan's fresh reads.

    Uses not read in time are never taken for "not used": that would let a delete through, or call a live
    edit harmless; the plan is refused in one sentence instead, and planning again goes on from the cache."""
    entries: list[UsageEntry] = []
    cursor: str | None = None
    while True:
        usage = await find_usage(planning.lookups, planning.project, uid, limit=MAX_USES, cursor=cursor)
        if usage.incomplete is not None:
            unread = usage.incomplete.split(", so uses", 1)[0]
            raise InvalidInputError(
                f"{unread}, so where {uid} is used is not known and nothing was planned; call plan_change again in a "
                "moment (what was read is kept)."
            )
        entries.extend(usage.used_by)
        cursor = usage.next_cursor
        if cursor is None:
            break
    experiences = await planning.reads.experiences()
    running = frozenset(e.uid for e in experiences if (e.status or "").upper() == LIVE)
    return Uses(entries, running)


def where(entries: list[UsageEntry]) -> str:
    """A few uses in words: "'Homepage hero' (ACTIVE version …, variant 0 'Australia')"."""
    return some([f"{quoted(e.name or e.uid, 40)} ({_place(e)})" for e in entries])


def _place(entry: UsageEntry) -> str:
    """find_usage's `where` without its explanations: "ACTIVE version …, variant 0 'Australia'"."""
    return "its rules" if entry.kind == "audience" else entry.where.split(" (", 1)[0][:100]


def refuse_delete_if_used(kind: str, name: str, uses: Uses) -> None:
    holding = uses.holding
    if holding:
        raise InvalidInputError(
            f"The {kind} {name} is still used, so it is not deleted: by {where(holding)}; remove it there first "
            "(find_usage lists every use)."
        )


def live_warning(kind: str, uses: Uses) -> str | None:
    live = uses.live
    if not live:
        return None
    names = some(list(dict.fromkeys(quoted(e.name or e.uid, 40) for e in live)))
    variants = some([re.sub(r"^\w+ version \S+, ", "", _place(e)) for e in live])
    return f"This {kind} is used by the ACTIVE version of {names}: the edit is live at once ({variants})."
