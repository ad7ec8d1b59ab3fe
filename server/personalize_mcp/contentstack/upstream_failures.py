"""Every way an upstream request fails, as one typed `UpstreamError` with one sentence.

A sentence names the API and, where it helps, the HTTP status and what to do; it never quotes an
upstream body or a token. Callers that know *what* was asked for re-raise with that context (`errors`).
"""

from __future__ import annotations

import json

import httpx2

from personalize_mcp.contentstack.errors import (
    Api,
    AuthenticationFailedError,
    PermissionDeniedError,
    RateLimitedError,
    UnexpectedResponseError,
    UpstreamError,
    UpstreamNotFoundError,
    UpstreamRejectedError,
    UpstreamUnavailableError,
)
from personalize_mcp.contentstack.retries import Transient

REJECTED_STATUSES = frozenset({400, 409, 412, 422})
_TOKEN_FIELDS = frozenset({"authtoken", "authorization", "access_token", "token"})


def error_for_status(api: Api, status: int, account: str) -> UpstreamError:
    """The failure an answer's final status means (after renewals and retries); `account` names the login."""
    if status == 401:
        return AuthenticationFailedError(
            f"Contentstack's {api.display_name} rejected the login of account '{account}' even after renewing it; "
            f"run `personalize-mcp login --account {account}`.",
            api=api,
            status=status,
        )
    if status == 403:
        return PermissionDeniedError(
            f"Contentstack's {api.display_name} denied access (HTTP 403); the login of account '{account}' "
            "may lack a scope (e.g. personalize:read) or access to this project or stack.",
            api=api,
            status=status,
        )
    if status == 404:
        return UpstreamNotFoundError(
            f"Contentstack's {api.display_name} found nothing at that address (HTTP 404).", api=api, status=status
        )
    if status == 429:
        return RateLimitedError(
            f"Contentstack's {api.display_name} is rate-limiting this organisation (HTTP 429); "
            "wait a few seconds and try again.",
            api=api,
            status=status,
        )
    if status in REJECTED_STATUSES:
        return UpstreamRejectedError(
            f"Contentstack's {api.display_name} rejected the request (HTTP {status}).", api=api, status=status
        )
    if status >= 500:
        return UpstreamUnavailableError(
            f"Contentstack's {api.display_name} is failing (HTTP {status}); try again shortly.",
            api=api,
            status=status,
        )
    return UnexpectedResponseError(
        f"Contentstack's {api.display_name} answered with unexpected HTTP status {status}.", api=api, status=status
    )


def blames_a_header_not_the_token(content: bytes) -> bool:
    """A 401 whose documented error body (`errors`: field -> message) names only other fields, such
    as `api_key`: a wrong stack, which renewing the login would not fix (contentstack-api.md §3)."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return False
    fields = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(fields, dict) or not fields:
        return False
    return not any(str(name).lower() in _TOKEN_FIELDS for name in fields)


def header_rejected(api: Api, status: int) -> UpstreamRejectedError:
    """A 401 that blames a header (see `blames_a_header_not_the_token`), not the login."""
    return UpstreamRejectedError(
        f"Contentstack's {api.display_name} rejected the request (HTTP {status}).", api=api, status=status
    )


def transport_failed(api: Api, error: httpx2.HTTPError) -> UpstreamUnavailableError:
    """A transport failure not worth another attempt: a write or pool timeout, or any other."""
    if isinstance(error, httpx2.TimeoutException):
        return UpstreamUnavailableError(
            f"Contentstack's {api.display_name} did not answer in time; try again shortly.", api=api
        )
    return UpstreamUnavailableError(
        f"The request to Contentstack's {api.display_name} failed ({type(error).__name__}); try again shortly.",
        api=api,
    )


def retries_exhausted(api: Api, failure: Transient, attempts: int) -> UpstreamUnavailableError:
    """A transient failure that outlasted every attempt."""
    if failure is Transient.CONNECT:
        message = (
            f"Could not reach Contentstack's {api.display_name} (connection failed); check the network connection "
            "and the configured base URL, then try again."
        )
    elif failure is Transient.READ_TIMEOUT:
        message = f"Contentstack's {api.display_name} did not answer in time ({attempts} attempts); try again shortly."
    else:
        message = f"Contentstack's {api.display_name} dropped the connection ({attempts} attempts); try again shortly."
    return UpstreamUnavailableError(message, api=api)
