"""One attempt of one request: a rate-limit slot, the request on the shared client, the body read whole.

An attempt brings back an answer, whatever its status (`http` decides what the status means), or
names the transient transport failure it met (`retries.Transient`); any other transport failure is
raised as its one sentence. Every phase has a timeout (connect, write, read, pool), and the wait for
a slot respects the tool call's deadline (`ratelimit`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import httpx2

from personalize_mcp import __version__
from personalize_mcp.contentstack.bodies import ACCEPTED_ENCODINGS, UpstreamAnswer, read_body
from personalize_mcp.contentstack.errors import Api
from personalize_mcp.contentstack.ratelimit import Limiter
from personalize_mcp.contentstack.retries import Transient, transient_failure
from personalize_mcp.contentstack.upstream_failures import transport_failed

logger = logging.getLogger(__name__)

USER_AGENT = f"contentstack-personalize-mcp/{__version__}"
DEFAULT_TIMEOUT = httpx2.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
"""Every phase of every request is bounded; the tool call's deadline bounds the whole."""


def shared_client(
    *, transport: httpx2.AsyncBaseTransport | None = None, timeout: httpx2.Timeout | None = None
) -> httpx2.AsyncClient:
    """The one client both APIs share: our user agent, JSON, only the encodings `bodies` decodes, no redirects."""
    return httpx2.AsyncClient(
        transport=transport,
        timeout=timeout or DEFAULT_TIMEOUT,
        headers={"user-agent": USER_AGENT, "accept": "application/json", "accept-encoding": ACCEPTED_ENCODINGS},
        follow_redirects=False,
    )


class UpstreamSender:
    """Sends attempts on the shared client, each behind the shared `RateLimiter`, and counts those in flight.

    `client` gives the shared client when an attempt is sent (the HTTP core makes it on first use).
    """

    def __init__(
        self, client: Callable[[], httpx2.AsyncClient], *, limiter: Limiter, max_response_bytes: int
    ) -> None:
        self._shared_client = client
        self._limiter = limiter
        self._in_flight = 0
        self._max_response_bytes = max_response_bytes

    @property
    def _client(self) -> httpx2.AsyncClient:
        return self._shared_client()

    @property
    def limiter(self) -> Limiter:
        return self._limiter

    @property
    def in_flight(self) -> int:
        """Requests waiting for a slot, being sent or awaiting their answer right now."""
        return self._in_flight

    async def send(
        self,
        method: str,
        api: Api,
        key: tuple[str, str],
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str | int] | None,
        content: bytes | None = None,
    ) -> UpstreamAnswer | Transient:
        """One attempt through the rate limiter's slot for `key`: the answer, or which transient failure it met."""
        self._in_flight += 1
        try:
            async with self._limiter.slot(
                key,
                reason=f"requests to its {api.display_name} are queued behind its limit of "
                f"{self._limiter.limit.requests} per second",
            ):
                started = time.perf_counter()
                request = self._client.build_request(method, url, headers=headers, params=params, content=content)
                response = await self._client.send(request, stream=True)
                try:
                    body = await read_body(api, response, self._max_response_bytes)
                    answer = UpstreamAnswer(response.status_code, response.headers, body)
                finally:
                    await response.aclose()
        except httpx2.HTTPError as error:
            failure = transient_failure(error)
            if failure is None:
                raise transport_failed(api, error) from None
            return failure
        finally:
            self._in_flight -= 1
        logger.debug(
            "%s %s %s -> %d, %d bytes in %.0f ms",
            api.display_name,
            method,
            loggable(url),
            answer.status,
            len(answer.body),
            (time.perf_counter() - started) * 1000,
        )
        return answer


def loggable(url: str) -> str:
    """URLs carry ids but never tokens (those travel in headers); drop the query anyway."""
    return url.split("?", 1)[0]
