"""The one HTTP path to Contentstack: base URL per API, auth headers, renewal, retries, error mapping.

Every upstream request of the server goes through `ContentstackHTTP.get_json`, so the rules
users rely on live in one place: requests pass our rate limiter (per organisation and API, see
`ratelimit`), so bursts do not draw 429s; a 401 renews the token and retries (twice at most: a
first renewal may adopt a token another process stored, which upstream may reject as well); a
429 waits for `Retry-After` (capped); 502/503/504, connection failures, read timeouts and dropped
connections of a GET are retried, at most three attempts in all, with jittered exponential
backoff; no wait runs past the tool call's deadline (`deadline`); every failure becomes a typed
`UpstreamError` with a sentence that never quotes an upstream body or a token.

Bodies are read as a stream and decompressed here (gzip or deflate, the encodings we ask for),
in pieces of at most 64 KiB, counting as they come: a body larger than `max_response_bytes`
once decompressed is abandoned at that point with one sentence naming the API, so neither a huge
answer nor a small "zip bomb" can hold more than that in memory.
"""

from __future__ import annotations

import json
import logging
import random
import time
import zlib
from collections.abc import Iterator, Mapping
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
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""Most bytes one upstream answer may have once decompressed (`serve --max-upstream-bytes`).
Far above any list we read (a thousand audiences with long rules is a few MB), far below
what would hurt a laptop."""
MAX_RENEWALS = 2
"""Token renewals one request may make after 401s (see the module docstring)."""
ACCEPTED_ENCODINGS = "gzip, deflate"
_PIECE = 64 * 1024


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._base_urls = {
            Api.PERSONALIZE: connection.personalize_base_url.rstrip("/"),
            Api.CMA: connection.cma_base_url.rstrip("/") + "/v3",
        }
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or RateLimiter()
        self._in_flight = 0
        self._max_response_bytes = max_response_bytes
        self._client = httpx2.AsyncClient(
            transport=transport,
            timeout=timeout or DEFAULT_TIMEOUT,
            # Only what `_read_body` decodes itself, so no encoding can skip its size count.
            headers={"user-agent": USER_AGENT, "accept": "application/json", "accept-encoding": ACCEPTED_ENCODINGS},
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
            status = response.status
            if status == 401 and _blames_a_header_not_the_token(response.body):
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
    ) -> _Answer | _Transient:
        """One attempt through the rate limiter: the answer, or which transient failure it met."""
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
                request = self._client.build_request("GET", url, headers=request_headers, params=params)
                response = await self._client.send(request, stream=True)
                try:
                    answer = _Answer(response.status_code, response.headers, await self._read_body(api, response))
                finally:
                    await response.aclose()
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
            "%s GET %s -> %d, %d bytes in %.0f ms",
            api.display_name,
            _loggable(url),
            answer.status,
            len(answer.body),
            (time.perf_counter() - started) * 1000,
        )
        return answer

    async def _read_body(self, api: Api, response: httpx2.Response) -> bytes:
        """The whole body, decompressed, or one sentence once it passes `max_response_bytes`."""
        limit = self._max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(api, response.status_code)
        if response.is_stream_consumed:  # read whole (and decoded) by the transport, as test doubles do
            if len(response.content) > limit:
                raise self._too_large(api, response.status_code)
            return response.content
        decoder = _decoder_for(api, response)
        pieces: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw():
                for piece in decoder.feed(raw):
                    size += len(piece)
                    if size > limit:
                        raise self._too_large(api, response.status_code)
                    pieces.append(piece)
        except zlib.error:
            raise UnexpectedResponseError(
                f"Contentstack's {api.display_name} returned a compressed response that cannot be decompressed "
                f"(HTTP {response.status_code}); try again shortly.",
                api=api,
                status=response.status_code,
            ) from None
        return b"".join(pieces)

    def _too_large(self, api: Api, status: int) -> UnexpectedResponseError:
        limit = self._max_response_bytes
        shown = f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
        logger.warning("%s answer (HTTP %d) larger than %s: abandoned", api.display_name, status, shown)
        return UnexpectedResponseError(
            f"Contentstack's {api.display_name} sent an answer larger than {shown} (HTTP {status}), more than this "
            "server reads from one request; raise serve --max-upstream-bytes if the account is that large.",
            api=api,
            status=status,
        )

    def _retry_after(self, response: _Answer) -> float | None:
        """The answer's Retry-After in seconds, capped; None when absent or not a number of seconds."""
        retry_after = _retry_after_seconds(response.headers.get("retry-after"))
        return None if retry_after is None else min(retry_after, self._retry.retry_after_cap)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._retry.max_backoff, self._retry.base_backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security

    @staticmethod
    def _parse(api: Api, response: _Answer) -> Any:
        try:
            return json.loads(response.body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond the parser's depth
            raise UnexpectedResponseError(
                f"Contentstack's {api.display_name} returned a response that is not valid JSON "
                f"(HTTP {response.status}); try again shortly.",
                api=api,
                status=response.status,
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


@dataclass(frozen=True, slots=True)
class _Answer:
    """An upstream answer, read whole (and within the size limit)."""

    status: int
    headers: httpx2.Headers
    body: bytes


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), _PIECE):
            yield data[start : start + _PIECE]


class _Inflate:
    """zlib/gzip/raw-deflate decoding that never makes more than `_PIECE` bytes in one step."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # "deflate" is zlib-wrapped by the spec, raw by some servers
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if self._raw_fallback and not _zlib_header(data):
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        while not self._inflater.eof:
            piece = self._inflater.decompress(data, _PIECE)
            data = self._inflater.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < _PIECE:
                return  # input used up and no output pending (a full piece may leave some behind)


def _zlib_header(data: bytes) -> bool:
    """RFC 1950's two header bytes: deflate, and a check value that divides by 31."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _decoder_for(api: Api, response: httpx2.Response) -> _Identity | _Inflate:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return _Identity()
    if encodings in (["gzip"], ["x-gzip"]):
        return _Inflate(16 + zlib.MAX_WBITS)
    if encodings == ["deflate"]:
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    raise UnexpectedResponseError(
        f"Contentstack's {api.display_name} answered in an encoding this server did not ask for "
        f"(HTTP {response.status_code}); try again shortly.",
        api=api,
        status=response.status_code,
    )


def _blames_a_header_not_the_token(content: bytes) -> bool:
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
