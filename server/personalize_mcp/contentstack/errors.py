"""Typed upstream failures, each with a generic sentence that callers may replace with context.

The HTTP core knows the status and which API answered; only the caller knows *what* was asked
for ("experience X in project Y"), so not-found and rejected-request errors are meant to be
caught and re-raised with that context. Nothing from an upstream body is ever put in a message.
"""

from __future__ import annotations

from enum import StrEnum

from personalize_mcp.runtime.errors import UserFacingError


class Api(StrEnum):
    """The two Contentstack APIs this server reads."""

    PERSONALIZE = "personalize"
    CMA = "cma"

    @property
    def display_name(self) -> str:
        return "Personalize Management API" if self is Api.PERSONALIZE else "CMS Management API"


class UpstreamError(UserFacingError):
    """A Contentstack API answered with a failure (or not at all)."""

    def __init__(self, message: str, *, api: Api, status: int | None = None) -> None:
        super().__init__(message)
        self.api = api
        self.status = status


class UpstreamNotFoundError(UpstreamError):
    """HTTP 404: callers re-raise naming what was not found."""


class UpstreamRejectedError(UpstreamError):
    """HTTP 400/409/412/422: the request was refused (e.g. an unknown stack API key)."""


class PermissionDeniedError(UpstreamError):
    """HTTP 403: the login lacks a scope or access to this project/stack."""


class AuthenticationFailedError(UpstreamError):
    """HTTP 401 even after renewing the token."""


class RateLimitedError(UpstreamError):
    """HTTP 429 that outlasted our retries."""


class UpstreamUnavailableError(UpstreamError):
    """HTTP 5xx, a timeout or a network failure that outlasted our retries."""


class UnexpectedResponseError(UpstreamError):
    """The body was not the JSON we expected."""


_PASSING_CLIENT_STATUSES = frozenset({408, 429})


def is_definite_refusal(error: Exception) -> bool:
    """A 4xx that asking again will not change (unlike 408 or 429, a 5xx, or a bad body): the
    call is not there, or not for this login, so an alternative may be tried or the call skipped."""
    if not isinstance(error, UpstreamError) or error.status is None:
        return False
    return 400 <= error.status < 500 and error.status not in _PASSING_CLIENT_STATUSES
