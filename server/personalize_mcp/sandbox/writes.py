"""Personalize Management API writes (contentstack-api.md §8): audiences, attributes, events, experiences,
versions and the experience priority, with Contentstack's semantics and error codes (`write_rules`).

Every write needs the `personalize:manage` scope and `x-project-uid`; bodies are JSON; answers are the
written object (201 for a create), or 204 for a delete. Errors are NestJS-style bodies whose `message` is
the dotted code, with `errors: {field: [code]}` when one field is to blame. What a write changes is
visible to every later read. The fault switch `SandboxState.fail_write_after` fails one write (its effect
not applied) after a number of successful ones: a failure between the two calls of a multi-call plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.cms_link import link_experience
from personalize_mcp.sandbox.errors import generic_error, personalize_error
from personalize_mcp.sandbox.gate import Refusal, require_scope, state_of
from personalize_mcp.sandbox.state import SandboxState
from personalize_mcp.sandbox.write_rules import (
    NOW,
    WriteRefused,
    check_priority,
    checked_definition,
    checked_version_body,
    new_uid,
    new_version,
    put_version,
    refresh_summary,
    text_field,
)

MANAGE_SCOPE = "personalize:manage"
JSON = dict[str, Any]
Write = Callable[[SandboxState, JSON, str, JSON], Response]
"""One write under the state's lock: (state, project, the path's uid or "", body) -> answer."""


def refused(error: WriteRefused) -> JSONResponse:
    body: JSON = {"statusCode": error.status, "message": error.code, "error": "Bad Request", "detail": error.message}
    if error.field is not None:
        body["errors"] = {error.field: [error.code]}
    if error.status == 404:
        body["error"] = "Not Found"
    return JSONResponse(body, status_code=error.status)


def _project(request: Request) -> JSON:
    principal = require_scope(request, "personalize", MANAGE_SCOPE)
    project_uid = request.headers.get("x-project-uid", "").strip()
    if not project_uid:
        raise Refusal(personalize_error(400, "x-project-uid header is required"))
    for project in state_of(request).data.projects:
        if project["uid"] == project_uid and project["organizationUid"] == principal.org_uid:
            return project
    raise Refusal(personalize_error(404, f"Project {project_uid} not found"))


async def _body(request: Request) -> JSON:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Refusal(personalize_error(400, "Unexpected token in JSON")) from None
    if not isinstance(body, dict):
        raise Refusal(personalize_error(400, "body must be a JSON object"))
    return body


def handler(write: Write, uid_of: Callable[[Request], str] | None = None) -> Callable[[Request], Any]:
    """A route running `write` for the caller's project, under the lock, with the write fault switch."""

    async def route(request: Request) -> Response:
        project = _project(request)
        body = await _body(request) if request.method in ("POST", "PUT") else {}
        state = state_of(request)
        uid = uid_of(request) if uid_of is not None else ""
        with state.lock:
            failing = state.take_write_fault()
            if failing is not None:
                return generic_error("personalize", failing)
            try:
                answer = write(state, project, uid, body)
            except WriteRefused as error:
                return refused(error)
            state.rendered = {}
        return answer

    return route


def _find(items: list[JSON], uid: str, what: str) -> JSON:
    found = next((item for item in items if item.get("uid") == uid), None)
    if found is None:
        raise WriteRefused(f"personalize.{what.upper()}S.NOT_FOUND", f"{what.capitalize()} {uid} not found", status=404)
    return found


# ---- audiences, attributes, events ---------------------------------------------------------------


def create_audience(state: SandboxState, project: JSON, _: str, body: JSON) -> Response:
    audience = {
        "uid": new_uid(),
        "name": text_field(body, "name", "AUDIENCES", required=True),
        "description": text_field(body, "description", "AUDIENCES", required=False),
        "project": project["uid"],
        "source": "PERSONALIZE",
        "definition": checked_definition(body),
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    state.data.audiences.setdefault(project["uid"], []).append(audience)
    return JSONResponse(audience, status_code=201)


def update_audience(state: SandboxState, project: JSON, uid: str, body: JSON) -> Response:
    audience = _find(state.data.audiences.get(project["uid"], []), uid, "audience")
    if str(audience.get("source", "")).upper() == "LYTICS":
        raise WriteRefused("personalize.AUDIENCES.CANNOT_UPDATE_LYTICS_AUDIENCE", "Lytics audiences are synced")
    name = text_field(body, "name", "AUDIENCES", required=True)
    definition = checked_definition(body)
    audience.update(name=name, description=text_field(body, "description", "AUDIENCES", required=False))
    audience.update(definition=definition, updatedAt=NOW)
    return JSONResponse(audience)


def delete_audience(state: SandboxState, project: JSON, uid: str, _: JSON) -> Response:
    audiences = state.data.audiences.get(project["uid"], [])
    audiences.remove(_find(audiences, uid, "audience"))
    return Response(status_code=204)


def _keyed(items: list[JSON], body: JSON, area: str, exclude: JSON | None = None) -> str:
    key = text_field(body, "key", area, required=True)
    if any(item.get("key") == key and item is not exclude for item in items):
        raise WriteRefused(f"personalize.{area}.KEY_ALREADY_EXISTS", f"key {key} is taken", field="key")
    return key


def create_attribute(state: SandboxState, project: JSON, _: str, body: JSON) -> Response:
    attributes = state.data.attributes.setdefault(project["uid"], [])
    attribute = {
        "uid": new_uid(),
        "name": text_field(body, "name", "ATTRIBUTES", required=True),
        "key": _keyed(attributes, body, "ATTRIBUTES"),
        "description": text_field(body, "description", "ATTRIBUTES", required=False),
        "project": project["uid"],
        "__type": "CUSTOM",
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    attributes.append(attribute)
    return JSONResponse(attribute, status_code=201)


def _custom(state: SandboxState, project: JSON, uid: str) -> JSON:
    attribute = _find(state.data.attributes.get(project["uid"], []), uid, "attribute")
    if attribute.get("__type") != "CUSTOM":
        raise WriteRefused("personalize.ATTRIBUTES.CANNOT_MODIFY_PRESET_ATTRIBUTE", "preset attributes are fixed")
    return attribute


def update_attribute(state: SandboxState, project: JSON, uid: str, body: JSON) -> Response:
    attribute = _custom(state, project, uid)
    key = _keyed(state.data.attributes[project["uid"]], body, "ATTRIBUTES", exclude=attribute)
    attribute.update(name=text_field(body, "name", "ATTRIBUTES", required=True), key=key, updatedAt=NOW)
    attribute["description"] = text_field(body, "description", "ATTRIBUTES", required=False)
    return JSONResponse(attribute)


def delete_attribute(state: SandboxState, project: JSON, uid: str, _: JSON) -> Response:
    state.data.attributes[project["uid"]].remove(_custom(state, project, uid))
    return Response(status_code=204)


def create_event(state: SandboxState, project: JSON, _: str, body: JSON) -> Response:
    events = state.data.events.setdefault(project["uid"], [])
    event = {
        "uid": new_uid(),
        "key": _keyed(events, body, "EVENTS"),
        "description": text_field(body, "description", "EVENTS", required=False),
        "project": project["uid"],
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    events.append(event)
    return JSONResponse(event, status_code=201)


def update_event(state: SandboxState, project: JSON, uid: str, body: JSON) -> Response:
    events = state.data.events.get(project["uid"], [])
    event = _find(events, uid, "event")
    event.update(key=_keyed(events, body, "EVENTS", exclude=event), updatedAt=NOW)
    event["description"] = text_field(body, "description", "EVENTS", required=False)
    return JSONResponse(event)


def delete_event(state: SandboxState, project: JSON, uid: str, _: JSON) -> Response:
    events = state.data.events.get(project["uid"], [])
    events.remove(_find(events, uid, "event"))
    return Response(status_code=204)


# ---- experiences and versions ----------------------------------------------------------------------


def _experience_type(body: JSON) -> str:
    kind = body.get("__type")
    if kind not in ("SEGMENTED", "AB_TEST"):
        raise WriteRefused(
            "personalize.EXPERIENCES.INVALID_TYPE", "__type must be SEGMENTED or AB_TEST", field="__type"
        )
    return str(kind)


def create_experience(state: SandboxState, project: JSON, _: str, body: JSON) -> Response:
    """`POST /experiences`: the experience and the empty DRAFT made with it (configure that one with PUT)."""
    experiences = state.data.experiences.setdefault(project["uid"], [])
    shorts = [int(e["shortUid"]) for e in experiences if str(e.get("shortUid", "")).isdigit()]
    uid = new_uid()
    draft = new_version(uid)
    experience = {
        "uid": uid,
        "name": text_field(body, "name", "EXPERIENCES", required=True),
        "description": text_field(body, "description", "EXPERIENCES", required=False),
        "__type": _experience_type(body),
        "shortUid": str(max(shorts, default=-1) + 1),
        "status": "DRAFT",
        "latestVersion": draft["uid"],
        "referredAudiences": [],
        "referredEvents": [],
        "tags": [],
        "createdAt": NOW,
        "updatedAt": NOW,
    }
    experiences.append(experience)
    state.data.versions[uid] = [draft]
    state.data.priority.setdefault(project["uid"], []).append(uid)
    answer = JSONResponse(dict(experience), status_code=201)  # the CMS link comes after, as Contentstack's job does
    link_experience(state.data, project, experience)
    return answer


def _experience(state: SandboxState, project: JSON, uid: str) -> JSON:
    return _find(state.data.experiences.get(project["uid"], []), uid, "experience")


def update_experience(state: SandboxState, project: JSON, uid: str, body: JSON) -> Response:
    experience = _experience(state, project, uid)
    if _experience_type(body) != experience.get("__type"):
        raise WriteRefused("personalize.EXPERIENCES.CANNOT_CHANGE_TYPE", "an experience keeps its type", field="__type")
    experience.update(name=text_field(body, "name", "EXPERIENCES", required=True), updatedAt=NOW)
    experience["description"] = text_field(body, "description", "EXPERIENCES", required=False)
    return JSONResponse(experience)


def delete_experience(state: SandboxState, project: JSON, uid: str, _: JSON) -> Response:
    """204, even while ACTIVE (§8); its versions and its place in the priority go with it."""
    experiences = state.data.experiences.get(project["uid"], [])
    experiences.remove(_experience(state, project, uid))
    state.data.versions.pop(uid, None)
    order = state.data.priority.get(project["uid"], [])
    if uid in order:
        order.remove(uid)
    return Response(status_code=204)


def create_version(state: SandboxState, project: JSON, uid: str, body: JSON) -> Response:
    experience = _experience(state, project, uid)
    status, variants, metrics = checked_version_body(body)
    versions = state.data.versions.setdefault(uid, [])
    if status == "DRAFT" and any(v.get("status") == "DRAFT" for v in versions):
        raise WriteRefused("personalize.EXPERIENCES.VERSIONS.CANNOT_CREATE_VERSION_AS_DRAFT_ALREADY_EXISTS",
                           "a draft already exists")  # fmt: skip
    version = new_version(uid)
    versions.append(version)
    try:
        put_version(state.data, project["uid"], experience, version, status, variants, metrics)
    except WriteRefused:
        versions.remove(version)
        raise
    refresh_summary(state.data, experience)
    link_experience(state.data, project, experience)
    return JSONResponse(version, status_code=201)


def _version(state: SandboxState, experience: JSON, request_uid: str) -> JSON:
    return _find(state.data.versions.get(experience["uid"], []), request_uid, "version")


def version_write(method: str) -> Callable[[Request], Any]:
    """PUT and DELETE of `/experiences/{experience_uid}/versions/{version_uid}` (two path uids)."""

    def write(state: SandboxState, project: JSON, uids: str, body: JSON) -> Response:
        experience_uid, version_uid = uids.split("/", 1)
        experience = _experience(state, project, experience_uid)
        version = _version(state, experience, version_uid)
        if method == "DELETE":
            if version.get("status") != "DRAFT":
                raise WriteRefused("personalize.EXPERIENCES.VERSIONS.CANNOT_DELETE_VERSION", "only drafts are deleted")
            state.data.versions[experience_uid].remove(version)
            refresh_summary(state.data, experience)
            return Response(status_code=204)
        status, variants, metrics = checked_version_body(body)
        if state.short_uid_on_put == "refuse":
            named = next((n for n, v in enumerate(variants) if "shortUid" in v), None)
            if named is not None:
                field = f"variants.{named}.shortUid"
                raise WriteRefused("personalize.EXPERIENCES.VERSIONS.SHORT_UID_NOT_ALLOWED", "property shortUid "
                                   "should not exist", field=field)  # fmt: skip
        put_version(state.data, project["uid"], experience, version, status, variants, metrics)
        refresh_summary(state.data, experience)
        link_experience(state.data, project, experience)
        return JSONResponse(version)

    return handler(write, lambda r: f"{r.path_params['experience_uid']}/{r.path_params['version_uid']}")


def set_priority(state: SandboxState, project: JSON, _: str, body: JSON) -> Response:
    order = check_priority(body.get("priorityOrder"), state.data.experiences.get(project["uid"], []))
    state.data.priority[project["uid"]] = order
    return JSONResponse({"priorityOrder": order})


def _uid(request: Request) -> str:
    return str(request.path_params["uid"])


def write_routes() -> list[BaseRoute]:
    return [
        Route("/audiences", handler(create_audience), methods=["POST"]),
        Route("/audiences/{uid}", handler(update_audience, _uid), methods=["PUT"]),
        Route("/audiences/{uid}", handler(delete_audience, _uid), methods=["DELETE"]),
        Route("/attributes", handler(create_attribute), methods=["POST"]),
        Route("/attributes/{uid}", handler(update_attribute, _uid), methods=["PUT"]),
        Route("/attributes/{uid}", handler(delete_attribute, _uid), methods=["DELETE"]),
        Route("/events", handler(create_event), methods=["POST"]),
        Route("/events/{uid}", handler(update_event, _uid), methods=["PUT"]),
        Route("/events/{uid}", handler(delete_event, _uid), methods=["DELETE"]),
        Route("/experiences", handler(create_experience), methods=["POST"]),
        Route("/experiences/{uid}", handler(update_experience, _uid), methods=["PUT"]),
        Route("/experiences/{uid}", handler(delete_experience, _uid), methods=["DELETE"]),
        Route("/experiences/{uid}/versions", handler(create_version, _uid), methods=["POST"]),
        Route("/experiences/{experience_uid}/versions/{version_uid}", version_write("PUT"), methods=["PUT"]),
        Route("/experiences/{experience_uid}/versions/{version_uid}", version_write("DELETE"), methods=["DELETE"]),
        Route("/experiences-priority", handler(set_priority), methods=["PUT"]),
    ]
