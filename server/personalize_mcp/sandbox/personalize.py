"""Personalize Management API (contentstack-api.md §2, §6): projects, audiences, experiences, versions,
attributes, events, experience priority and geolocation (analytics: `analytics`).

Lists are bare JSON arrays, fields camelCase, served as stored in `data`. Choices where the
reference is silent: a missing `x-project-uid` is 400; a project that does not exist or belongs to
another organisation is 404 (existence is not revealed across organisations); an `organization_uid`
header naming another organisation on `GET /projects` is 403; there is no per-version GET (404).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.errors import generic_error, personalize_error
from personalize_mcp.sandbox.gate import Refusal, json_response, require_scope, state_of

READ_SCOPE = "personalize:read"
JSON = dict[str, Any]


def _project(request: Request) -> JSON:
    """The project named by `x-project-uid`, if the caller's organisation owns it."""
    principal = require_scope(request, "personalize", READ_SCOPE)
    project_uid = request.headers.get("x-project-uid", "").strip()
    if not project_uid:
        raise Refusal(personalize_error(400, "x-project-uid header is required"))
    for project in state_of(request).data.projects:
        if project["uid"] == project_uid and project["organizationUid"] == principal.org_uid:
            return project
    raise Refusal(personalize_error(404, f"Project {project_uid} not found"))


def experience_of(request: Request) -> JSON:
    project = _project(request)
    uid = request.path_params["experience_uid"]
    for experience in state_of(request).data.experiences.get(project["uid"], []):
        if experience["uid"] == uid:
            return experience
    raise Refusal(personalize_error(404, f"Experience {uid} not found"))


async def list_projects(request: Request) -> JSONResponse:
    """`GET /projects`: the token organisation's projects; `?connectedStackApiKey=` filters."""
    principal = require_scope(request, "personalize", READ_SCOPE)
    asked_org = request.headers.get("organization_uid")
    if asked_org is not None and asked_org != principal.org_uid:
        raise Refusal(personalize_error(403, "Forbidden resource"))
    projects = [p for p in state_of(request).data.projects if p["organizationUid"] == principal.org_uid]
    stack = request.query_params.get("connectedStackApiKey")
    if stack is not None:
        projects = [p for p in projects if p.get("connectedStackApiKey") == stack]
    return JSONResponse(projects)


async def list_audiences(request: Request) -> Response:
    uid = _project(request)["uid"]
    return json_response(request, ("audiences", uid), lambda: state_of(request).data.audiences.get(uid, []))


async def list_experiences(request: Request) -> Response:
    uid = _project(request)["uid"]
    return json_response(request, ("experiences", uid), lambda: state_of(request).data.experiences.get(uid, []))


async def list_attributes(request: Request) -> Response:
    """`GET /attributes`: the project's custom attributes (documented; not in contentstack-api.md)."""
    project = _project(request)
    state = state_of(request)
    if not state.serve_attributes:
        return generic_error("personalize", 404)
    uid = project["uid"]
    return json_response(request, ("attributes", uid), lambda: state.data.attributes.get(uid, []))


async def list_events(request: Request) -> Response:
    uid = _project(request)["uid"]
    return json_response(request, ("events", uid), lambda: state_of(request).data.events.get(uid, []))


async def get_experiences_priority(request: Request) -> Response:
    """`GET /experiences-priority`: `{"priorityOrder": [...]}`, highest first (contentstack-api.md §6.1)."""
    uid = _project(request)["uid"]
    return json_response(
        request, ("priority", uid), lambda: {"priorityOrder": state_of(request).data.priority.get(uid, [])}
    )


async def list_geolocation(request: Request) -> Response:
    """`GET /geolocation/{countries,regions,cities}`: no project header; `?country=` narrows regions and cities."""
    require_scope(request, "personalize", READ_SCOPE)
    kind = request.path_params["kind"]
    rows = state_of(request).data.geolocation.get(kind)
    if rows is None:
        return generic_error("personalize", 404)
    country = request.query_params.get("country")
    if country and kind != "countries":
        rows = [row for row in rows if row.get("countryCode") == country.upper()]
        return JSONResponse(rows)
    return json_response(request, ("geolocation", kind), lambda: rows)


async def get_experience(request: Request) -> Response:
    experience = experience_of(request)
    return json_response(request, ("experience", experience["uid"]), lambda: experience)


async def list_versions(request: Request) -> Response:
    uid = experience_of(request)["uid"]
    return json_response(request, ("versions", uid), lambda: state_of(request).data.versions.get(uid, []))


def personalize_routes() -> list[BaseRoute]:

    return [
        Route("/projects", list_projects, methods=["GET"]),
        Route("/audiences", list_audiences, methods=["GET"]),
        Route("/experiences", list_experiences, methods=["GET"]),
        Route("/attributes", list_attributes, methods=["GET"]),
        Route("/events", list_events, methods=["GET"]),
        Route("/experiences-priority", get_experiences_priority, methods=["GET"]),
        Route("/geolocation/{kind}", list_geolocation, methods=["GET"]),
        Route("/experiences/{experience_uid}", get_experience, methods=["GET"]),
        Route("/experiences/{experience_uid}/versions", list_versions, methods=["GET"]),
    ]
