"""The request log: what it records, and that it never holds a token."""

from __future__ import annotations

import json

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, SandboxState, consent_url
from personalize_mcp.sandbox.data import (
    CLI_CLIENT_ID,
    DEFAULT_REDIRECT_URI,
    HERO_EXPERIENCE_UID,
    MAIN_ORG_UID,
    MAIN_STACK_API_KEY,
    WEB_PROJECT_UID,
)

from .helpers import authorize_url, bearer, pkce_pair, redirect_params, refresh

pytestmark = pytest.mark.anyio


async def test_records_describe_each_request(client: httpx2.AsyncClient, state: SandboxState) -> None:
    await client.get(
        f"/personalize/experiences/{HERO_EXPERIENCE_UID}/versions",
        headers=bearer(**{"x-project-uid": WEB_PROJECT_UID}),
    )
    await client.get(
        "/cma/v3/variant_groups",
        params={"limit": 5, "include_count": "true"},
        headers=bearer(api_key=MAIN_STACK_API_KEY),
    )
    await client.get("/cma/v3/stacks")
    first, second, third = state.request_log()
    assert (first.api, first.method, first.path, first.query) == (
        "personalize",
        "GET",
        f"/experiences/{HERO_EXPERIENCE_UID}/versions",
        "",
    )
    assert (first.organization, first.project, first.api_key, first.status) == (
        MAIN_ORG_UID,
        WEB_PROJECT_UID,
        None,
        200,
    )
    assert (second.api, second.path, second.query, second.api_key) == (
        "cma",
        "/v3/variant_groups",
        "limit=5&include_count=true",
        MAIN_STACK_API_KEY,
    )
    assert (third.organization, third.status) == (None, 401)
    assert first.time <= second.time <= third.time


async def test_oauth_and_app_requests_are_logged(client: httpx2.AsyncClient, state: SandboxState) -> None:
    _, challenge = pkce_pair()
    await client.get(consent_url(authorize_url(challenge=challenge)))
    await client.post("/app/apps-api/token", data={"grant_type": "refresh_token"})
    await client.post("/developerhub/token", data={"grant_type": "refresh_token"})
    assert [(r.api, r.path, r.status) for r in state.request_log()] == [
        ("app", "/sandbox/consent", 302),
        ("oauth", "/apps-api/token", 400),
        ("oauth", "/token", 400),
    ]


async def test_the_log_never_holds_a_token(client: httpx2.AsyncClient, state: SandboxState) -> None:
    verifier, challenge = pkce_pair()
    code = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge))))["code"]
    tokens = (
        await client.post(
            "/developerhub/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": DEFAULT_REDIRECT_URI,
                "client_id": CLI_CLIENT_ID,
                "code_verifier": verifier,
            },
        )
    ).json()
    rotated = (await refresh(client, tokens["refresh_token"])).json()
    for token in (tokens["access_token"], rotated["access_token"], SANDBOX_ACCESS_TOKEN, "bogus-token-value"):
        await client.get("/cma/v3/user", headers=bearer(token))
        await client.get("/personalize/projects", headers=bearer(token))
    dumped = json.dumps((await client.get("/_sandbox/requests")).json())
    secrets = [
        tokens["access_token"],
        tokens["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        SANDBOX_ACCESS_TOKEN,
        "bogus-token-value",
        code,
        verifier,
    ]
    assert not [s for s in secrets if s in dumped]
    assert len(state.request_log()) == 11


async def test_control_calls_are_not_logged_and_the_log_can_be_cleared(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    await client.get("/personalize/projects", headers=bearer())
    body = (await client.get("/_sandbox/requests")).json()
    assert [r["path"] for r in body["requests"]] == ["/projects"]
    assert set(body["requests"][0]) == {
        "time",
        "api",
        "method",
        "path",
        "query",
        "organization",
        "project",
        "api_key",
        "status",
        "fault",
        "user",
    }
    assert (await client.delete("/_sandbox/requests")).status_code == 204
    assert state.request_log() == []
