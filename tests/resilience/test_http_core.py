"""The HTTP core against a scripted upstream: what is retried, what is not, and how odd bodies end."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError, UpstreamError
from personalize_mcp.contentstack.http import ContentstackHTTP, RetryPolicy
from personalize_mcp.contentstack.ratelimit import UpstreamLimits
from personalize_mcp.credentials import StaticCredentials
from personalize_mcp.settings import ConnectionOverrides, ConnectionSettings
from tests.helpers import assert_one_sentence

pytestmark = pytest.mark.anyio

SETTINGS = ConnectionSettings.resolve(
    ConnectionOverrides(personalize_base_url="http://upstream.test/p", cma_base_url="http://upstream.test/c")
)


def core(handler: Callable[[httpx2.Request], httpx2.Response]) -> ContentstackHTTP:
    return ContentstackHTTP(
        SETTINGS,
        StaticCredentials("token", organization_uid="org"),
        transport=httpx2.MockTransport(handler),
        retry=RetryPolicy(base_backoff=0.01, max_backoff=0.02),
        limits=UpstreamLimits(None),
    )


def scripted(*responses: httpx2.Response) -> tuple[Callable[[httpx2.Request], httpx2.Response], list[str]]:
    queue, seen = list(responses), []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


@pytest.mark.parametrize(("status", "attempts"), [(500, 1), (400, 1), (404, 1), (403, 1), (502, 3), (503, 3), (504, 3)])
async def test_only_gateway_failures_are_retried(status: int, attempts: int) -> None:
    handler, seen = scripted(httpx2.Response(status, text="<html>oops</html>"))
    http = core(handler)
    with pytest.raises(UpstreamError) as caught:
        await http.get_json(Api.PERSONALIZE, "/projects")
    await http.aclose()
    assert seen == ["GET"] * attempts
    assert_one_sentence(caught.value.message)
    assert "oops" not in caught.value.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"a string"', "neither an object nor a list (HTTP 200)"),
        (b"null", "neither an object nor a list (HTTP 200)"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON (HTTP 200)"),
        (b"\xff\xfe{}", "not valid JSON (HTTP 200)"),
        (b"<html>maintenance</html>", "not valid JSON (HTTP 200)"),
    ],
)
async def test_unexpected_bodies_name_the_api_and_status(body: bytes, expected: str) -> None:
    handler, seen = scripted(httpx2.Response(200, content=body, headers={"content-type": "application/json"}))
    http = core(handler)
    with pytest.raises(UnexpectedResponseError) as caught:
        await http.get_json(Api.CMA, "/stacks")
    await http.aclose()
    assert expected in caught.value.message and "CMS Management API" in caught.value.message
    assert caught.value.status == 200
    assert seen == ["GET"]


async def test_connect_errors_are_retried() -> None:
    attempts: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(200, json=[])

    http = core(handler)
    assert await http.get_json(Api.PERSONALIZE, "/projects") == []
    await http.aclose()
    assert len(attempts) == 3
