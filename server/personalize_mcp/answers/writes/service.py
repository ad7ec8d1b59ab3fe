"""What the MCP face holds when writes are on: settings, the store, the journal, locks and the apply bound.

Plans and approvals live in the key-value store (`store/`: SQLite under `PERSONALIZE_MCP_HOME` by default,
so `personalize-mcp approve` in a terminal reaches the server; Redis for replicas), the journal in files.
One apply at a time per project: an in-process lock, and a lease in the same store (a lease rather than a
lock file: it holds across server processes on one machine through SQLite, and across replicas through
Redis; a crashed holder's lease runs out after `LEASE_SECONDS`). At most `max_applies_per_minute` applies
a minute per process bound a runaway loop.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.writes.journal import Journal
from personalize_mcp.answers.writes.plans import Actor, StoredPlan
from personalize_mcp.auth.protocol import WRITE_SCOPE
from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.contentstack.write_failures import LOGIN_WITH_WRITES
from personalize_mcp.runtime.errors import InvalidInputError, NotConnectedError, NotFoundError
from personalize_mcp.runtime.ids import validate_identifier
from personalize_mcp.runtime.plurals import count
from personalize_mcp.store.protocol import KeyValueStore

LEASE_SECONDS = 60.0
LOCK_WAIT_SECONDS = 10.0
APPLIED_TTL = 7 * 24 * 3600.0
"""How long a plan's recorded result answers a second apply_change."""


def plan_key(plan_id: str) -> str:
    return f"plans/{plan_id}"


def applied_key(plan_id: str) -> str:
    return f"applied/{plan_id}"


async def load_plan(store: KeyValueStore, plan_id: str) -> StoredPlan:
    """A stored plan; one sentence when it is unknown or expired (both read the same: gone)."""
    plan_id = validate_identifier("plan_id", plan_id)
    raw = await store.get(plan_key(plan_id))
    if raw is None:
        raise NotFoundError(
            f"Plan {plan_id} is unknown or has expired (plans last 10 minutes); call plan_change again."
        )
    return StoredPlan.model_validate_json(raw)


class WriteService:
    def __init__(
        self,
        lookups: Lookups,
        settings: WriteSettings,
        store: KeyValueStore,
        journal: Journal,
        *,
        clock: Callable[[], float] = time.monotonic,
        team_book: bool = False,
    ) -> None:
        self.lookups = lookups
        self.settings = settings
        self.store = store
        self.journal = journal
        self.team_book = team_book
        """The journal is the organisation's (a shared server where each person acts as themselves), not the
        stored account's."""
        self._clock = clock
        self._locks: dict[str, anyio.Lock] = {}
        self._applies: deque[float] = deque()

    def actor(self) -> Actor:
        facts = self.lookups.connection_facts()
        return Actor(account=facts.account, organization_uid=facts.organization_uid, user=facts.user)

    @property
    def account(self) -> str:
        return self.lookups.connection_facts().account or "none"

    @property
    def book(self) -> str:
        """Whose journal a change goes to and list_changes / undo_change read: the organisation's on a shared
        server, else the stored account's."""
        if self.team_book:
            return f"organisation {self.lookups.connection_facts().organization_uid or 'none'}"
        return self.account

    def check_can_write(self) -> None:
        """The login must be connected and hold `personalize:manage`; else one sentence."""
        facts = self.lookups.connection_facts()
        if not facts.connected:
            raise NotConnectedError(
                facts.problem or "No Contentstack account is connected; run `personalize-mcp login`."
            )
        if not facts.can_write:
            raise InvalidInputError(
                f"The login of account '{facts.account}' cannot write: it was not granted {WRITE_SCOPE}; run "
                f"`{LOGIN_WITH_WRITES}` (then restart the server)."
            )

    def check_mode(self, needs_all: str | None) -> None:
        if self.settings.mode == "drafts" and needs_all:
            raise InvalidInputError(
                f"This server allows only changes no visitor sees (`serve --writes drafts`), and this one {needs_all}; "
                "restart it with `--writes all` to make it."
            )

    def count_apply(self) -> None:
        """One more apply this minute, or one sentence once the bound is reached."""
        now = self._clock()
        while self._applies and self._applies[0] <= now - 60:
            self._applies.popleft()
        limit = self.settings.max_applies_per_minute
        if len(self._applies) >= limit:
            raise InvalidInputError(
                f"This server has applied {count(limit, 'change')} in the last minute, its limit (serve "
                "--max-applies-per-minute); nothing was written -- check that no loop is applying changes, then wait."
            )
        self._applies.append(now)

    @asynccontextmanager
    async def project_lock(self, project: str) -> AsyncIterator[None]:
        """One apply at a time per project: in this process, then across processes (a lease in the store)."""
        key = f"locks/{project}"  # per project, whoever applies: two people never apply to one project at once
        lock = self._locks.setdefault(key, anyio.Lock())
        owner = secrets.token_hex(8).encode()
        with anyio.move_on_after(LOCK_WAIT_SECONDS) as waited:
            await lock.acquire()
        if waited.cancelled_caught:
            raise self._busy(project)
        try:
            deadline = self._clock() + LOCK_WAIT_SECONDS
            while not await self.store.add(key, owner, ttl=LEASE_SECONDS):
                if self._clock() > deadline:
                    raise self._busy(project)
                await anyio.sleep(0.1)
            try:
                yield
            finally:
                await self.store.compare_and_set(key, owner, None)
        finally:
            lock.release()

    @staticmethod
    def _busy(project: str) -> InvalidInputError:
        return InvalidInputError(
            f"Another change to project {project} is being applied (by this or another server process); nothing "
            "was written -- try again in a moment."
        )
