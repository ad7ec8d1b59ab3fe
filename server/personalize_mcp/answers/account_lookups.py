"""What is the account's rather than one project's: its connection's facts and the account-wide reads.

The base of `Lookups`, which sets the connection it reads through: the facts a tool may show
(sandbox or account, calendar, deadline, default project, cache TTL), and the reads scoped to the
account, not to a project or stack: its projects (and which one a call means), the location
catalogue and its stacks. Kept apart from the per-project and per-stack reads, whose failures
need the context only `Lookups` adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from personalize_mcp.answers.memo import AccountMemo
from personalize_mcp.auth.protocol import ConnectionFacts, Credentials
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.models.account import Project, Stack
from personalize_mcp.contentstack.models.audiences import Location
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.personalize_writes import PersonalizeWrites
from personalize_mcp.runtime.errors import ConfigurationError, InvalidInputError, NotFoundError, bounded, quoted
from personalize_mcp.runtime.ids import validate_identifier

_PROJECTS_NAMED = 3
LOCATIONS_TTL = 24 * 3600.0


class AccountLookups(AccountMemo):
    """The connection's facts and the account-wide reads (the attributes below are set by `Lookups`)."""

    _personalize: PersonalizeAPI
    _cms: CMSAPI
    _credentials: Credentials
    _default_project_uid: str | None
    _deadline: float | None
    _now: Callable[[], datetime] | None
    _region: str | None
    _writes: PersonalizeWrites | None
    write_mode: str
    """`serve --writes`: off, drafts or all (get_connection says it)."""

    @property
    def writes(self) -> PersonalizeWrites:
        """The write calls, over the same HTTP path and login as the reads (only when writes are on)."""
        if self._writes is None:
            raise ConfigurationError("Writes are off on this server; start it with `serve --writes drafts` or `all`.")
        return self._writes

    @property
    def cache_ttl(self) -> float:
        """Seconds a lookup is reused before Contentstack is asked again (0: never reused)."""
        return self._cache.ttl

    def connection_facts(self) -> ConnectionFacts:
        """Which connection answers (sandbox or account, organisation, region, user, expiry): no token.

        An account stored without a region of its own is served in the settings' region, so that is the one
        named (as the start-up line names it)."""
        facts = self._credentials.facts()
        if facts.connected and facts.region is None and self._region is not None:
            return replace(facts, region=self._region)
        return facts

    def now(self) -> datetime:
        """The current time (UTC) for answers that count days, e.g. since a version was activated.

        Injected by the connection: the sandbox's calendar stands still, so its verdicts never age.
        """
        current = self._now() if self._now is not None else datetime.now(UTC)
        return current if current.tzinfo is not None else current.replace(tzinfo=UTC)

    @property
    def default_project_uid(self) -> str | None:
        """The project tools use when `project_uid` is omitted (`CONTENTSTACK_PERSONALIZE_PROJECT_ID`)."""
        return self._default_project_uid

    @property
    def deadline(self) -> float | None:
        """Seconds one tool call may take in all, retries and waits included (None: no limit)."""
        return self._deadline

    async def projects(self) -> list[Project]:
        return await self._cached(("projects",), self._personalize.list_projects)

    async def resolve_project(self, project_uid: str | None) -> str:
        """The project to use: the argument, else the configured default, else the only project."""
        if project_uid is not None and project_uid != "":
            return validate_identifier("project_uid", project_uid)
        if self._default_project_uid:
            return self._default_project_uid
        projects = await self.projects()
        if len(projects) == 1:
            return projects[0].uid
        if not projects:
            raise NotFoundError(
                "This organisation has no Personalize projects; create one in Contentstack Personalize first."
            )
        # Upstream names are quoted (escaped, shortened) and only a few are named: a name may hold a
        # newline or an instruction, and an organisation may have hundreds of projects.
        named = [f"{quoted(p.name or '(unnamed)', 20)} ({p.uid})" for p in projects[:_PROJECTS_NAMED]]
        more = len(projects) - len(named)
        listing = ", ".join(named) + (f" and {more} more" if more else "")
        raise InvalidInputError(
            bounded(
                f"This organisation has {len(projects)} Personalize projects, so project_uid is required; "
                f"call list_projects, or pass one of: {listing}."
            )
        )

    async def locations(self, kind: str, country_code: str | None) -> list[Location]:
        """Countries, regions or cities: the same for every project, and they hardly change (kept a day)."""
        scope = country_code if kind != "country" else None
        return await self._cached(
            ("locations", kind, scope or ""),
            lambda: self._personalize.list_locations(kind, scope),
            ttl=LOCATIONS_TTL,
        )

    async def stacks(self) -> list[Stack]:
        org = self._credentials.organization_uid
        if not org:
            await self._credentials.access_token()  # says "not connected" when that is the reason
            raise ConfigurationError(
                "The stored login does not name an organisation, so its stacks cannot be listed; "
                "run `personalize-mcp login` again."
            )
        return await self._cached(("stacks", org), lambda: self._cms.list_stacks(org))
