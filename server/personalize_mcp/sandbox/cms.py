"""CMS Management API (contentstack-api.md §3): user, organisation, stacks, variant groups, variants.

Choices where the reference is silent (all bodies are the documented CMS error shape):
- missing `organization_uid` (on `/v3/stacks`) or `api_key` header → 400;
- `organization_uid` or `{org_uid}` other than the token's organisation → 403 (existence not revealed);
- `api_key` of an unknown stack or another organisation's → 412, error_code 109, as Contentstack does;
- `limit` outside 1..100 or a negative/non-integer `skip` → 400 (no silent clamping); default limit 100;
- `count` only with `include_count=true`; embedded `variants` only with `include_variant_info=true`;
- unknown variant group or variant → 404; single variant under `state.single_variant_key`.
Scopes: `/v3/user` needs `user:read`, `/v3/organizations/...` `organization:read`, `/v3/stacks`
`cm.stacks.management:read`; variant-group calls need none (their scope is undocumented).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.errors import CMSCode, cms_error, forbidden
from personalize_mcp.sandbox.gate import Refusal, json_response, principal_of, require_scope, state_of

JSON = dict[str, Any]
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int
    include_count: bool

    def body(self, key: str, items: list[JSON], strip: str | None = None) -> JSON:
        """The page of `items` under `key` (each without its `strip` field), and `count` if asked.
        Only the page is copied: a page of a 25,000-item list costs the same as one of 100."""
        page = items[self.skip : self.skip + self.limit]
        if strip is not None:
            page = [{k: v for k, v in item.items() if k != strip} for item in page]
        body: JSON = {key: page}
        if self.include_count:
            body["count"] = len(items)
        return body

    @property
    def key(self) -> tuple[int, int, bool]:
        return self.skip, self.limit, self.include_count


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("true", "1")


def _int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Refusal(
            cms_error(
                400,
                f"{name} must be an integer {bounds}.",
                CMSCode.INVALID_PARAMETER,
                {name: [f"must be an integer {bounds}."]},
            )
        )
    return value


def _page(request: Request) -> Page:
    return Page(
        skip=_int_param(request, "skip", 0, 0, None),
        limit=_int_param(request, "limit", MAX_LIMIT, 1, MAX_LIMIT),
        include_count=_flag(request, "include_count"),
    )


def _own_org(request: Request, org_uid: str) -> None:
    if org_uid != principal_of(request).org_uid:
        raise Refusal(forbidden("cma", "You don't have permission to access this organization."))


def _stack(request: Request) -> JSON:
    """The stack named by the `api_key` header, if it belongs to the caller's organisation."""
    principal = principal_of(request)
    api_key = request.headers.get("api_key", "").strip()
    if not api_key:
        raise Refusal(
            cms_error(400, "The api_key header is required.", CMSCode.STACK_NOT_FOUND, {"api_key": ["is required."]})
        )
    for stack in state_of(request).data.stacks:
        if stack["api_key"] == api_key and stack["org_uid"] == principal.org_uid:
            return stack
    raise Refusal(
        cms_error(
            412,
            "We can't find that Stack. Please try again.",
            CMSCode.STACK_NOT_FOUND,
            {"api_key": ["is not valid."]},
        )
    )


def _not_found(what: str, field: str) -> Refusal:
    return Refusal(cms_error(404, f"{what} was not found.", CMSCode.NOT_FOUND, {field: ["is not valid."]}))


def _group(request: Request) -> JSON:
    stack = _stack(request)
    group_uid = request.path_params["group_uid"]
    for group in state_of(request).data.variant_groups.get(stack["api_key"], []):
        if group["uid"] == group_uid:
            return group
    raise _not_found("Variant group", "variant_group_uid")


def _org_stacks(request: Request, org_uid: str) -> JSONResponse:
    page = _page(request)
    stacks = [s for s in state_of(request).data.stacks if s["org_uid"] == org_uid]
    return JSONResponse(page.body("stacks", stacks))


async def get_user(request: Request) -> JSONResponse:
    principal = require_scope(request, "cma", "user:read")
    user = state_of(request).data.users.get(principal.user_uid)
    if user is None:
        raise _not_found("User", "user_uid")
    return JSONResponse({"user": user})


async def get_organization(request: Request) -> JSONResponse:
    require_scope(request, "cma", "organization:read")
    org_uid = request.path_params["org_uid"]
    _own_org(request, org_uid)
    organization = state_of(request).data.organizations.get(org_uid)
    if organization is None:
        raise _not_found("Organization", "organization_uid")
    return JSONResponse({"organization": organization})


async def list_organization_stacks(request: Request) -> JSONResponse:
    require_scope(request, "cma", "organization:read")
    org_uid = request.path_params["org_uid"]
    _own_org(request, org_uid)
    return _org_stacks(request, org_uid)


async def list_stacks(request: Request) -> JSONResponse:
    require_scope(request, "cma", "cm.stacks.management:read")
    org_uid = request.headers.get("organization_uid", "").strip()
    if not org_uid:
        raise Refusal(
            cms_error(
                400,
                "The organization_uid header is required.",
                CMSCode.ORGANIZATION_REQUIRED,
                {"organization_uid": ["is required."]},
            )
        )
    _own_org(request, org_uid)
    return _org_stacks(request, org_uid)


async def list_variant_groups(request: Request) -> Response:
    api_key = _stack(request)["api_key"]
    page = _page(request)
    with_variants = _flag(request, "include_variant_info")
    groups = state_of(request).data.variant_groups.get(api_key, [])
    return json_response(
        request,
        ("variant_groups", api_key, with_variants, *page.key),
        lambda: page.body("variant_groups", groups, strip=None if with_variants else "variants"),
    )


async def list_variants(request: Request) -> Response:
    group = _group(request)
    api_key = request.headers["api_key"].strip()  # the stack _group found the group in
    page = _page(request)
    return json_response(
        request, ("variants", api_key, group["uid"], *page.key), lambda: page.body("variants", group["variants"])
    )


async def get_variant(request: Request) -> JSONResponse:
    group = _group(request)
    variant_uid = request.path_params["variant_uid"]
    for variant in group["variants"]:
        if variant["uid"] == variant_uid:
            return JSONResponse({state_of(request).single_variant_key: variant})
    raise _not_found("Variant", "variant_uid")


def cms_routes() -> list[BaseRoute]:
    return [
        Route("/v3/user", get_user, methods=["GET"]),
        Route("/v3/organizations/{org_uid}", get_organization, methods=["GET"]),
        Route("/v3/organizations/{org_uid}/stacks", list_organization_stacks, methods=["GET"]),
        Route("/v3/stacks", list_stacks, methods=["GET"]),
        Route("/v3/variant_groups", list_variant_groups, methods=["GET"]),
        Route("/v3/variant_groups/{group_uid}/variants", list_variants, methods=["GET"]),
        Route("/v3/variant_groups/{group_uid}/variants/{variant_uid}", get_variant, methods=["GET"]),
    ]
