"""Personalize Management API: one method per upstream call (contentstack-api.md §2)."""

from __future__ import annotations

from personalize_mcp.contentstack.analytics import parse_summary, parse_time_series
from personalize_mcp.contentstack.errors import Api
from personalize_mcp.contentstack.http import ContentstackHTTP, url_path
from personalize_mcp.contentstack.models.account import Project
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, TimeSeries
from personalize_mcp.contentstack.models.audiences import Attribute, Audience, Location
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.parsing import parse_list, parse_object, parse_uid_list

_LIST_KEYS = ("items", "data", "results")
_PRIORITY_KEYS = ("priorityOrder", "priority_order", "experiences", "order", "priority", *_LIST_KEYS)
LOCATION_KINDS = {"country": "countries", "region": "regions", "city": "cities"}


class PersonalizeAPI:
    """Reads projects, audiences, experiences and versions; ids must already be validated."""

    def __init__(self, http: ContentstackHTTP) -> None:
        self._http = http

    def _org_headers(self) -> dict[str, str]:
        org = self._http.credentials.organization_uid
        return {"organization_uid": org} if org else {}

    def _project_headers(self, project_uid: str) -> dict[str, str]:
        return {**self._org_headers(), "x-project-uid": project_uid}

    async def list_projects(self, *, connected_stack_api_key: str | None = None) -> list[Project]:
        params = {"connectedStackApiKey": connected_stack_api_key} if connected_stack_api_key else None
        body = await self._http.get_json(Api.PERSONALIZE, "/projects", headers=self._org_headers(), params=params)
        return parse_list(Api.PERSONALIZE, body, Project, keys=("projects", *_LIST_KEYS), what="projects")

    async def list_audiences(self, project_uid: str) -> list[Audience]:
        body = await self._http.get_json(Api.PERSONALIZE, "/audiences", headers=self._project_headers(project_uid))
        return parse_list(Api.PERSONALIZE, body, Audience, keys=("audiences", *_LIST_KEYS), what="audiences")

    async def list_attributes(self, project_uid: str) -> list[Attribute]:
        """Custom attributes: documented in the Personalize API reference, used to name rule subjects."""
        body = await self._http.get_json(Api.PERSONALIZE, "/attributes", headers=self._project_headers(project_uid))
        return parse_list(Api.PERSONALIZE, body, Attribute, keys=("attributes", *_LIST_KEYS), what="attributes")

    async def list_events(self, project_uid: str) -> list[Event]:
        body = await self._http.get_json(Api.PERSONALIZE, "/events", headers=self._project_headers(project_uid))
        return parse_list(Api.PERSONALIZE, body, Event, keys=("events", *_LIST_KEYS), what="events")

    async def get_experiences_priority(self, project_uid: str) -> list[str]:
        """Experience uids, highest priority first: `{"priorityOrder": [...]}` or a bare array (§6), whose
        items may also be objects naming the experience (`uid`, `experienceUid`, `experience`)."""
        body = await self._http.get_json(
            Api.PERSONALIZE, "/experiences-priority", headers=self._project_headers(project_uid)
        )
        return parse_uid_list(Api.PERSONALIZE, body, keys=_PRIORITY_KEYS, what="the experience priority")

    async def list_locations(self, kind: str, country_code: str | None = None) -> list[Location]:
        """`GET /geolocation/{countries,regions,cities}` (no project header, §6); `country=` narrows regions
        and cities when given -- the parameter is unconfirmed, so callers filter the answer again."""
        plural = LOCATION_KINDS[kind]
        params = {"country": country_code} if country_code and kind != "country" else None
        body = await self._http.get_json(
            Api.PERSONALIZE, url_path("geolocation", plural), headers=self._org_headers(), params=params
        )
        return parse_list(Api.PERSONALIZE, body, Location, keys=(plural, "locations", *_LIST_KEYS), what=plural)

    async def list_experiences(self, project_uid: str) -> list[Experience]:
        body = await self._http.get_json(Api.PERSONALIZE, "/experiences", headers=self._project_headers(project_uid))
        return parse_list(Api.PERSONALIZE, body, Experience, keys=("experiences", *_LIST_KEYS), what="experiences")

    async def get_experience(self, project_uid: str, experience_uid: str) -> Experience:
        body = await self._http.get_json(
            Api.PERSONALIZE, url_path("experiences", experience_uid), headers=self._project_headers(project_uid)
        )
        return parse_object(Api.PERSONALIZE, body, Experience, keys=("experience",), what="an experience")

    async def list_versions(self, project_uid: str, experience_uid: str) -> list[Version]:
        body = await self._http.get_json(
            Api.PERSONALIZE,
            url_path("experiences", experience_uid, "versions"),
            headers=self._project_headers(project_uid),
        )
        return parse_list(Api.PERSONALIZE, body, Version, keys=("versions", *_LIST_KEYS), what="versions")

    async def get_analytics_summary(self, project_uid: str, experience_uid: str, version_uid: str) -> AnalyticsSummary:
        """`GET /experiences/{uid}/analytics/summary?version=` (§6; shapes accepted: `analytics`)."""
        body = await self._http.get_json(
            Api.PERSONALIZE,
            url_path("experiences", experience_uid, "analytics", "summary"),
            headers=self._project_headers(project_uid),
            params={"version": version_uid},
        )
        return parse_summary(body, experience_uid=experience_uid)

    async def get_analytics_time_series(self, project_uid: str, experience_uid: str, version_uid: str) -> TimeSeries:
        """`GET /experiences/{uid}/analytics/time-series?version=` (hourly points, §6; shapes: `analytics`)."""
        body = await self._http.get_json(
            Api.PERSONALIZE,
            url_path("experiences", experience_uid, "analytics", "time-series"),
            headers=self._project_headers(project_uid),
            params={"version": version_uid},
        )
        return parse_time_series(body, experience_uid=experience_uid)
