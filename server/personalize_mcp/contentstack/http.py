"""The one HTTP path to Contentstack: base URL per API, auth headers, token renewal, the attempt loop.

Every upstream request of the server goes through `ContentstackHTTP`, so the rules users rely on
live in one place: requests pass our rate limiter (per organisation and API, see `ratelimit`), so
bursts do not draw 429s; a 401 renews the token and retries (twice at most: a first renewal may
adopt a token another process stored, which upstream may reject as well); 429s and failures worth
another attempt are retried as `retries` says, never waiting past the tool call's deadline; each
attempt is sent by `sender`, its body read bounded and decompressed (`bodies`); every failure
becomes a typed `UpstreamError` whose sentence (`upstream_failures`) never quotes an upstream body
or a token. The path takes the HTTP method as a parameter (`_request`): `get_json` reads, `send_json`
writes. A write is sent again only when it certainly did not reach the service -- a refused connection,
a 429, a 401 before renewal -- never after a timeout, a dropped connection or a 5xx, whose outcome is
open (`write_failures.WriteOutcomeUnknownError`); a refusal names its dotted code when it has one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote

import httpx2

from personalize_mcp.auth.protocol import Credentials
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.contentstack.bodies import DEFAULT_MAX_RESPONSE_BYTES, UpstreamAnswer, parse_json
from personalize_mcp.contentstack.errors import Api, UpstreamError
from personalize_mcp.contentstack.ratelimit import Limiter, RateLimiter
from personalize_mcp.contentstack.retries import RETRYABLE_STATUSES, RetryPolicy, Transient, wait_to_retry
from personalize_mcp.contentstack.sender import UpstreamSender, loggable, shared_client
from personalize_mcp.contentstack.upstream_failures import (
    blames_a_header_not_the_token,
    error_for_status,
    header_rejected,
    retries_exhausted,
)
from personalize_mcp.contentstack.write_failures import outcome_unknown, write_failure
from personalize_mcp.runtime.deadline import sleep_within_deadline

logger = logging.getLogger(__name__)

MAX_RENEWALS = 2
"""Token renewals one request may make after 401s (see the module docstring)."""


_UNANSWERED = {Transient.READ_TIMEOUT: "got no answer in time", Transient.RESET: "lost its connection"}


@runtime_checkable
class WordsItsRefusals(Protocol):
    """Credentials that say a final 401 or 403 in their own words (a person's login, not an account's)."""

    def refusal(self, api: Api, status: int) -> UpstreamError | None: ...


def url_path(*segments: str) -> str:
    """Join path segments, percent-encoding each, so no value can add a segment or a query."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class ContentstackHTTP:
    """Both APIs through one shared client, bound to one account's credentials.

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
        limiter: Limiter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._base_urls = {
            Api.PERSONALIZE: connection.personalize_base_url.rstrip("/"),
            Api.CMA: connection.cma_base_url.rstrip("/") + "/v3",
        }
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._transport = transport
        self._timeout = timeout
        self._client: httpx2.AsyncClient | None = None
        self._sender = UpstreamSender(
            lambda: self.client, limiter=limiter or RateLimiter(), max_response_bytes=max_response_bytes
        )

    @property
    def client(self) -> httpx2.AsyncClient:
        """The client both APIs share, made on the first request: making one loads the system's CA
        certificates (tens of milliseconds), which a server starting up need not wait for."""
        if self._client is None:
            self._client = shared_client(transport=self._transport, timeout=self._timeout)
        return self._client

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    @property
    def limiter(self) -> Limiter:
        return self._sender.limiter

    @property
    def in_flight(self) -> int:
        """Requests waiting for a slot, being sent or awaiting their answer right now."""
        return self._sender.in_flight

    def limit_key(self, api: Api) -> tuple[str, str]:
        """The rate limiter's key: Contentstack counts per organisation and per API."""
        org = self._credentials.organization_uid or f"account:{self._credentials.account_name}"
        return (org, api.value)

    async def aclose(self) -> None:
        if self._client is not None:
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
        return parse_json(api, await self._request("GET", api, path, headers, params))

    async def send_json(
        self, method: str, api: Api, path: str, *, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """A write (`POST`, `PUT`, `DELETE`) with `body` as JSON; the answer's JSON, or None when it has no body.

        Retried only when it certainly did not reach the service (see the module docstring).
        """
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        extra = {"content-type": "application/json"} if content is not None else {}
        answer = await self._request(method, api, path, {**extra, **(headers or {})}, None, content=content)
        return parse_json(api, answer) if answer.body.strip() else None

    async def _request(
        self,
        method: str,
        api: Api,
        path: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str | int] | None,
        *,
        content: bytes | None = None,
    ) -> UpstreamAnswer:
        """The first 2xx answer to `method` on `path`, after renewals and retries; else its typed failure."""
        url = self._base_urls[api] + path
        key = self.limit_key(api)
        write = method != "GET"
        token = await self._credentials.access_token()
        renewals = 0
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._sender.send(
                method,
                api,
                key,
                url,
                headers={"authorization": f"Bearer {token}", **(headers or {})},
                params=params,
                content=content,
            )
            if isinstance(outcome, Transient):
                logger.warning(
                    "%s %s %s failed (%s), attempt %d", api.display_name, method, loggable(url), outcome.name, attempt
                )
                if write and outcome is not Transient.CONNECT:
                    raise outcome_unknown(api, method, _UNANSWERED[outcome])
                if attempt >= self._retry.max_attempts:
                    raise retries_exhausted(api, outcome, attempt)
                await sleep_within_deadline(self._retry.backoff(attempt), f"its {api.display_name} {outcome.value}")
                continue
            response = outcome
            status = response.status
            if status == 401 and blames_a_header_not_the_token(response.body):
                raise header_rejected(api, status)
            if status == 401 and renewals < MAX_RENEWALS:
                renewals += 1
                token = await self._credentials.refresh(token)
                attempt -= 1  # a renewal is not a failed attempt
                continue
            if status in RETRYABLE_STATUSES and attempt < self._retry.max_attempts and (not write or status == 429):
                delay = await wait_to_retry(self._retry, self.limiter, key, api, response, attempt)
                logger.info(
                    "%s %s %s -> %d, retrying in %.2f s", api.display_name, method, loggable(url), status, delay
                )
                continue
            if 200 <= status < 300:
                return response
            if status in (401, 403) and isinstance(self._credentials, WordsItsRefusals):
                own = self._credentials.refusal(api, status)
                if own is not None:
                    raise own
            if write and status != 401:
                raise write_failure(api, method, status, response.body, self._credentials.account_name)
            raise error_for_status(api, status, self._credentials.account_name)
