"""The cached, single-flight reads every subject shares: the only way answers reach upstream.

One `Lookups` per account (an HTTP server's sessions share it). Lists are cached for the TTL,
keyed by account and project or stack, so accounts never see each other's data; identical reads
in flight share one request. Single items come from a fresh cached list when there is one. A
failed read is re-raised with the context only this layer knows: which project, experience,
stack or group was wrong, and which tool lists the valid ids. The connection's facts and the
account-wide reads (projects, locations, stacks) are its base's, `AccountLookups`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from personalize_mcp.answers.account_lookups import AccountLookups
from personalize_mcp.answers.upstream_errors import (
    experience_error,
    project_error,
    stack_not_found,
    variant_group_error,
)
from personalize_mcp.auth.protocol import Credentials
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.errors import (
    PermissionDeniedError,
    UpstreamError,
    UpstreamNotFoundError,
    UpstreamRejectedError,
    is_definite_refusal,
)
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, TimeSeries
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.cms_variants import CMSVariant, VariantGroup
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.rules.subjects import ListedAttributes
from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE
from personalize_mcp.runtime.errors import NotFoundError, UserFacingError

if TYPE_CHECKING:  # the write calls are imported only when writes are on
    from personalize_mcp.contentstack.personalize_writes import PersonalizeWrites

logger = logging.getLogger(__name__)

DEFAULT_CACHE_TTL = 30.0
_MAX_REMEMBERED_REFUSALS = 1024
ATTRIBUTES_REFUSAL_SECONDS = 300.0
"""How long a definite refusal of `GET /attributes` is believed before the API is asked again."""
_STACK_ERRORS = (UpstreamNotFoundError, UpstreamRejectedError, PermissionDeniedError)
_NO_NAMES: Mapping[str, str] = MappingProxyType({})


def listed_names(attributes: Sequence[Attribute]) -> Mapping[str, str]:
    """Custom attribute uid -> name; from a list that holds any attribute, `ListedAttributes`, so a rule on an
    attribute the list lacks says it was deleted (an empty list proves nothing: some APIs list none)."""
    names = {a.uid: name for a in attributes if (name := a.display_name)}
    if not attributes:
        return names
    return ListedAttributes(names, [*(a.uid for a in attributes), *(a.key for a in attributes if a.key)])


class Lookups(AccountLookups):
    """Everything the answers may read, for one Contentstack account."""

    def __init__(
        self,
        personalize: PersonalizeAPI,
        cms: CMSAPI,
        *,
        credentials: Credentials,
        default_project_uid: str | None = None,
        cache: TTLCache | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        now: Callable[[], datetime] | None = None,
        region: str | None = None,
        writes: PersonalizeWrites | None = None,
        write_mode: str = "off",
    ) -> None:
        self._personalize = personalize
        self._writes = writes
        self.write_mode = write_mode
        self._region = region
        self._now = now
        self._cms = cms
        self._credentials = credentials
        self._default_project_uid = default_project_uid
        super().__init__(cache or TTLCache(DEFAULT_CACHE_TTL), lambda: credentials.account_name)
        self._deadline = deadline
        self._attributes_refused: dict[tuple[str, str], float] = {}
        """(account, project) pairs whose `GET /attributes` was refused definitely (a 4xx other than
        408/429), and until when that is believed (per project: an unknown project is refused too, and
        must not hide another's names; per account: one person's role must not hide them from another;
        for minutes, not for good: one refusal may have been a passing one)."""
        self.attribute_refusal_seconds = ATTRIBUTES_REFUSAL_SECONDS
        self._clock: Callable[[], float] = time.monotonic

    # ---- Personalize ---------------------------------------------------------------------------

    async def audiences(self, project_uid: str, *, fresh: bool = False) -> list[Audience]:
        try:
            return await self._cached(
                ("audiences", project_uid), lambda: self._personalize.list_audiences(project_uid), fresh=fresh
            )
        except _STACK_ERRORS as error:
            raise await project_error(self, project_uid, error, "audiences") from None

    async def attribute_names(self, project_uid: str) -> Mapping[str, str]:
        """Custom attribute uid -> name, to make rules readable; {} when they cannot be read.

        Names are a nicety (`GET /attributes` is in Contentstack's API reference but not in
        contentstack-api.md): an account without access to it, or an API without it, still gets
        every answer, with attribute uids in the rules. A definite "no" (404, 403, 4xx) is
        remembered for `attribute_refusal_seconds`, so such an API is asked once per project every
        few minutes, not once per audience lookup; anything else (5xx, 429, a timeout) is not.
        """
        refusal_key = (self._account_name(), project_uid)
        until = self._attributes_refused.get(refusal_key)
        if until is not None:
            if self._clock() < until:
                return _NO_NAMES
            del self._attributes_refused[refusal_key]

        try:
            attributes = await self._cached(
                ("attributes", project_uid), lambda: self._personalize.list_attributes(project_uid)
            )
        except UserFacingError as error:
            if is_definite_refusal(error):
                if len(self._attributes_refused) >= _MAX_REMEMBERED_REFUSALS:
                    self._attributes_refused.clear()  # many unknown project uids: never grow without bound
                self._attributes_refused[refusal_key] = self._clock() + self.attribute_refusal_seconds
            logger.info("Custom attribute names unavailable for project %s (%s)", project_uid, type(error).__name__)
            return _NO_NAMES
        return self.derived(("attribute-names", project_uid), (attributes,), lambda: listed_names(attributes))

    async def attributes(self, project_uid: str, *, fresh: bool = False) -> list[Attribute]:
        """Every attribute of the project, preset and custom (the same cached read as `attribute_names`)."""
        try:
            return await self._cached(
                ("attributes", project_uid), lambda: self._personalize.list_attributes(project_uid), fresh=fresh
            )
        except _STACK_ERRORS as error:
            raise await project_error(self, project_uid, error, "attributes") from None

    async def events(self, project_uid: str, *, fresh: bool = False) -> list[Event]:
        try:
            return await self._cached(
                ("events", project_uid), lambda: self._personalize.list_events(project_uid), fresh=fresh
            )
        except _STACK_ERRORS as error:
            raise await project_error(self, project_uid, error, "events") from None

    async def priority(self, project_uid: str, *, fresh: bool = False) -> list[str]:
        """Experience uids, highest priority first (`GET /experiences-priority`)."""
        try:
            return await self._cached(
                ("priority", project_uid), lambda: self._personalize.get_experiences_priority(project_uid), fresh=fresh
            )
        except _STACK_ERRORS as error:
            raise await project_error(self, project_uid, error, "experience priority") from None

    async def audience_set(self, project_uid: str) -> tuple[list[Audience], Mapping[str, str]]:
        """A project's audiences and the names their rules need, fetched side by side."""
        audiences, names = await gather(lambda: self.audiences(project_uid), lambda: self.attribute_names(project_uid))
        return audiences, names

    async def experiences(self, project_uid: str, *, fresh: bool = False) -> list[Experience]:
        try:
            return await self._cached(
                ("experiences", project_uid), lambda: self._personalize.list_experiences(project_uid), fresh=fresh
            )
        except _STACK_ERRORS as error:
            raise await project_error(self, project_uid, error, "experiences") from None

    async def experiences_or_empty(self, project_uid: str) -> list[Experience]:
        """Experience names make answers readable, but they are not worth failing an answer over."""
        try:
            return await self.experiences(project_uid)
        except UpstreamError:
            return []

    async def experience(self, project_uid: str, experience_uid: str, *, fresh: bool = False) -> Experience:
        """One experience: from a fresh cached list when there is one (unless `fresh`), else its own GET."""
        listed: list[Experience] = [] if fresh else self._fresh(("experiences", project_uid)) or []
        found = next((e for e in listed if e.uid == experience_uid), None)
        if found is not None:
            return found
        try:
            return await self._cached(
                ("experience", project_uid, experience_uid),
                lambda: self._personalize.get_experience(project_uid, experience_uid),
                fresh=fresh,
            )
        except _STACK_ERRORS as error:
            raise await experience_error(self, project_uid, experience_uid, error) from None

    async def versions(self, project_uid: str, experience_uid: str, *, fresh: bool = False) -> list[Version]:
        try:
            return await self._cached(
                ("versions", project_uid, experience_uid),
                lambda: self._personalize.list_versions(project_uid, experience_uid),
                fresh=fresh,
            )
        except _STACK_ERRORS as error:
            raise await experience_error(self, project_uid, experience_uid, error) from None

    async def analytics_summary(self, project_uid: str, experience_uid: str, version_uid: str) -> AnalyticsSummary:
        """A version's results (`GET /experiences/{uid}/analytics/summary?version=`), cached like the lists."""
        try:
            return await self._cached(
                ("analytics-summary", project_uid, experience_uid, version_uid),
                lambda: self._personalize.get_analytics_summary(project_uid, experience_uid, version_uid),
            )
        except (UpstreamNotFoundError, UpstreamRejectedError):
            raise _no_analytics(experience_uid, version_uid) from None

    async def analytics_time_series(self, project_uid: str, experience_uid: str, version_uid: str) -> TimeSeries:
        """A version's hourly results (`GET /experiences/{uid}/analytics/time-series?version=`)."""
        try:
            return await self._cached(
                ("analytics-series", project_uid, experience_uid, version_uid),
                lambda: self._personalize.get_analytics_time_series(project_uid, experience_uid, version_uid),
            )
        except (UpstreamNotFoundError, UpstreamRejectedError):
            raise _no_analytics(experience_uid, version_uid) from None

    def cached_versions(self, project_uid: str, experience_uid: str) -> list[Version] | None:
        """An experience's versions when a fresh read is cached, else None; never fetches (reads that
        cost nothing go first when a whole project is read)."""
        cached: list[Version] | None = self._fresh(("versions", project_uid, experience_uid))
        return cached

    # ---- CMS -------------------------------------------------------------------------------------

    async def variant_groups(self, stack_api_key: str) -> list[VariantGroup]:
        key = ("variant_groups", stack_api_key)
        try:
            return await self._cached(
                key, self._walk(key, lambda sink: self._cms.list_variant_groups(stack_api_key, on_page=sink))
            )
        except _STACK_ERRORS:
            raise stack_not_found(stack_api_key) from None

    async def variants(self, stack_api_key: str, variant_group_uid: str) -> list[CMSVariant]:
        key = ("variants", stack_api_key, variant_group_uid)
        try:
            return await self._cached(
                key,
                self._walk(key, lambda sink: self._cms.list_variants(stack_api_key, variant_group_uid, on_page=sink)),
            )
        except _STACK_ERRORS as error:
            raise await variant_group_error(self, stack_api_key, variant_group_uid, error) from None

    def cached_variants(self, stack_api_key: str, variant_group_uid: str) -> list[CMSVariant] | None:
        """A group's variants when a fresh list is cached, else None; never fetches (search looks only
        at groups someone already listed: walking every group's variants would cost a request each)."""
        cached: list[CMSVariant] | None = self._fresh(("variants", stack_api_key, variant_group_uid))
        return cached

    async def cms_variant(self, stack: str, group: str, variant_uid: str) -> CMSVariant:
        """One CMS variant: from a fresh cached list, else its own GET, else the group's list.

        The last also answers for a CMS without the single-variant endpoint, and tells an unknown
        variant from an unknown group or stack.
        """
        listed: list[CMSVariant] = self._fresh(("variants", stack, group)) or []
        found = next((v for v in listed if v.uid == variant_uid), None)
        if found is not None:
            return found
        try:
            return await self._cached(
                ("variant", stack, group, variant_uid), lambda: self._cms.get_variant(stack, group, variant_uid)
            )
        except _STACK_ERRORS:
            variants = await self.variants(stack, group)  # raises the stack or group error first
            found = next((v for v in variants if v.uid == variant_uid), None)
            if found is None:
                raise NotFoundError(
                    f"Variant {variant_uid} was not found in variant group {group}; call list_variants with "
                    f"stack_api_key {stack} and variant_group_uid {group} to list its variants."
                ) from None
            return found


def _no_analytics(experience_uid: str, version_uid: str) -> NotFoundError:
    return NotFoundError(
        f"Contentstack has no results for version {version_uid} of experience {experience_uid}; results exist only "
        "for activated versions (and may lag a minute behind an activation), so check its status with get_all_versions."
    )
