"""Error responses in each API's own dialect, so clients are tested against the bodies they will meet.

- Personalize: undocumented; official code reads `errors`, `error`, `error_message`, `message`.
  The service is NestJS-like, so bodies are `{"statusCode", "message", "error"}`.
- CMS: documented `{"error_message", "error_code", "errors": {field: [reason]}}`. Codes 105 (token)
  and 109 (stack) are Contentstack's; the others are sandbox-chosen and listed in `CMSCode`.
- OAuth token endpoint: RFC 6749 `{"error", "error_description"}`.
- 502/503/504: HTML from the load balancer, as gateways answer, not JSON from the service.
"""

from __future__ import annotations

from enum import IntEnum
from http import HTTPStatus
from typing import Literal

from starlette.responses import HTMLResponse, JSONResponse, Response

Api = Literal["personalize", "cma", "oauth", "app"]
API_NAMES: tuple[Api, ...] = ("personalize", "cma", "oauth", "app")


class CMSCode(IntEnum):
    """`error_code` values of CMS error bodies."""

    INVALID_TOKEN = 105  # Contentstack's: invalid/expired/revoked token
    STACK_NOT_FOUND = 109  # Contentstack's: missing or invalid api_key
    INVALID_PARAMETER = 102  # sandbox-chosen: bad skip/limit
    NOT_FOUND = 141  # sandbox-chosen: variant group / variant not found
    NOT_ALLOWED = 161  # sandbox-chosen: other organisation, or missing OAuth scope
    ORGANIZATION_REQUIRED = 309  # sandbox-chosen: organization_uid header missing
    RATE_LIMITED = 429  # sandbox-chosen
    SERVER_ERROR = 500  # sandbox-chosen


def personalize_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A NestJS-style error: `{"statusCode", "message", "error"}`."""
    body = {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}
    return JSONResponse(body, status_code=status, headers=headers)


def cms_error(
    status: int,
    message: str,
    code: int,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A documented CMS error body."""
    body = {"error_message": message, "error_code": int(code), "errors": errors or {}}
    return JSONResponse(body, status_code=status, headers=headers)


def oauth_error(error: str, description: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    """An RFC 6749 §5.2 token-endpoint error."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
    )


def unauthorized(api: Api) -> Response:
    """401 for a missing, unknown, expired or revoked access token."""
    if api == "cma":
        return cms_error(
            401,
            "The provided access token is invalid or expired or revoked",
            CMSCode.INVALID_TOKEN,
            {"authorization": ["is not valid."]},
        )
    if api == "personalize":
        return personalize_error(401, "Unauthorized")
    return oauth_error("invalid_token", "The access token is invalid.", 401)


def forbidden(api: Api, message: str) -> Response:
    """403: the token's organisation or scopes do not allow this call."""
    if api == "cma":
        return cms_error(403, message, CMSCode.NOT_ALLOWED, {"authorization": ["is not allowed."]})
    return personalize_error(403, message)


def generic_error(api: Api, status: int, headers: dict[str, str] | None = None) -> Response:
    """Any other status (route-level 404/405, injected 5xx, 429) in the API's dialect."""
    if status in (502, 503, 504):
        phrase = f"{status} {HTTPStatus(status).phrase}"
        return HTMLResponse(
            f"<html><head><title>{phrase}</title></head><body><center><h1>{phrase}</h1></center></body></html>",
            status_code=status,
            headers=headers,
        )
    if api == "personalize":
        if status == 429:
            return personalize_error(429, "ThrottlerException: Too Many Requests", headers)
        if status == 500:
            return JSONResponse({"statusCode": 500, "message": "Internal server error"}, 500, headers)
        return personalize_error(status, HTTPStatus(status).phrase, headers)
    if api == "cma":
        if status == 429:
            return cms_error(
                429,
                "Too many requests. Please try again after some time.",
                CMSCode.RATE_LIMITED,
                headers=headers,
            )
        if status >= 500:
            return cms_error(
                status, "Something went wrong. Please try again later.", CMSCode.SERVER_ERROR, headers=headers
            )
        return cms_error(status, HTTPStatus(status).phrase, status, headers=headers)
    if status == 429:
        return oauth_error("temporarily_unavailable", "Too many requests.", 429, headers)
    if status >= 500:
        return oauth_error("server_error", "The authorization server failed.", status, headers)
    return oauth_error("invalid_request", HTTPStatus(status).phrase, status, headers)
