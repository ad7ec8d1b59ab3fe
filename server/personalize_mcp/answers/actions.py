"""The Personalize connector's six actions and the four lookups, as plain async methods.

Each action validates its identifiers, gathers what it needs from the cached lookups and the
API clients (independent calls in parallel), joins, and answers with a result model. Upstream
failures are re-raised with the context only this layer knows: which project, which experience,
and which tool lists the valid ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from personalize_mcp.answers.joins import (
    ACTIVE,
    DRAFT,
    audiences_by_uid,
    find_variant,
    format_traffic,
    resolve_audiences,
    resolve_version,
    select_version,
    short_uid_of_cms_variant,
    statuses_of,
)
from personalize_mcp.answers.results import (
    AudiencesResult,
    ExperiencesResult,
    ProjectsResult,
    SingleAudienceResult,
    SingleExperienceResult,
    StacksResult,
    VariantAudiencesResult,
    VariantGroupsResult,
    VariantRef,
    VariantsResult,
    VersionRef,
    VersionsResult,
)
from personalize_mcp.answers.views import (
    audience_view,
    experience_view,
    project_view,
    stack_view,
    variant_group_view,
    variant_view,
    version_view,
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
from personalize_mcp.contentstack.models import (
    Audience,
    CMSVariant,
    Experience,
    PersonalizeMetadata,
    Project,
    Stack,
    VariantGroup,
    Version,
)
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.runtime.cache import TTLCache
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE
from personalize_mcp.runtime.errors import ConfigurationError, InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import is_identifier, validate_identifier

T = TypeVar("T")
logger = logging.getLogger(__name__)

DEFAULT_CACHE_TTL = 30.0
_MAX_REMEMBERED_REFUSALS = 1024
_STACK_ERRORS = (UpstreamNotFoundError, UpstreamRejectedError, PermissionDeniedError)


class PersonalizeActions:
    """Everything the tools and resources can ask, for one Contentstack account."""

    def __init__(
        self,
        personalize: PersonalizeAPI,
        cms: CMSAPI,
        *,
        credentials: Credentials,
        default_project_uid: str | None = None,
        cache: TTLCache | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        self._personalize = personalize
        self._cms = cms
        self._credentials = credentials
        self._default_project_uid = default_project_uid
        self._cache = cache or TTLCache(DEFAULT_CACHE_TTL)
        self._deadline = deadline
        self._attributes_refused: set[str] = set()
        """Projects whose `GET /attributes` was refused for good (the answer for an unknown project
        too, so this is per project, never for the whole account)."""

    # ---- cached lookups (shared by tools, resources and completions) -------------------------

    @property
    def cache_ttl(self) -> float:
        """Seconds a lookup is reused before Contentstack is asked again (0: never reused)."""
        return self._cache.ttl

    @property
    def deadline(self) -> float | None:
        """Seconds one tool call may take in all, retries and waits included (None: no limit)."""
        return self._deadline

    async def _cached(self, key: tuple[str, ...], fetch: Callable[[], Awaitable[T]]) -> T:
        # Keyed by account too: one cache must never hand an account another's data.
        return await self._cache.get((self._credentials.account_name, *key), fetch)

    def _fresh(self, key: tuple[str, ...]) -> Any:
        """A list already cached (and fresh) under `key`, so a single item need not be fetched."""
        return self._cache.peek((self._credentials.account_name, *key))

    async def projects(self) -> list[Project]:
        return await self._cached(("projects",), self._personalize.list_projects)

    async def audiences(self, project_uid: str) -> list[Audience]:
        try:
            return await self._cached(("audiences", project_uid), lambda: self._personalize.list_audiences(project_uid))
        except _STACK_ERRORS as error:
            raise await self._project_error(project_uid, error) from None

    async def attribute_names(self, project_uid: str) -> dict[str, str]:
        """Custom attribute uid -> name, to make rules readable; {} when they cannot be read.

        Names are a nicety (`GET /attributes` is in Contentstack's API reference but not in
        contentstack-api.md): an account without access to it, or an API without it, still gets
        every answer, with attribute uids in the rules. A definite "no" (404, 403, 4xx) is
        remembered, so such an API is asked once per project, not once per audience lookup.
        """
        if project_uid in self._attributes_refused:
            return {}

        async def fetch() -> dict[str, str]:
            attributes = await self._personalize.list_attributes(project_uid)
            return {a.uid: name for a in attributes if (name := a.display_name)}

        try:
            return await self._cached(("attributes", project_uid), fetch)
        except UserFacingError as error:
            if is_definite_refusal(error):
                if len(self._attributes_refused) >= _MAX_REMEMBERED_REFUSALS:
                    self._attributes_refused.clear()  # many unknown project uids: never grow without bound
                self._attributes_refused.add(project_uid)
            logger.info("Custom attribute names unavailable for project %s (%s)", project_uid, type(error).__name__)
            return {}

    async def audience_set(self, project_uid: str) -> tuple[list[Audience], dict[str, str]]:
        """A project's audiences and the names their rules need, fetched side by side."""
        audiences, names = await gather(lambda: self.audiences(project_uid), lambda: self.attribute_names(project_uid))
        return audiences, names

    async def experiences(self, project_uid: str) -> list[Experience]:
        try:
            return await self._cached(
                ("experiences", project_uid), lambda: self._personalize.list_experiences(project_uid)
            )
        except _STACK_ERRORS as error:
            raise await self._project_error(project_uid, error) from None

    async def versions(self, project_uid: str, experience_uid: str) -> list[Version]:
        try:
            return await self._cached(
                ("versions", project_uid, experience_uid),
                lambda: self._personalize.list_versions(project_uid, experience_uid),
            )
        except _STACK_ERRORS as error:
            raise await self._experience_error(project_uid, experience_uid, error) from None

    async def stacks(self) -> list[Stack]:
        org = self._credentials.organization_uid
        if not org:
            await self._credentials.access_token()  # says "not connected" when that is the reason
            raise ConfigurationError(
                "The stored login does not name an organisation, so its stacks cannot be listed; "
                "run `personalize-mcp login` again."
            )
        return await self._cached(("stacks", org), lambda: self._cms.list_stacks(org))

    async def variant_groups(self, stack_api_key: str) -> list[VariantGroup]:
        try:
            return await self._cached(
                ("variant_groups", stack_api_key), lambda: self._cms.list_variant_groups(stack_api_key)
            )
        except _STACK_ERRORS:
            raise _stack_not_found(stack_api_key) from None

    async def variants(self, stack_api_key: str, variant_group_uid: str) -> list[CMSVariant]:
        try:
            return await self._cached(
                ("variants", stack_api_key, variant_group_uid),
                lambda: self._cms.list_variants(stack_api_key, variant_group_uid),
            )
        except _STACK_ERRORS as error:
            raise await self._variant_group_error(stack_api_key, variant_group_uid, error) from None

    # ---- project resolution -------------------------------------------------------------------

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
        listing = "; ".join(f"{p.name or '(unnamed)'} ({p.uid})" for p in projects)
        raise InvalidInputError(
            f"This organisation has {len(projects)} Personalize projects, so project_uid is required; "
            f"pass one of: {listing}."
        )

    # ---- the connector's actions -----------------------------------------------------------------

    async def list_projects(self) -> ProjectsResult:
        return ProjectsResult(projects=[project_view(p) for p in await self.projects()])

    async def get_all_audiences(
        self, project_uid: str | None, audience_uids: Sequence[str] | None = None
    ) -> AudiencesResult:
        wanted = _validated_uids("audience_uids", audience_uids)
        project = await self.resolve_project(project_uid)
        audiences, names = await self.audience_set(project)
        if wanted:
            known = audiences_by_uid(audiences)
            missing = [uid for uid in wanted if uid not in known]
            if missing:
                raise NotFoundError(
                    f"Audience uid(s) {', '.join(missing)} not found in project {project}; "
                    "call get_all_audiences without audience_uids to list the project's audiences."
                )
            audiences = [known[uid] for uid in wanted]
        return AudiencesResult(project_uid=project, audiences=[audience_view(a, names) for a in audiences])

    async def get_single_audience(self, project_uid: str | None, audience_uid: str) -> SingleAudienceResult:
        uid = validate_identifier("audience_uid", audience_uid)
        project = await self.resolve_project(project_uid)
        audiences, names = await self.audience_set(project)
        audience = audiences_by_uid(audiences).get(uid)
        if audience is None:
            raise NotFoundError(
                f"Audience {uid} was not found in project {project}; "
                "call get_all_audiences to list the project's audiences."
            )
        return SingleAudienceResult(project_uid=project, audience=audience_view(audience, names))

    async def get_all_experiences(self, project_uid: str | None) -> ExperiencesResult:
        project = await self.resolve_project(project_uid)
        experiences = await self.experiences(project)
        return ExperiencesResult(project_uid=project, experiences=[experience_view(e) for e in experiences])

    async def get_single_experience(self, project_uid: str | None, experience_uid: str) -> SingleExperienceResult:
        uid = validate_identifier("experience_uid", experience_uid)
        project = await self.resolve_project(project_uid)
        listed: list[Experience] = self._fresh(("experiences", project)) or []
        experience = next((e for e in listed if e.uid == uid), None)
        try:
            if experience is None:
                experience = await self._cached(
                    ("experience", project, uid), lambda: self._personalize.get_experience(project, uid)
                )
        except _STACK_ERRORS as error:
            raise await self._experience_error(project, uid, error) from None
        return SingleExperienceResult(project_uid=project, experience=experience_view(experience))

    async def get_all_versions(
        self, project_uid: str | None, experience_uid: str, audiences_of: str = "active"
    ) -> VersionsResult:
        uid = validate_identifier("experience_uid", experience_uid)
        status = _status_for(audiences_of)
        project = await self.resolve_project(project_uid)
        versions, (audiences, names) = await gather(
            lambda: self.versions(project, uid),
            lambda: self.audience_set(project),
        )
        chosen = select_version(versions, status)
        note = None
        if chosen is None:
            note = _missing_version_sentence(uid, status, versions, tool="get_all_versions")
        return VersionsResult(
            project_uid=project,
            experience_uid=uid,
            versions=[version_view(v) for v in versions],
            audiences_version=resolve_version(chosen, audiences_by_uid(audiences), names) if chosen else None,
            note=note,
        )

    async def get_variant_audiences(
        self, stack_api_key: str, variant_group_uid: str, variant_uid: str, draft: bool = False
    ) -> VariantAudiencesResult:
        stack = validate_identifier("stack_api_key", stack_api_key)
        group = validate_identifier("variant_group_uid", variant_group_uid)
        variant_id = validate_identifier("variant_uid", variant_uid)
        status = DRAFT if draft else ACTIVE

        link = await self._personalize_link(stack, group, variant_id)
        project, experience_uid, short_uid = _checked_link(link, group, variant_id)
        versions, (audiences, names), experiences = await gather(
            lambda: self.versions(project, experience_uid),
            lambda: self.audience_set(project),
            lambda: self._experiences_or_empty(project),
        )
        experience = next((e for e in experiences if e.uid == experience_uid), None)
        label = _experience_label(experience_uid, experience)

        version = select_version(versions, status)
        if version is None:
            raise NotFoundError(_missing_version_sentence(experience_uid, status, versions, label=label))
        personalize_variant = find_variant(version, short_uid)
        if personalize_variant is None:
            raise NotFoundError(
                f"CMS variant {variant_id} is linked to variant short uid {short_uid} of {label}, but the "
                f"{status} version ({version.uid}) has no such variant; call get_all_versions for "
                f"experience_uid {experience_uid} to see its variants."
            )
        if personalize_variant.is_ab_test:
            raise InvalidInputError(
                f"CMS variant {variant_id} is the A/B test variant '{personalize_variant.name or short_uid}' of "
                f"{label}: it targets no audiences and receives "
                f"{format_traffic(personalize_variant.traffic_distribution)} of the experience's traffic."
            )
        return VariantAudiencesResult(
            stack_api_key=stack,
            variant_group_uid=group,
            variant_uid=variant_id,
            project_uid=project,
            experience_uid=experience_uid,
            experience_name=experience.name if experience else None,
            version=VersionRef(uid=version.uid, status=version.status),
            variant=VariantRef(short_uid=personalize_variant.short_uid, name=personalize_variant.name),
            audience_combination=personalize_variant.audience_combination_type,
            audiences=resolve_audiences(personalize_variant.all_audience_uids, audiences_by_uid(audiences), names),
        )

    # ---- the lookups ------------------------------------------------------------------------------

    async def list_stacks(self) -> StacksResult:
        return StacksResult(stacks=[stack_view(s) for s in await self.stacks()])

    async def list_variant_groups(self, stack_api_key: str) -> VariantGroupsResult:
        stack = validate_identifier("stack_api_key", stack_api_key)
        groups = await self.variant_groups(stack)
        return VariantGroupsResult(stack_api_key=stack, variant_groups=[variant_group_view(g) for g in groups])

    async def list_variants(self, stack_api_key: str, variant_group_uid: str) -> VariantsResult:
        stack = validate_identifier("stack_api_key", stack_api_key)
        group = validate_identifier("variant_group_uid", variant_group_uid)
        variants = await self.variants(stack, group)
        return VariantsResult(
            stack_api_key=stack, variant_group_uid=group, variants=[variant_view(v) for v in variants]
        )

    # ---- joins with I/O ------------------------------------------------------------------------------

    async def _personalize_link(self, stack: str, group: str, variant_uid: str) -> PersonalizeMetadata:
        """The CMS variant's link to Personalize, from the variant or, failing that, its group."""
        listed: list[CMSVariant] = self._fresh(("variants", stack, group)) or []
        variant = next((v for v in listed if v.uid == variant_uid), None)
        try:
            if variant is None:
                variant = await self._cached(
                    ("variant", stack, group, variant_uid), lambda: self._cms.get_variant(stack, group, variant_uid)
                )
        except _STACK_ERRORS:
            # Unknown variant, group or stack -- or a CMS without the single-variant endpoint:
            # the group's list tells which, and still answers in the last case.
            variant = await self._variant_from_list(stack, group, variant_uid)
        meta = variant.personalize_metadata
        if meta is not None and meta.project_uid and meta.variant_short_uid is not None:
            return meta
        return await self._link_from_group(stack, group, variant_uid, meta)

    async def _link_from_group(
        self, stack: str, group_uid: str, variant_uid: str, partial: PersonalizeMetadata | None
    ) -> PersonalizeMetadata:
        group = next((g for g in await self.variant_groups(stack) if g.uid == group_uid), None)
        group_meta = group.personalize_metadata if group else None
        experience_uid = (partial.experience_uid if partial else None) or (
            group_meta.experience_uid if group_meta else None
        )
        project_uid = (partial.project_uid if partial else None) or (group_meta.project_uid if group_meta else None)
        if not experience_uid or not project_uid:
            raise InvalidInputError(
                f"Variant group {group_uid} is a plain CMS variant group, not linked to a Personalize "
                "experience, so its variants have no audiences; call list_variant_groups to find groups "
                "whose experience_uid is set."
            )
        short_uid = partial.variant_short_uid if partial else None
        if short_uid is None and is_identifier(project_uid):
            experience = next((e for e in await self.experiences(project_uid) if e.uid == experience_uid), None)
            short_uid = short_uid_of_cms_variant(experience, variant_uid) if experience else None
        if short_uid is None:
            raise NotFoundError(
                f"CMS variant {variant_uid} is in a group linked to experience {experience_uid}, but it is not "
                "linked to any of the experience's variants; link it in Contentstack or pick another variant "
                "with list_variants."
            )
        return PersonalizeMetadata(project_uid=project_uid, experience_uid=experience_uid, variant_short_uid=short_uid)

    async def _experiences_or_empty(self, project_uid: str) -> list[Experience]:
        """Experience names make answers readable, but they are not worth failing an answer over."""
        try:
            return await self.experiences(project_uid)
        except UpstreamError:
            return []

    # ---- errors with context -------------------------------------------------------------------------

    async def _project_known(self, project_uid: str) -> bool | None:
        """Whether the organisation has this project; None when that cannot be told."""
        try:
            return any(p.uid == project_uid for p in await self.projects())
        except UpstreamError:
            return None

    async def _project_error(self, project_uid: str, error: UpstreamError) -> Exception:
        if await self._project_known(project_uid) is False:
            return _project_not_found(project_uid)
        if isinstance(error, PermissionDeniedError):
            return error
        return _project_not_found(project_uid)

    async def _experience_error(self, project_uid: str, experience_uid: str, error: UpstreamError) -> Exception:
        if await self._project_known(project_uid) is False:
            return _project_not_found(project_uid)
        if isinstance(error, PermissionDeniedError):
            return error
        return NotFoundError(
            f"Experience {experience_uid} was not found in project {project_uid}; "
            f"call get_all_experiences with project_uid {project_uid} to list its experiences."
        )

    async def _variant_group_error(self, stack: str, group: str, error: UpstreamError) -> Exception:
        groups = await self.variant_groups(stack)  # raises the stack error when the stack is the problem
        if not any(g.uid == group for g in groups):
            return NotFoundError(
                f"Variant group {group} was not found in stack {stack}; "
                f"call list_variant_groups with stack_api_key {stack} to list its groups."
            )
        return error

    async def _variant_from_list(self, stack: str, group: str, variant_uid: str) -> CMSVariant:
        variants = await self.variants(stack, group)  # raises the stack or group error first
        variant = next((v for v in variants if v.uid == variant_uid), None)
        if variant is None:
            raise NotFoundError(
                f"Variant {variant_uid} was not found in variant group {group}; "
                f"call list_variants with stack_api_key {stack} and variant_group_uid {group} to list its variants."
            )
        return variant


def _validated_uids(name: str, values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(validate_identifier(name[:-1] if name.endswith("s") else name, v) for v in values))


def _status_for(audiences_of: str) -> str:
    choice = (audiences_of or "active").strip().lower()
    if choice not in ("active", "draft"):
        raise InvalidInputError(f"audiences_of must be 'active' or 'draft', not {audiences_of!r}.")
    return ACTIVE if choice == "active" else DRAFT


def _checked_link(link: PersonalizeMetadata, group: str, variant_uid: str) -> tuple[str, str, str]:
    """Upstream-sourced ids go into URLs too, so they are validated like arguments."""
    project, experience, short_uid = link.project_uid, link.experience_uid, link.variant_short_uid
    if project and experience and short_uid and all(is_identifier(v) for v in (project, experience, short_uid)):
        return project, experience, short_uid
    raise NotFoundError(
        f"The Personalize link stored on CMS variant {variant_uid} (group {group}) is incomplete or "
        "malformed; re-link the variant group in Contentstack."
    )


def _experience_label(uid: str, experience: Experience | None) -> str:
    if experience is not None and experience.name:
        return f"experience '{experience.name}' ({uid})"
    return f"experience {uid}"


def _missing_version_sentence(
    experience_uid: str, status: str, versions: Sequence[Version], *, label: str | None = None, tool: str = ""
) -> str:
    label = label or f"experience {experience_uid}"
    present = statuses_of(versions)
    has = f"its versions are: {', '.join(present)}" if present else "it has no versions at all"
    if status == ACTIVE:
        fix = (
            "call get_all_versions with audiences_of='draft' to see the draft's audiences"
            if tool == "get_all_versions"
            else "pass draft=true to see the draft's audiences"
        )
        if DRAFT not in present:
            fix = "activate a version in Contentstack Personalize, or call get_all_versions to inspect them"
    else:
        fix = (
            "call get_all_versions with audiences_of='active' instead"
            if tool == "get_all_versions"
            else "call again without draft to see the active version's audiences"
        )
        if ACTIVE not in present:
            fix = "create a draft in Contentstack Personalize, or call get_all_versions to inspect the versions"
    return f"The {label} has no {status} version ({has}); {fix}."


def _project_not_found(project_uid: str) -> NotFoundError:
    return NotFoundError(
        f"Project {project_uid} was not found in this organisation; call list_projects to see valid project uids."
    )


def _stack_not_found(stack_api_key: str) -> NotFoundError:
    return NotFoundError(
        f"Stack {stack_api_key} was not found or this account cannot access it; "
        "call list_stacks to see the organisation's stack API keys."
    )
