"""Reading many things in one call (every experience's versions, every project's lists) within its deadline.

Why: find_usage and audit_project need the versions of every experience, and Contentstack has no bulk
read -- one `GET /experiences/{uid}/versions` each (contentstack-api.md §2) at 10 requests/s per
organisation. A project of 200 experiences costs 20 s cold; one of 2,000 cannot be read in one call.

How a large project stays within the deadline:
- **Budget.** Reads run until the call's deadline minus a reserve (a fifth of the deadline, at least
  `MIN_RESERVE` s) for building and sending the answer; a read still queued or in flight then is
  cancelled (the rate limiter refuses at once a wait that would end past the budget).
- **Never silent.** Whatever was not read is returned in `missed` with the reason, and every caller
  reports it in its answer (the audit as one finding per experience).
- **Order.** Reads already cached come first (they cost nothing), then the ones the caller names as
  most useful, then ACTIVE, PAUSED, DRAFT and other experiences, ARCHIVED last; so the versions a
  visitor can see are read first, and a call made soon after another continues where it stopped
  (what it read is cached for the cache TTL: with the defaults, about twice what one call reads).
- **Bounded.** At most `CONCURRENCY` reads at a time, progress notified after each one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.deadline import DeadlineExceededError, current_deadline, within_deadline
from personalize_mcp.runtime.errors import UserFacingError
from personalize_mcp.runtime.ids import is_identifier
from personalize_mcp.runtime.progress import advance

T = TypeVar("T")

CONCURRENCY = 8
"""Reads in flight at once: Contentstack's 10 requests/s are the real bound; more would only queue."""
MIN_RESERVE = 2.0
RESERVE_FRACTION = 0.2
NOT_IN_TIME = "not read within this call's time budget"
_STATUS_ORDER = {"ACTIVE": 0, "PAUSED": 1, "DRAFT": 2, "ARCHIVED": 4}


@dataclass(frozen=True, slots=True)
class Gathered(Generic[T]):
    values: dict[str, T]
    """What was read, by key."""
    missed: dict[str, str]
    """What was not, by key: why (`NOT_IN_TIME`, or the one-sentence error of its read)."""


def budget_seconds() -> float | None:
    """Seconds this call may spend reading before it must build its answer (None: no deadline)."""
    deadline = current_deadline()
    if deadline is None:
        return None
    reserve = max(MIN_RESERVE, RESERVE_FRACTION * deadline.seconds)
    return max(0.0, deadline.remaining() - reserve)


async def gather_within(
    calls: Sequence[tuple[str, Callable[[], Awaitable[T]]]], *, what: str, concurrency: int | None = None
) -> Gathered[T]:
    """Run `calls` (key, read) in order, `concurrency` at a time, until done or out of budget.

    A read that fails with a one-sentence error is missed with that sentence; the rest go on.
    """
    values: dict[str, T] = {}
    missed: dict[str, str] = {}
    pending = iter(calls)
    total = len(calls)
    done = 0

    async def worker() -> None:
        nonlocal done
        for key, call in pending:
            try:
                values[key] = await call()
            except DeadlineExceededError:
                missed[key] = NOT_IN_TIME
                return  # the budget is spent: reads after this one could not finish either
            except UserFacingError as error:
                missed[key] = error.message.rstrip(".")
            done += 1
            await advance(done, total, f"Read {what}: {done} of {total}")

    if calls:
        try:
            with within_deadline(budget_seconds()):
                async with anyio.create_task_group() as group:
                    for _ in range(min(concurrency or CONCURRENCY, total)):
                        group.start_soon(worker)
        except DeadlineExceededError:
            pass  # the budget ended: what was not read is reported below
    for key, _ in calls:
        if key not in values:
            missed.setdefault(key, NOT_IN_TIME)
    return Gathered(values, missed)


def reading_order(
    lookups: Lookups, project: str, experiences: Iterable[Experience], first: Collection[str] = ()
) -> list[Experience]:
    """Cached first, then `first`, then by status (live ones before archived), then by uid."""

    def rank(experience: Experience) -> tuple[int, int, int, str]:
        cached = lookups.cached_versions(project, experience.uid) is not None
        status = _STATUS_ORDER.get((experience.status or "").upper(), 3)
        return (0 if cached else 1, 0 if experience.uid in first else 1, status, experience.uid)

    return sorted(experiences, key=rank)


async def read_versions(
    lookups: Lookups, project: str, experiences: Sequence[Experience], first: Collection[str] = ()
) -> Gathered[list[Version]]:
    """Every experience's versions, by experience uid, within the budget (see the module docstring)."""
    readable: list[Experience] = []
    invalid: dict[str, str] = {}
    for experience in reading_order(lookups, project, experiences, first):
        if is_identifier(experience.uid):
            readable.append(experience)
        else:  # upstream ids go into URLs: never one that is not a plain identifier
            invalid[experience.uid] = "its uid is not a valid identifier, so its versions were not asked for"

    def read(uid: str) -> Callable[[], Awaitable[list[Version]]]:
        return lambda: lookups.versions(project, uid)

    gathered = await gather_within([(e.uid, read(e.uid)) for e in readable], what="experience versions")
    return Gathered(gathered.values, {**gathered.missed, **invalid})
