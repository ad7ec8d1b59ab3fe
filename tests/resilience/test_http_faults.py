"""The HTTP core against a misbehaving Contentstack: the sandbox's faults over loopback and in process,
and a scripted transport for what the sandbox does not do (no Retry-After, dates, odd bodies)."""

from __future__ import annotations

import dataclasses

import anyio
import httpx2
import pytest

from personalize_mcp.auth.protocol import StaticCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import Connection
from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.errors import (
    Api,
    UnexpectedResponseError,
    UpstreamError,
    UpstreamRejectedError,
    UpstreamUnavailableError,
)
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.contentstack.retries import RetryPolicy
from personalize_mcp.contentstack.sender import DEFAULT_TIMEOUT
from personalize_mcp.runtime.deadline import DeadlineExceededError, within_deadline
from personalize_mcp.runtime.errors import ReauthenticationRequiredError
from personalize_mcp.sandbox import create_sandbox_app, data
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, call_error

from .support import busy_connections, http_for, tool_client, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["loopback", "in-process"])
def connection(request: pytest.FixtureRequest, sandbox: Sandbox) -> Connection:
    """The sandbox over a real socket (uvicorn), or in process through httpx2's ASGITransport."""
    if request.param == "loopback":
        return sandbox.connection()
    return dataclasses.replace(
        sandbox_connection(), transport=httpx2.ASGITransport(app=create_sandbox_app(sandbox.state))
    )


def statuses(sandbox: Sandbox, path: str = "/projects") -> list[tuple[int, str | None]]:
    return [(r.status, r.fault) for r in sandbox.state.request_log() if r.path == path]


async def list_projects(connection: Connection, **kwargs: object) -> int:
    http = http_for(connection, **kwargs)  # type: ignore[arg-type]
    try:
        return len(await PersonalizeAPI(http).list_projects())
    finally:
        await http.aclose()


# ---- connection resets and truncated bodies ---------------------------------------------------


async def test_reset_connections_are_retried_then_succeed(connection: Connection, sandbox: Sandbox) -> None:
    sandbox.state.reset_next("personalize", count=2)
    assert await list_projects(connection) == len(data.MAIN_ORG_PROJECT_UIDS)
    assert statuses(sandbox) == [(0, "reset"), (0, "reset"), (200, None)]


async def test_persistent_resets_end_in_one_sentence_after_three_attempts(
    connection: Connection, sandbox: Sandbox
) -> None:
    sandbox.state.reset_next("personalize", count=5)
    with pytest.raises(UpstreamUnavailableError) as caught:
        await list_projects(connection)
    assert str(caught.value) == (
        "Contentstack's Personalize Management API dropped the connection (3 attempts); try again shortly."
    )
    assert statuses(sandbox) == [(0, "reset")] * 3


async def test_a_truncated_body_is_retried(connection: Connection, sandbox: Sandbox) -> None:
    sandbox.state.truncate_next("personalize", count=1)
    assert await list_projects(connection) == len(data.MAIN_ORG_PROJECT_UIDS)
    assert statuses(sandbox) == [(200, "truncate"), (200, None)]


# ---- timeouts and unreachable hosts ---------------------------------------------------------------


async def test_read_timeouts_are_retried_then_one_sentence(sandbox: Sandbox) -> None:
    sandbox.state.set_slow("personalize", seconds=1.5)
    began = anyio.current_time()
    with pytest.raises(UpstreamUnavailableError) as caught:
        await list_projects(sandbox.connection(), timeout=httpx2.Timeout(5.0, read=0.15))
    assert str(caught.value) == (
        "Contentstack's Personalize Management API did not answer in time (3 attempts); try again shortly."
    )
    assert len(statuses(sandbox)) == 3
    assert anyio.current_time() - began < 1.5


async def test_an_unreachable_host_is_retried_then_one_sentence() -> None:
    nowhere = ConnectionOverrides(personalize_base_url="http://127.0.0.1:9", cma_base_url="http://127.0.0.1:9")
    connection = Connection(
        settings=ConnectionSettings.resolve(nowhere), credentials=StaticCredentials("t", organization_uid="org")
    )
    with pytest.raises(UpstreamUnavailableError) as caught:
        await list_projects(connection)
    assert str(caught.value).startswith("Could not reach Contentstack's Personalize Management API (connection failed)")


def test_every_request_has_connect_read_write_and_pool_timeouts() -> None:
    assert None not in (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read, DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool)
    http = http_for(sandbox_connection())
    assert http.client.timeout == DEFAULT_TIMEOUT


# ---- status codes: which are retried, how often --------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried_at_most_three_attempts(
    connection: Connection, sandbox: Sandbox, status: int
) -> None:
    sandbox.state.fail_next("personalize", status, count=2)
    assert await list_projects(connection) == len(data.MAIN_ORG_PROJECT_UIDS)
    sandbox.state.clear_requests()
    sandbox.state.fail_next("personalize", status, count=3)
    with pytest.raises(UpstreamUnavailableError, match=f"HTTP {status}"):
        await list_projects(connection)
    assert [s for s, _ in statuses(sandbox)] == [status] * 3


@pytest.mark.parametrize("status", [500, 501])
async def test_other_server_errors_are_not_retried(sandbox: Sandbox, status: int) -> None:
    sandbox.state.fail_next("personalize", status, count=1)
    with pytest.raises(UpstreamError, match=f"HTTP {status}"):
        await list_projects(sandbox.connection())
    assert [s for s, _ in statuses(sandbox)] == [status]


# ---- 429 and Retry-After ---------------------------------------------------------------------------


async def test_a_429_pauses_every_request_of_the_organisation_for_its_retry_after(sandbox: Sandbox) -> None:
    """The retry waits Retry-After; so does a request started meanwhile, rather than draw a 429 too."""
    sandbox.state.rate_limit_per_second = 10
    sandbox.state.rate_limit_next("personalize", count=1, retry_after=1)
    http = http_for(sandbox.connection())
    api = PersonalizeAPI(http)
    try:

        async def later() -> None:
            await anyio.sleep(0.1)
            await api.list_audiences(sandbox_data_web())

        async with anyio.create_task_group() as group:
            group.start_soon(api.list_projects)
            group.start_soon(later)
    finally:
        await http.aclose()
    log = sandbox.state.request_log()
    # Both resume when the pause ends; which reaches the server first is not ours to fix.
    assert [(r.path, r.status) for r in log[:1]] + sorted((r.path, r.status) for r in log[1:]) == [
        ("/projects", 429),
        ("/audiences", 200),
        ("/projects", 200),
    ], [(round(r.time - log[0].time, 3), r.path, r.status, r.organization, r.query, r.fault) for r in log]
    limited = log[0].time
    assert log[1].time - limited >= 0.99 and log[2].time - limited >= 0.99


async def test_a_retry_after_longer_than_the_deadline_fails_at_once(sandbox: Sandbox) -> None:
    sandbox.state.rate_limit_next("personalize", count=1, retry_after=60)
    began = anyio.current_time()
    with pytest.raises(DeadlineExceededError) as caught, within_deadline(5):
        await list_projects(sandbox.connection())
    assert anyio.current_time() - began < 1
    assert str(caught.value) == (
        "Contentstack did not answer within 5 s (its Personalize Management API is rate-limiting this organisation "
        "and asked to wait 10 s); try again shortly."
    )  # Retry-After is capped at 10 s
    assert len(statuses(sandbox)) == 1


async def test_a_backoff_longer_than_the_deadline_fails_at_once(sandbox: Sandbox) -> None:
    sandbox.state.fail_next("personalize", 503, count=1)
    began = anyio.current_time()
    slow_backoff = RetryPolicy(base_backoff=4, max_backoff=4)
    failing = r"\(its Personalize Management API is failing with HTTP 503\)"
    with pytest.raises(DeadlineExceededError, match=failing), within_deadline(1):
        await list_projects(sandbox.connection(), retry=slow_backoff)
    assert anyio.current_time() - began < 0.5


# ---- scripted transport: what the sandbox never sends ---------------------------------------------


def scripted(answers: list[httpx2.Response], times: list[float]) -> Connection:
    def handler(request: httpx2.Request) -> httpx2.Response:
        times.append(anyio.current_time())
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return dataclasses.replace(sandbox_connection(), transport=httpx2.MockTransport(handler))


async def test_a_429_without_retry_after_backs_off_exponentially_with_jitter() -> None:
    times: list[float] = []
    connection = scripted([httpx2.Response(429), httpx2.Response(429), httpx2.Response(200, json=[])], times)
    assert await list_projects(connection, retry=RetryPolicy(base_backoff=0.1, max_backoff=1)) == 0
    first, second = times[1] - times[0], times[2] - times[1]
    assert 0.05 <= first <= 0.15 and 0.1 <= second <= 0.25


async def test_a_429_backoff_longer_than_the_deadline_fails_at_once() -> None:
    connection = scripted([httpx2.Response(429)], [])
    with pytest.raises(DeadlineExceededError) as caught, within_deadline(0.5):
        await list_projects(connection, retry=RetryPolicy(base_backoff=2, max_backoff=2))
    assert str(caught.value) == (
        "Contentstack did not answer within 0.5 s (its Personalize Management API is rate-limiting this "
        "organisation); try again shortly."
    )


@pytest.mark.parametrize("retry_after", ["Wed, 21 Oct 2015 07:28:00 GMT", "soon", "-3"])
async def test_a_retry_after_that_is_not_seconds_falls_back_to_backoff(retry_after: str) -> None:
    times: list[float] = []
    answers = [httpx2.Response(429, headers={"retry-after": retry_after}), httpx2.Response(200, json=[])]
    assert await list_projects(scripted(answers, times), retry=RetryPolicy(base_backoff=0.05)) == 0
    assert times[1] - times[0] < 0.2


async def test_retry_after_is_capped() -> None:
    times: list[float] = []
    answers = [httpx2.Response(429, headers={"retry-after": "3600"}), httpx2.Response(200, json=[])]
    assert await list_projects(scripted(answers, times), retry=RetryPolicy(retry_after_cap=0.1)) == 0
    assert 0.09 <= times[1] - times[0] < 0.5


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # deeper than the parser goes
        (b"\xff\xfe{not utf-8", "application/json"),
        (b"<html><body>Maintenance</body></html>", "text/html"),
        (b"", "application/json"),
    ],
    ids=["deeply-nested", "not-utf8", "html", "empty"],
)
async def test_a_body_that_is_not_json_is_one_sentence_naming_the_api_and_status(
    body: bytes, content_type: str
) -> None:
    answers = [httpx2.Response(203, content=body, headers={"content-type": content_type})]
    with pytest.raises(UnexpectedResponseError) as caught:
        await list_projects(scripted(answers, []))
    message = str(caught.value)
    assert_one_sentence(message)
    assert "Personalize Management API" in message and "HTTP 203" in message


@pytest.mark.parametrize("body", [b'"just a string"', b"42", b"null", b'{"projects": "nope"}'])
async def test_json_of_an_unexpected_shape_is_one_sentence(body: bytes) -> None:
    answers = [httpx2.Response(200, content=body, headers={"content-type": "application/json"})]
    with pytest.raises(UnexpectedResponseError) as caught:
        await list_projects(scripted(answers, []))
    assert_one_sentence(str(caught.value))
    assert "Personalize Management API" in str(caught.value)


async def test_list_items_that_are_not_records_are_skipped() -> None:
    answers = [httpx2.Response(200, json=[1, "two", None, {"name": "no uid"}, {"uid": "p1", "name": "Web"}])]
    assert await list_projects(scripted(answers, [])) == 1


# ---- cancellation ----------------------------------------------------------------------------------


async def test_cancelling_a_request_stops_waiting_and_frees_its_connection(sandbox: Sandbox) -> None:
    sandbox.state.set_slow("personalize", seconds=1.5)  # headers at once, body held back
    http = http_for(sandbox.connection(), rate_limit=RateLimit())
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(PersonalizeAPI(http).list_projects)
            await wait_for(lambda: statuses(sandbox) != [])  # the sandbox has started answering
            assert http.in_flight == 1 and busy_connections(http) == 1
            cancelled = anyio.current_time()
            group.cancel_scope.cancel()
        assert anyio.current_time() - cancelled < 0.1
        assert http.in_flight == 0
        assert busy_connections(http) == 0
        assert http.limiter.in_flight(http.limit_key(Api.PERSONALIZE)) == 0
    finally:
        await http.aclose()


def sandbox_data_web() -> str:
    from personalize_mcp.sandbox import data

    return data.WEB_PROJECT_UID


# ---- a 401 that blames a header, not the token -------------------------------------------------

CMS_401_API_KEY = {
    "error_message": "Api key is not valid.",
    "error_code": 109,
    "errors": {"api_key": ["is not valid."]},
}
CMS_401_TOKEN = {
    "error_message": "The provided access token is invalid.",
    "error_code": 105,
    "errors": {"authtoken": ["is not valid."]},
}


async def test_a_401_naming_the_api_key_is_a_rejected_request_not_a_login_to_renew() -> None:
    times: list[float] = []
    connection = scripted([httpx2.Response(401, json=CMS_401_API_KEY)], times)
    http = http_for(connection)
    try:
        with pytest.raises(UpstreamRejectedError):
            await CMSAPI(http).list_variant_groups("blt0123456789abcdef")
    finally:
        await http.aclose()
    assert len(times) == 1  # no renewal, no retry


async def test_a_401_naming_the_token_renews_the_login() -> None:
    connection = scripted([httpx2.Response(401, json=CMS_401_TOKEN)], [])
    http = http_for(connection)
    try:
        with pytest.raises(ReauthenticationRequiredError):  # the sandbox's static token cannot be renewed
            await CMSAPI(http).list_variant_groups("blt0123456789abcdef")
    finally:
        await http.aclose()


async def test_a_stack_refused_with_401_naming_the_api_key_is_reported_as_an_unknown_stack() -> None:
    connection = scripted([httpx2.Response(401, json=CMS_401_API_KEY)], [])
    async with tool_client(connection) as client:
        message = await call_error(client, "list_variant_groups", {"stack_api_key": "blt0123456789abcdef"})
    assert message.startswith("Stack blt0123456789abcdef was not found or this account cannot access it")
