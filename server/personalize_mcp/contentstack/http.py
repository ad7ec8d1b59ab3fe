"""The one HTTP path to Contentstack: base URL per API, auth headers, renewal, retries, error mapping.

Every upstream request of the server goes through `ContentstackHTTP.get_json`, so the rules
users rely on live in one place: requests pass our rate limiter (per organisation and API, see
`ratelimit`), so bursts do not draw 429s; a 401 renews the token and retries (twice at most: a
first renewal may adopt a token another process stored, which upstream may reject as well); a
429 waits for `Retry-After` (capped); 502/503/504, connection failures, read timeouts and dropped
connections of a GET are retried, at most three attempts in all, with jittered exponential
backoff; no wait runs past the tool call's deadline (`deadline`); every failure becomes a typed
`UpstreamError` with a sentence that never quotes an upstream body or a token.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote

import httpx2

from personalize_mcp import __version__
from personalize_mcp.auth.protocol import Credentials
from personalize_mcp.config.settings import ConnectionSettings
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
from personalize_mcp.contentstack.ratelimit import RateLimiter
from personalize_mcp.runtime.deadline import check_wait, format_seconds, sleep_within_deadline

logger = logging.getLogger(__name__)

USER_AGENT = f"contentstack-personalize-mcp/{__version__}"
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
REJECTED_STATUSES = frozenset({400, 409, 412, 422})
DEFAULT_TIMEOUT = httpx2.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
"""Every phase of every request is bounded; the tool call's deadline bounds the whole."""
MAX_RENEWALS = 2
"""Token renewals one request may make after 401s (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try before giving up on one GET."""

    max_attempts: int = 3
    base_backoff: float = 0.25
    max_backoff: float = 4.0
    retry_after_cap: float = 10.0


def url_path(*segments: str) -> str:
    """Join path segments, percent-encoding each, so no value can add a segment or a query."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class _Transient(Enum):
    """A transport failure worth another attempt of a GET: the request may never have arrived."""

    CONNECT = "cannot be reached"
    READ_TIMEOUT = "is not answering"
    RESET = "keeps dropping the connection"


_CONNECT_ERRORS = (httpx2.ConnectError, httpx2.ConnectTimeout)
_RESET_ERRORS = (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)


class ContentstackHTTP:
    """Shared `httpx2.AsyncClient` for both APIs, bound to one account's credentials.

    Every request passes the shared `RateLimiter` (per organisation and API), has timeouts on
    each phase (connect, write, read, pool), and runs inside the tool call's deadline, if any.
    """

    def __init__(
        self,
        connection: ConnectionSettings,
        credentials: Credentials,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: httpx2.Timeout | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._base_urls = {
            Api.PERSONALIZE: connection.personalize_base_url.rstrip("/"),
            Api.CMA: connection.cma_base_url.rstrip("/") + "/v3",
        }
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or RateLimiter()
        self._in_flight = 0
        self._client = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout or DEFAULT_TIMEOUT,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def in_flight(self) -> int:
        """Requests waiting for a slot, being sent or awaiting their answer right now."""
        return self._in_flight

    def limit_key(self, api: Api) -> tuple[str, str]:
        """The rate limiter's key: Contentstack counts per organisation and per API."""
        org = self._credentials.organization_uid or f"account:{self._credentials.account_name}"
        return (org, api.value)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(
        self,
        api: Api,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """GET `path` (already built with `url_path`) and return its parsed JSON body.

        At most `max_attempts` attempts, retrying only 429, 502, 503, 504, connection failures,
        read timeouts and dropped connections; a 401 renews the token and retries (at most
        `MAX_RENEWALS` times, not counted as attempts). Waits between attempts never run past the
        call's deadline.
        """
        url = self._base_urls[api] + path
        key = self.limit_key(api)
        token = await self._credentials.access_token()
        renewals = 0
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._send(api, key, url, token, headers, params)
            if isinstance(outcome, _Transient):
                logger.warning(
                    "%s GET %s failed (%s), attempt %d", api.display_name, _loggable(url), outcome.name, attempt
                )
                if attempt >= self._retry.max_attempts:
                    raise _transient_error(api, outcome, attempt)
                await sleep_within_deadline(self._backoff(attempt), f"its {api.display_name} {outcome.value}")
                continue
            response = outcome
            status = response.status_code
            if status == 401 and _blames_a_header_not_the_token(response):
                raise UpstreamRejectedError(
                    f"Contentstack's {api.display_name} rejected the request (HTTP 401).", api=api, status=status
                )
            if status == 401 and renewals < MAX_RENEWALS:
                renewals += 1
                token = await self._credentials.refresh(token)
                attempt -= 1  # a renewal is not a failed attempt
                continue
            if status in RETRYABLE_STATUSES and attempt < self._retry.max_attempts:
                retry_after = self._retry_after(response)
                delay = self._backoff(attempt) if retry_after is None else retry_after
                if status == 429:
                    reason = f"its {api.display_name} is rate-limiting this organisation"
                    if retry_after is not None:
                        reason += f" and asked to wait {format_seconds(retry_after)} s"
                    check_wait(delay, reason)
                    # Everyone's next request to this organisation and API waits too, this retry included.
                    self._limiter.pause(key, delay)
                else:
                    await sleep_within_deadline(delay, f"its {api.display_name} is failing with HTTP {status}")
                logger.info("%s GET %s -> %d, retrying in %.2f s", api.display_name, _loggable(url), status, delay)
                continue
            if 200 <= status < 300:
                return self._parse(api, response)
            raise self._error_for(api, status)

    async def _send(
        self,
        api: Api,
        key: tuple[str, str],
        url: str,
        token: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str | int] | None,
    ) -> httpx2.Response | _Transient:
        """One attempt through the rate limiter: the response, or which transient failure it met."""
        request_headers = {"authorization": f"Bearer {token}"}
        if headers:
            request_headers.update(headers)
        self._in_flight += 1
        try:
            async with self._limiter.slot(
                key,
                reason=f"requests to its {api.display_name} are queued behind its limit of "
                f"{self._limiter.limit.requests} per second",
            ):
                started = time.perf_counter()
                response = await self._client.get(url, headers=request_headers, params=params)
        except _CONNECT_ERRORS:
            return _Transient.CONNECT
        except httpx2.ReadTimeout:
            return _Transient.READ_TIMEOUT
        except _RESET_ERRORS:
            return _Transient.RESET
        except httpx2.TimeoutException:  # write or pool timeout: not worth repeating
            raise UpstreamUnavailableError(
                f"Contentstack's {api.display_name} did not answer in time; try again shortly.", api=api
            ) from None
        except httpx2.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"The request to Contentstack's {api.display_name} failed ({type(exc).__name__}); try again shortly.",
                api=api,
            ) from None
        finally:
            self._in_flight -= 1
        logger.debug(
            "%s GET %s -> %d in %.0f ms",
            api.display_name,
            _loggable(url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    def _retry_after(self, response: httpx2.Response) -> float | None:
        """The answer's Retry-After in seconds, capped; None when absent or not a number of seconds."""
        retry_after = _retry_after_seconds(response.headers.get("retry-after"))
        return None if retry_after is None else min(retry_after, self._retry.retry_after_cap)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._retry.max_backoff, self._retry.base_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security

    @staticmethod
    def _parse(api: Api, response: httpx2.Response) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond the parser's depth
            raise UnexpectedResponseError(
                f"Contentstack's {api.display_name} returned a response that is not valid JSON "
                f"(HTTP {response.status_code}); try again shortly.",
                api=api,
                status=response.status_code,
            ) from None

    def _error_for(self, api: Api, status: int) -> UpstreamError:
        account = self._credentials.account_name
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


_TOKEN_FIELDS = frozenset({"authtoken", "authorization", "access_token", "token"})


def _blames_a_header_not_the_token(response: httpx2.Response) -> bool:
    """A 401 whose documented error body (`errors`: field -> message) names only other fields, such
    as `api_key`: a wrong stack, which renewing the login would not fix (contentstack-api.md §3)."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return False
    fields = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(fields, dict) or not fields:
        return False
    return not any(str(name).lower() in _TOKEN_FIELDS for name in fields)


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP-date: fall back to backoff rather than trust the clock skew
    return max(0.0, seconds)


def _transient_error(api: Api, failure: _Transient, attempts: int) -> UpstreamUnavailableError:
    if failure is _Transient.CONNECT:
        message = (
            f"Could not reach Contentstack's {api.display_name} (connection failed); check the network connection "
            "and the configured base URL, then try again."
        )
    elif failure is _Transient.READ_TIMEOUT:
        message = f"Contentstack's {api.display_name} did not answer in time ({attempts} attempts); try again shortly."
    else:
        message = f"Contentstack's {api.display_name} dropped the connection ({attempts} attempts); try again shortly."
    return UpstreamUnavailableError(message, api=api)


def _loggable(url: str) -> str:
    """URLs carry ids but never tokens (those travel in headers); drop the query anyway."""
    return url.split("?", 1)[0]
