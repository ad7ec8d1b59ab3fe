"""Rate limiting and injected faults, per API."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN, ManualClock, SandboxState, consent_url
from personalize_mcp.sandbox.data import CLI_CLIENT_ID, DEFAULT_REDIRECT_URI, MAIN_ORG_UID, WEB_PROJECT_UID

from .helpers import authorize_url, bearer, pkce_pair, redirect_params

pytestmark = pytest.mark.anyio

PROJECTS = "/personalize/projects"
USER = "/cma/v3/user"


def test_rate_limit_is_on_by_default() -> None:
    assert SandboxState().rate_limit_per_second == 10


async def test_rate_limit_per_organisation_per_api(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.rate_limit_per_second = 10
    for _ in range(10):
        assert (await client.get(PROJECTS, headers=bearer())).status_code == 200
        clock.advance(0.01)
    limited = await client.get(PROJECTS, headers=bearer())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["statusCode"] == 429
    # the CMS and the other organisation have their own budgets
    assert (await client.get(USER, headers=bearer())).status_code == 200
    assert (await client.get(PROJECTS, headers=bearer(SANDBOX_SECOND_ORG_ACCESS_TOKEN))).status_code == 200
    # the window slides: once the first request is a second old, one more is allowed
    clock.advance(0.91)
    assert (await client.get(PROJECTS, headers=bearer())).status_code == 200
    assert (await client.get(PROJECTS, headers=bearer())).status_code == 429


async def test_cms_rate_limit_headers(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.rate_limit_per_second = 3
    remaining = []
    for _ in range(3):
        response = await client.get(USER, headers=bearer())
        assert response.headers["x-ratelimit-limit"] == "3"
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    limited = await client.get(USER, headers=bearer())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.json()["error_code"] == 429


async def test_rate_limit_off(client: httpx2.AsyncClient, state: SandboxState) -> None:
    assert state.rate_limit_per_second is None
    for _ in range(25):
        assert (await client.get(PROJECTS, headers=bearer())).status_code == 200


async def test_rate_limit_next_with_retry_after(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.rate_limit_next("cma", count=2, retry_after=7)
    for _ in range(2):
        response = await client.get(USER, headers=bearer())
        assert response.status_code == 429
        assert response.headers["retry-after"] == "7"
        assert response.headers["x-ratelimit-remaining"] == "0"
    assert (await client.get(USER, headers=bearer())).status_code == 200
    assert (await client.get(PROJECTS, headers=bearer())).status_code == 200  # other API untouched


async def test_faults_come_before_authentication(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.rate_limit_next("personalize")
    assert (await client.get(PROJECTS)).status_code == 429


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_fail_next_with_status(client: httpx2.AsyncClient, state: SandboxState, status: int) -> None:
    state.fail_next("personalize", status=status)
    response = await client.get(PROJECTS, headers=bearer())
    assert response.status_code == status
    if status == 500:
        assert response.json() == {"statusCode": 500, "message": "Internal server error"}
    else:  # a gateway answers, in HTML
        assert response.headers["content-type"].startswith("text/html")
        assert str(status) in response.text
    assert (await client.get(PROJECTS, headers=bearer())).status_code == 200


async def test_cms_500_body(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.fail_next("cma", status=500)
    body = (await client.get(USER, headers=bearer())).json()
    assert set(body) == {"error_message", "error_code", "errors"}


async def test_invalid_json_next(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.invalid_json_next("cma", count=1)
    response = await client.get(USER, headers=bearer())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert (await client.get(USER, headers=bearer())).json()["user"]


async def test_queued_faults_answer_in_order(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.rate_limit_next("personalize", count=1)
    state.fail_next("personalize", status=503, count=2)
    state.invalid_json_next("personalize")
    statuses = [(await client.get(PROJECTS, headers=bearer())).status_code for _ in range(5)]
    assert statuses == [429, 503, 503, 200, 200]
    assert [r.fault for r in state.request_log()] == ["rate_limit", "status", "status", "invalid_json", None]


async def test_all_target(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.fail_next("all", status=502)
    assert (await client.get(PROJECTS, headers=bearer())).status_code == 502
    assert (await client.get(USER, headers=bearer())).status_code == 502
    token = await client.post("/developerhub/token", data={"grant_type": "refresh_token"})
    assert token.status_code == 502


async def test_oauth_faults_do_not_spend_the_code(client: httpx2.AsyncClient, state: SandboxState) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge))))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "client_id": CLI_CLIENT_ID,
        "code_verifier": verifier,
    }
    state.fail_next("oauth", status=500)
    failed = await client.post("/developerhub/token", data=form)
    assert failed.status_code == 500
    assert failed.json()["error"] == "server_error"
    assert (await client.post("/developerhub/token", data=form)).status_code == 200


async def test_latency(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.set_latency("cma", 150)
    start = time.monotonic()
    await client.get(USER, headers=bearer())
    assert time.monotonic() - start >= 0.15
    start = time.monotonic()
    await client.get(PROJECTS, headers=bearer())
    assert time.monotonic() - start < 0.15
    state.set_latency("cma", 0)
    start = time.monotonic()
    await client.get(USER, headers=bearer())
    assert time.monotonic() - start < 0.15


async def test_slow_responses(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.set_slow("personalize", seconds=0.2)
    start = time.monotonic()
    response = await client.get("/personalize/audiences", headers=bearer(**{"x-project-uid": WEB_PROJECT_UID}))
    assert time.monotonic() - start >= 0.2
    assert response.status_code == 200
    state.set_slow("personalize", enabled=False)
    assert state.faults.conditions("personalize") == (0.0, 0.0)


async def test_faults_over_the_control_endpoint(client: httpx2.AsyncClient, state: SandboxState) -> None:
    specs = [
        {"api": "cma", "kind": "status", "status": 503, "count": 1},
        {"api": "cma", "kind": "rate_limit", "retry_after": 3},
        {"api": "personalize", "kind": "latency", "ms": 10},
        {"api": "oauth", "kind": "slow", "seconds": 0.01},
        {"api": "all", "kind": "invalid_json"},
    ]
    snapshot = (await client.post("/_sandbox/faults", json=specs)).json()
    assert [q["kind"] for q in snapshot["cma"]["queued"]] == ["status", "rate_limit", "invalid_json"]
    assert snapshot["personalize"]["latency_ms"] == 10
    assert snapshot["oauth"]["slow_seconds"] == 0.01
    assert (await client.get(USER, headers=bearer())).status_code == 503
    assert (await client.get(USER, headers=bearer())).headers["retry-after"] == "3"
    assert (await client.delete("/_sandbox/faults")).status_code == 204
    assert (await client.get("/_sandbox/faults")).json()["cma"]["queued"] == []
    assert (await client.get(USER, headers=bearer(organization_uid=MAIN_ORG_UID))).status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"api": "cma", "kind": "teleport"},
        {"api": "moon", "kind": "status"},
        {"api": "cma", "kind": "status", "status": 200},
        {"api": "cma", "kind": "status", "count": 0},
        {"api": "cma", "kind": "latency", "ms": -1},
        ["not an object"],
    ],
)
async def test_bad_fault_specs_are_refused(client: httpx2.AsyncClient, spec: object) -> None:
    response = await client.post("/_sandbox/faults", json=spec)
    assert response.status_code == 400
    assert response.json()["error"]
