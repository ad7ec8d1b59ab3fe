"""`/_sandbox/...`: test controls over HTTP (no auth), mirroring the `SandboxState` methods.

| call | does |
|---|---|
| `GET /requests`, `DELETE /requests` | read / clear the request log |
| `GET /faults`, `POST /faults`, `DELETE /faults` | show / add (one JSON object or a list) / clear faults |
| `POST /reset` | data, switches, faults, log, counters back to the seed, or to `--scale`'s account (tokens kept) |
| `GET /settings`, `POST /settings` | read / change switches (partial JSON object) |
| `POST /tokens` | `{"organization_uid", "user_uid", "ttl"?, "scopes"?}` → `{"access_token"}` |
| `POST /tokens/expire` | expire every non-permanent access token now |
| `POST /tokens/revoke` | `{"token"}` (its grant), `{"user_uid"}` (all their grants) or `{"all": true}` |
| `GET /counters` | `{"token_requests": {grant_type: n}}` |
| `POST /apps/{client_id}/redirect-uris` | `{"redirect_uri"}`: one more registered redirect URI (kept across resets) |
| `POST /write-fault` | `{"after": n, "status"?: 500}`: the next n Personalize writes succeed, the one after fails |
| `GET /scale` | the generated account served (spec, notable uids, counts), or `null` for the seed |
| `POST /scale` | `{"k", "seed"?, <count>?...}`: serve a generated account (generated.py) until the next reset |
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.faults import FaultError
from personalize_mcp.sandbox.gate import state_of
from personalize_mcp.sandbox.generated import ScaleSpec

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class SwitchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_limit_per_second: Annotated[int, Field(ge=1)] | None = None
    access_token_ttl: Annotated[int, Field(ge=1)] = 3600
    code_ttl: Annotated[int, Field(ge=1)] = 60
    rotate_refresh_tokens: StrictBool = True
    omit_refresh_token_on_refresh: StrictBool = False
    location: Annotated[str, Field(pattern=r"^[A-Z_]{2,16}$")] = "NA"
    single_variant_key: Literal["variant", "variants"] = "variant"
    enforce_scopes: StrictBool = True
    serve_attributes: StrictBool = True
    short_uid_on_put: Literal["accept", "refuse"] = "accept"


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_uid: Identifier
    user_uid: Identifier
    ttl: Annotated[float, Field(gt=0)] | None = None
    scopes: list[str] | None = None


class RedirectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    redirect_uri: Annotated[str, Field(pattern=r"^https?://[^\s#]+$", max_length=2000)]


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str | None = None
    user_uid: str | None = None
    all: bool = False


Count = Annotated[int, Field(ge=0, le=1_000_000)]


class ScaleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: Annotated[int, Field(ge=1, le=10_000)]
    seed: int = 0
    audiences: Count | None = None
    lytics_every: Annotated[int, Field(ge=1)] | None = None
    custom_attributes: Count | None = None
    experiences: Count | None = None
    variant_groups: Count | None = None
    catalog_groups: Count | None = None
    big_group_variants: Count | None = None
    broad_audiences: Count | None = None
    extra_projects: Count | None = None


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ValueError("body must be JSON") from exc


async def get_requests(request: Request) -> JSONResponse:
    return JSONResponse({"requests": [r.as_dict() for r in state_of(request).request_log()]})


async def clear_requests(request: Request) -> Response:
    state_of(request).clear_requests()
    return Response(status_code=204)


async def get_faults(request: Request) -> JSONResponse:
    return JSONResponse(state_of(request).faults.snapshot())


async def add_faults(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        body = await _json(request)
        specs = body if isinstance(body, list) else [body]
        for spec in specs:
            if not isinstance(spec, dict):
                raise FaultError("each fault must be a JSON object")
            state.faults.apply(spec)
    except (ValueError, FaultError) as exc:
        return _bad(str(exc))
    return JSONResponse(state.faults.snapshot())


async def clear_faults(request: Request) -> Response:
    state_of(request).clear_faults()
    return Response(status_code=204)


async def reset(request: Request) -> Response:
    state_of(request).reset()
    return Response(status_code=204)


async def get_settings(request: Request) -> JSONResponse:
    return JSONResponse(state_of(request).switches())


async def update_settings(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        update = SwitchUpdate.model_validate(await _json(request))
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    with state.lock:
        for name, value in update.model_dump(exclude_unset=True).items():
            setattr(state, name, value)
    return JSONResponse(state.switches())


async def issue_token(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        asked = TokenRequest.model_validate(await _json(request))
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    scopes = frozenset(asked.scopes) if asked.scopes is not None else None
    token = state.issue_access_token(asked.organization_uid, asked.user_uid, ttl=asked.ttl, scopes=scopes)
    return JSONResponse({"access_token": token})


async def expire_tokens(request: Request) -> JSONResponse:
    return JSONResponse({"expired": state_of(request).expire_access_tokens()})


async def revoke_tokens(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        asked = RevokeRequest.model_validate(await _json(request))
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    if asked.all:
        return JSONResponse({"revoked": state.revoke_all_grants()})
    if asked.user_uid is not None:
        return JSONResponse({"revoked": state.revoke_user_grants(asked.user_uid)})
    if asked.token is not None:
        return JSONResponse({"revoked": int(state.revoke_grant_of(asked.token))})
    return _bad("give token, user_uid or all")


async def register_redirect_uri(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        asked = RedirectRequest.model_validate(await _json(request))
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    client_id = request.path_params["client_id"]
    if not state.register_redirect_uri(client_id, asked.redirect_uri):
        return JSONResponse({"error": f"no app has client_id {client_id}"}, status_code=404)
    return JSONResponse({"client_id": client_id, "redirect_uris": list(state.oauth_apps[client_id].redirect_uris)})


async def counters(request: Request) -> JSONResponse:
    state = state_of(request)
    with state.lock:
        return JSONResponse({"token_requests": dict(state.token_requests)})


async def get_scale(request: Request) -> JSONResponse:
    generated = state_of(request).generated
    return JSONResponse(generated.summary() if generated is not None else None)


async def load_scale(request: Request) -> JSONResponse:
    try:
        asked = ScaleRequest.model_validate(await _json(request))
        counts = asked.model_dump(exclude_none=True, exclude={"k", "seed"})
        spec = ScaleSpec.of(asked.k, asked.seed, **counts)
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    return JSONResponse(state_of(request).load_generated(spec).summary())


class WriteFaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: Annotated[int, Field(ge=0, le=1000)] = 1
    status: Annotated[int, Field(ge=400, le=599)] = 500


async def write_fault(request: Request) -> JSONResponse:
    try:
        asked = WriteFaultRequest.model_validate(await _json(request))
    except (ValueError, ValidationError) as exc:
        return _bad(str(exc))
    state_of(request).fail_write_after(asked.after, asked.status)
    return JSONResponse({"after": asked.after, "status": asked.status})


def control_routes() -> list[BaseRoute]:
    return [
        Route("/requests", get_requests, methods=["GET"]),
        Route("/requests", clear_requests, methods=["DELETE"]),
        Route("/faults", get_faults, methods=["GET"]),
        Route("/faults", add_faults, methods=["POST"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/settings", get_settings, methods=["GET"]),
        Route("/settings", update_settings, methods=["POST", "PATCH"]),
        Route("/tokens", issue_token, methods=["POST"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route("/counters", counters, methods=["GET"]),
        Route("/apps/{client_id}/redirect-uris", register_redirect_uri, methods=["POST"]),
        Route("/scale", get_scale, methods=["GET"]),
        Route("/scale", load_scale, methods=["POST"]),
        Route("/write-fault", write_fault, methods=["POST"]),
    ]
