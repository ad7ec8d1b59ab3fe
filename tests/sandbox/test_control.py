"""`/_sandbox` control endpoints and `SandboxState.reset`."""

from __future__ import annotations

import httpx2
import pytest

from personalize_mcp.sandbox import SandboxState, sandbox_base_urls
from personalize_mcp.sandbox.data import (
    MAIN_STACK_API_KEY,
    SECOND_ORG_UID,
    SECOND_ORG_USER_UID,
    WEB_PROJECT_UID,
)

from .helpers import bearer, login, refresh

pytestmark = pytest.mark.anyio


def test_base_urls() -> None:
    urls = sandbox_base_urls("http://127.0.0.1:8123/")
    assert urls.personalize == "http://127.0.0.1:8123/personalize"
    assert urls.cma == "http://127.0.0.1:8123/cma"
    assert urls.app == "http://127.0.0.1:8123/app"
    assert urls.token_url == "http://127.0.0.1:8123/developerhub/token"
    assert urls.app_token_url == "http://127.0.0.1:8123/app/apps-api/token"
    assert urls.control == "http://127.0.0.1:8123/_sandbox"


async def test_settings(client: httpx2.AsyncClient, state: SandboxState) -> None:
    settings = (await client.get("/_sandbox/settings")).json()
    assert settings["single_variant_key"] == "variant"
    changed = await client.post(
        "/_sandbox/settings",
        json={
            "access_token_ttl": 2,
            "single_variant_key": "variants",
            "rate_limit_per_second": 5,
            "omit_refresh_token_on_refresh": True,
            "location": "AZURE_EU",
        },
    )
    assert changed.status_code == 200
    assert (state.access_token_ttl, state.single_variant_key, state.rate_limit_per_second) == (
        2,
        "variants",
        5,
    )
    assert state.omit_refresh_token_on_refresh is True
    assert state.location == "AZURE_EU"
    off = await client.post("/_sandbox/settings", json={"rate_limit_per_second": None})
    assert off.json()["rate_limit_per_second"] is None
    for bad in (
        {"nope": 1},
        {"access_token_ttl": 0},
        {"single_variant_key": "item"},
        {"rotate_refresh_tokens": "yes"},
    ):
        assert (await client.post("/_sandbox/settings", json=bad)).status_code == 400


async def test_reset_restores_the_seed_but_keeps_logins(client: httpx2.AsyncClient, state: SandboxState) -> None:
    tokens = await login(client)
    state.data.projects.clear()
    state.single_variant_key = "variants"
    state.fail_next("cma", 500, count=5)
    assert (await client.post("/_sandbox/reset")).status_code == 204
    assert state.switches()["single_variant_key"] == "variant"
    assert state.rate_limit_per_second == 10
    assert state.request_log() == []
    assert dict(state.token_requests) == {}
    assert (await client.get("/_sandbox/faults")).json()["cma"]["queued"] == []
    projects = await client.get("/personalize/projects", headers=bearer(str(tokens["access_token"])))
    assert {p["uid"] for p in projects.json()} >= {WEB_PROJECT_UID}


async def test_issue_expire_revoke_and_counters(client: httpx2.AsyncClient) -> None:
    issued = await client.post(
        "/_sandbox/tokens",
        json={
            "organization_uid": SECOND_ORG_UID,
            "user_uid": SECOND_ORG_USER_UID,
            "scopes": ["personalize:read"],
        },
    )
    token = issued.json()["access_token"]
    assert (await client.get("/personalize/projects", headers=bearer(token))).status_code == 200
    assert (await client.get("/cma/v3/user", headers=bearer(token))).status_code == 403
    assert (await client.post("/_sandbox/tokens/expire")).json() == {"expired": 1}
    assert (await client.get("/personalize/projects", headers=bearer(token))).status_code == 401

    tokens = await login(client)
    await refresh(client, str(tokens["refresh_token"]))
    assert (await client.get("/_sandbox/counters")).json() == {
        "token_requests": {"authorization_code": 1, "refresh_token": 1}
    }
    assert (await client.post("/_sandbox/tokens/revoke", json={"all": True})).json() == {"revoked": 1}
    assert (await client.post("/_sandbox/tokens/revoke", json={})).status_code == 400
    assert (
        await client.post("/_sandbox/tokens", json={"organization_uid": "bad uid!", "user_uid": "u"})
    ).status_code == 400


async def test_revoke_by_token_and_user(client: httpx2.AsyncClient) -> None:
    first = await login(client)
    assert (await client.post("/_sandbox/tokens/revoke", json={"token": first["access_token"]})).json() == {
        "revoked": 1
    }
    assert (
        await client.get(
            "/cma/v3/variant_groups", headers=bearer(str(first["access_token"]), api_key=MAIN_STACK_API_KEY)
        )
    ).status_code == 401
    await login(client)
    await login(client)
    revoked = await client.post("/_sandbox/tokens/revoke", json={"user_uid": "blt2f8e4a6c9d1b3e57"})
    assert revoked.json() == {"revoked": 2}
