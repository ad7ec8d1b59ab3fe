"""The one HTTP path to Contentstack: base URL per API, auth headers, renewal, retries, error mapping.

Every upstream request of the server goes through `ContentstackHTTP.get_json`, so the rules
users rely on live in one place: a 401 renews the token once and retries once; a 429 waits for
`Retry-After`; transient failures of a GET are retried a bounded number of times; every failure
becomes a typed `UpstreamError` with a sentence that never quotes an upstream body or a token.
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

from personalize_mcp import __version__
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
from personalize_mcp.credentials import Credentials
from personalize_mcp.settings import ConnectionSettings

logger = logging.getLogger(__name__)

USER_AGENT = f"contentstack-personalize-mcp/{__version__}"
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
REJECTED_STATUSES = frozenset({400, 409, 412, 422})


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
    ) -> None:
        self._base_urls = {
            Api.PERSONALIZE: connection.personalize_base_url.rstrip("/"),
            Api.CMA: connection.cma_base_url.rstrip("/") + "/v3",
        }
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._client = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout or httpx2.Timeout(20.0, connect=5.0, pool=10.0),
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
        """GET `path` (already built with `url_path`) and return its parsed JSON body."""
        url = self._base_urls[api] + path
        token = await self._credentials.access_token()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            response = await self._send(api, url, token, headers, params, attempt)
            if response is None:
                await anyio.sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if status == 401 and not renewed:
                renewed = True
                token = await self._credentials.refresh(token)
                attempt -= 1  # a renewal is not a failed attempt
                continue
            if status in RETRYABLE_STATUSES and attempt < self._retry.max_attempts:
                await anyio.sleep(self._delay(response, attempt))
                continue
            if 200 <= status < 300:
                return self._parse(api, response)
            raise self._error_for(api, status)

    async def _send(
        self,
        api: Api,
        url: str,
        token: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str | int] | None,
        attempt: int,
    ) -> httpx2.Response | None:
        """One attempt; `None` means a transient transport failure worth another try."""
        request_headers = {"authorization": f"Bearer {token}"}
        if headers:
            request_headers.update(headers)
        started = time.perf_counter()
        try:
            response = await self._client.get(url, headers=request_headers, params=params)
        except (httpx2.ConnectError, httpx2.ReadTimeout, httpx2.RemoteProtocolError, httpx2.ReadError) as exc:
            logger.warning(
                "%s GET %s failed (%s), attempt %d", api.display_name, _loggable(url), type(exc).__name__, attempt
            )
            if attempt < self._retry.max_attempts:
                return None
            raise UpstreamUnavailableError(
                f"Could not reach Contentstack's {api.display_name} ({_describe_transport_error(exc)}); "
                "check the network connection and the configured base URL, then try again.",
                api=api,
            ) from None
        except httpx2.TimeoutException:
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
        try:
            return response.json()
        except ValueError:
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


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP-date: fall back to backoff rather than trust the clock skew
    return max(0.0, seconds)


def _describe_transport_error(exc: Exception) -> str:
    if isinstance(exc, httpx2.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx2.ReadTimeout):
        return "no answer in time"
    return "connection dropped"


def _loggable(url: str) -> str:
    """URLs carry ids but never tokens (those travel in headers); drop the query anyway."""
    return url.split("?", 1)[0]
