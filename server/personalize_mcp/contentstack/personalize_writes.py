"""Personalize Management API writes: one method per upstream call (contentstack-api.md §8).

Every call carries `x-project-uid` (and `organization_uid`, harmless), sends the body its draft builds
(`write_bodies`) and parses the answer with the same tolerant models the reads use; an answer without
the object (a bare 200 or 204) is None. Failures are typed (`write_failures`). Ids must be validated.

Unconfirmed, coded for both answers: whether a PUT of a version takes `shortUid` is disputed [3p vs sdk] --
it is sent for existing variants, and when Contentstack refuses the field the PUT is sent again without it,
as Contentstack's own CLI sends it (`VersionWrite.short_uids_sent` says which answer was met).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from personalize_mcp.contentstack.errors import Api
from personalize_mcp.contentstack.http import ContentstackHTTP, url_path
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.write_bodies import (
    AttributeDraft,
    AudienceDraft,
    EventDraft,
    ExperienceDraft,
    VersionDraft,
    priority_body,
)
from personalize_mcp.contentstack.write_failures import WriteRejectedError

ModelT = TypeVar("ModelT", bound=BaseModel)
_ENVELOPES = ("data", "item", "result")


@dataclass(frozen=True, slots=True)
class VersionWrite:
    version: Version | None
    """The version as the answer gave it (None: the answer did not carry it)."""
    short_uids_sent: bool
    """False when Contentstack refused `shortUid` and the variants were sent without it."""


def _parsed(body: Any, model: type[ModelT], *keys: str) -> ModelT | None:
    """The written object from an answer: bare, or under one of `keys` or a common envelope; else None."""
    candidates = [body] + [body.get(k) for k in (*keys, *_ENVELOPES)] if isinstance(body, dict) else [body]
    for candidate in candidates:
        if isinstance(candidate, dict) and "uid" in candidate:
            try:
                return model.model_validate(candidate)
            except ValidationError:
                continue
    return None


class PersonalizeWrites:
    """Writes to one organisation's projects, over the same HTTP path as the reads."""

    def __init__(self, http: ContentstackHTTP) -> None:
        self._http = http

    def _headers(self, project_uid: str) -> dict[str, str]:
        org = self._http.credentials.organization_uid
        return {**({"organization_uid": org} if org else {}), "x-project-uid": project_uid}

    async def _send(self, method: str, project_uid: str, path: str, body: object = None) -> Any:
        return await self._http.send_json(method, Api.PERSONALIZE, path, body=body, headers=self._headers(project_uid))

    # ---- audiences, attributes, events ------------------------------------------------------------

    async def create_audience(self, project_uid: str, draft: AudienceDraft) -> Audience | None:
        return _parsed(await self._send("POST", project_uid, "/audiences", draft.body()), Audience, "audience")

    async def update_audience(self, project_uid: str, uid: str, draft: AudienceDraft) -> Audience | None:
        body = await self._send("PUT", project_uid, url_path("audiences", uid), draft.body())
        return _parsed(body, Audience, "audience")

    async def delete_audience(self, project_uid: str, uid: str) -> None:
        await self._send("DELETE", project_uid, url_path("audiences", uid))

    async def create_attribute(self, project_uid: str, draft: AttributeDraft) -> Attribute | None:
        return _parsed(await self._send("POST", project_uid, "/attributes", draft.body()), Attribute, "attribute")

    async def update_attribute(self, project_uid: str, uid: str, draft: AttributeDraft) -> Attribute | None:
        body = await self._send("PUT", project_uid, url_path("attributes", uid), draft.body())
        return _parsed(body, Attribute, "attribute")

    async def delete_attribute(self, project_uid: str, uid: str) -> None:
        await self._send("DELETE", project_uid, url_path("attributes", uid))

    async def create_event(self, project_uid: str, draft: EventDraft) -> Event | None:
        return _parsed(await self._send("POST", project_uid, "/events", draft.body()), Event, "event")

    async def update_event(self, project_uid: str, uid: str, draft: EventDraft) -> Event | None:
        return _parsed(await self._send("PUT", project_uid, url_path("events", uid), draft.body()), Event, "event")

    async def delete_event(self, project_uid: str, uid: str) -> None:
        await self._send("DELETE", project_uid, url_path("events", uid))

    # ---- experiences, versions, priority ------------------------------------------------------------

    async def create_experience(self, project_uid: str, draft: ExperienceDraft) -> Experience | None:
        """`POST /experiences`: answers the experience, whose `latestVersion` is the empty DRAFT made with it."""
        body = await self._send("POST", project_uid, "/experiences", draft.body())
        return _parsed(body, Experience, "experience")

    async def update_experience(self, project_uid: str, uid: str, draft: ExperienceDraft) -> Experience | None:
        body = await self._send("PUT", project_uid, url_path("experiences", uid), draft.body())
        return _parsed(body, Experience, "experience")

    async def delete_experience(self, project_uid: str, uid: str) -> None:
        await self._send("DELETE", project_uid, url_path("experiences", uid))

    async def create_version(self, project_uid: str, experience_uid: str, draft: VersionDraft) -> Version | None:
        """`POST .../versions`: a new version (a second DRAFT is refused: `DraftExistsError`)."""
        path = url_path("experiences", experience_uid, "versions")
        return _parsed(await self._send("POST", project_uid, path, draft.body()), Version, "version")

    async def update_version(
        self, project_uid: str, experience_uid: str, version_uid: str, draft: VersionDraft
    ) -> VersionWrite:
        """`PUT .../versions/{version_uid}`: edit a draft, or change a version's status (activate, pause, resume)."""
        path = url_path("experiences", experience_uid, "versions", version_uid)
        try:
            body = await self._send("PUT", project_uid, path, draft.body())
        except WriteRejectedError as error:
            if not any(field.split(".")[-1] == "shortUid" for field in error.fields):
                raise
            body = await self._send("PUT", project_uid, path, draft.body(with_short_uids=False))
            return VersionWrite(_parsed(body, Version, "version"), short_uids_sent=False)
        return VersionWrite(_parsed(body, Version, "version"), short_uids_sent=True)

    async def delete_version(self, project_uid: str, experience_uid: str, version_uid: str) -> None:
        await self._send("DELETE", project_uid, url_path("experiences", experience_uid, "versions", version_uid))

    async def set_priority(self, project_uid: str, order: list[str]) -> None:
        """`PUT /experiences-priority` with every experience uid, highest first (`MissingExperiencesError`)."""
        await self._send("PUT", project_uid, "/experiences-priority", priority_body(order))
