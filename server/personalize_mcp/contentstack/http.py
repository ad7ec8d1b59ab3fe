"""The one HTTP path to Contentstack: base URL per API, auth headers, renewal, rate limit, retries,
deadline, error mapping.

Every upstream request of the server goes through `ContentstackHTTP.get_json`, so the rules
users rely on live in one place:
- a shared limiter keeps each organisation within 10 requests per second per API (`ratelimit`);
- a 401 renews the token once and retries once;
- a GET is retried only on 429, 502, 503, 504, a failed or reset connection, or a read timeout,
  at most `max_attempts` times in all; a 429 waits for `Retry-After` (capped), the rest back off
  exponentially with jitter;
- every request has connect, read, write and pool timeouts, and everything runs inside the tool
  call's deadline (`deadline`): a wait that would end after it is not started, and the failure
  it would have retried is reported instead;
- every failure becomes a typed `UpstreamError` with one sentence that names the API (and the
  HTTP status when there is one), never an upstream body or a token.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import anyio
import httpx2

from personalize_mcp import __version__, deadline
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
from personalize_mcp.contentstack.ratelimit import UpstreamLimits, WaitTooLong
from personalize_mcp.credentials import Credentials
from personalize_mcp.settings import ConnectionSettings

logger = logging.getLogger(__name__)

USER_AGENT = f"contentstack-personalize-mcp/{__version__}"
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
REJECTED_STATUSES = frozenset({400, 409, 412, 422})
RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx2.TransportError], ...] = (
    httpx2.ConnectError,  # refused, unreachable, DNS
    httpx2.ConnectTimeout,
    httpx2.ReadTimeout,
    httpx2.ReadError,  # connection reset while waiting for the answer
    httpx2.WriteError,  # connection reset while sending the request
    httpx2.RemoteProtocolError,  # closed without (a complete) answer, e.g. a reset keep-alive connection
)
DEFAULT_TIMEOUT = httpx2.Timeout(10.0, connect=5.0, pool=5.0)
"""Per request: 5 s to connect or to get a pooled connection, 10 s between bytes read or written."""


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


class ContentstackHTTP:
    """Shared `httpx2.AsyncClient` for both APIs, bound to one account's credentials."""

    def __init__(
        self,
        connection: ConnectionSettings,
        credentials: Credentials,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: httpx2.Timeout | None = None,
        retry: RetryPolicy | None = None,
        limits: UpstreamLimits | None = None,
        deadline_seconds: float = deadline.DEFAULT_DEADLINE,
    ) -> None:
        self._base_urls = {
            Api.PERSONALIZE: connection.personalize_base_url.rstrip("/"),
            Api.CMA: connection.cma_base_url.rstrip("/") + "/v3",
        }
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._limits = limits if limits is not None else UpstreamLimits()
        self.deadline_seconds = deadline_seconds
        """Bound of one request (retries included) made outside any tool call's deadline."""
        self._client = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout or DEFAULT_TIMEOUT,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            follow_redirects=False,
        )

    @property
    def credentials(self) -> Credentials:
        return self._credentials

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
        """GET `path` (already built with `url_path`) and return its parsed JSON body (an object or a list)."""
        async with deadline.within_deadline(self.deadline_seconds):  # a tool call's earlier deadline wins
            return await self._get_json(api, self._base_urls[api] + path, headers, params)

    async def _get_json(
        self,
        api: Api,
        url: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str | int] | None,
    ) -> Any:
        token = await self._credentials.access_token()
        budget = self._budget_key(api)
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send(api, url, token, headers, params, budget)
            except RETRYABLE_TRANSPORT_ERRORS as exc:
                logger.warning(
                    "%s GET %s failed (%s), attempt %d", api.display_name, _loggable(url), type(exc).__name__, attempt
                )
                failure: UpstreamError = _transport_failure(api, exc)
                if attempt >= self._retry.max_attempts:
                    raise failure from None
                await self._wait_before_retry(self._backoff(attempt), failure)
                continue
            status = response.status_code
            if status == 401 and not renewed:
                renewed = True
                token = await self._credentials.refresh(token)
                attempt -= 1  # a renewal is not a failed attempt
                continue
            if 200 <= status < 300:
                return self._parse(api, response)
            failure = self._error_for(api, status)
            if status not in RETRYABLE_STATUSES or attempt >= self._retry.max_attempts:
                raise failure
            delay = self._delay(response, attempt)
            if status == 429:
                self._limits.pause(budget, delay)  # everyone on this budget waits, not only this call
            logger.info("%s GET %s -> %d, retrying in %.2f s", api.display_name, _loggable(url), status, delay)
            await self._wait_before_retry(delay, failure)

    def _budget_key(self, api: Api) -> tuple[str, str]:
        """Contentstack's budget is per organisation per API; an account without one is its own budget."""
        org = self._credentials.organization_uid
        return self._base_urls[api], f"org:{org}" if org else f"account:{self._credentials.account_name}"

    @staticmethod
    async def _wait_before_retry(delay: float, failure: UpstreamError) -> None:
        """Sleep before the next attempt, unless that would outlast the deadline: then `failure` is the answer."""
        if not deadline.fits(delay):
            raise failure
        await anyio.sleep(delay)

    async def _send(
        self,
        api: Api,
        url: str,
        token: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str | int] | None,
        budget: tuple[str, str],
    ) -> httpx2.Response:
        """One attempt inside one rate-limit slot; retryable transport errors propagate to the caller."""
        request_headers = {"authorization": f"Bearer {token}"}
        if headers:
            request_headers.update(headers)
        try:
            async with self._limits.slot(budget):
                started = time.perf_counter()
                response = await self._client.get(url, headers=request_headers, params=params)
        except WaitTooLong:
            raise RateLimitedError(
                f"Too many requests to Contentstack's {api.display_name} are queued for this organisation "
                "(10 per second) to answer within the deadline; try again in a few seconds.",
                api=api,
            ) from None
        except RETRYABLE_TRANSPORT_ERRORS:
            raise
        except httpx2.TimeoutException:  # pool or write timeout
            raise UpstreamUnavailableError(
                f"Contentstack's {api.display_name} did not answer in time; try again shortly.", api=api
            ) from None
        except httpx2.HTTPError as exc:
            raise UpstreamUnavailableError(
                f"The request to Contentstack's {api.display_name} failed ({type(exc).__name__}); try again shortly.",
                api=api,
            ) from None
        logger.debug(
            "%s GET %s -> %d in %.0f ms",
            api.display_name,
            _loggable(url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    def _delay(self, response: httpx2.Response, attempt: int) -> float:
        retry_after = _retry_after_seconds(response.headers.get("retry-after"))
        if retry_after is not None:
            return min(retry_after, self._retry.retry_after_cap)
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._retry.max_backoff, self._retry.base_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security

    @staticmethod
    def _parse(api: Api, response: httpx2.Response) -> Any:
        status = response.status_code
        try:
            body = response.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or absurdly nested
            raise UnexpectedResponseError(
                f"Contentstack's {api.display_name} returned a response that is not valid JSON "
                f"(HTTP {status}); try again shortly.",
                api=api,
                status=status,
            ) from None
        if not isinstance(body, dict | list):
            raise UnexpectedResponseError(
                f"Contentstack's {api.display_name} returned JSON that is neither an object nor a list "
                f"(HTTP {status}); try again, and report it if it persists.",
                api=api,
                status=status,
            )
        return body

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


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP-date: fall back to backoff rather than trust the clock skew
    return max(0.0, seconds)


def _transport_failure(api: Api, exc: Exception) -> UpstreamUnavailableError:
    if isinstance(exc, httpx2.ReadTimeout):
        return UpstreamUnavailableError(
            f"Contentstack's {api.display_name} did not answer in time; try again shortly.", api=api
        )
    reason = (
        "connection failed" if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout) else ("connection dropped")
    )
    return UpstreamUnavailableError(
        f"Could not reach Contentstack's {api.display_name} ({reason}); "
        "check the network connection and the configured base URL, then try again.",
        api=api,
    )


def _loggable(url: str) -> str:
    """URLs carry ids but never tokens (those travel in headers); drop the query anyway."""
    return url.split("?", 1)[0]
