"""OAuth: consent → code → token with PKCE, code and refresh-token rules, switches, scopes."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, ManualClock, SandboxState, consent_url
from personalize_mcp.sandbox.data import (
    CLI_APP_UID,
    CLI_CLIENT_ID,
    CONFIDENTIAL_APP_UID,
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    MAIN_ORG_UID,
    MAIN_USER_UID,
    SECOND_ORG_PROJECT_UID,
    SECOND_ORG_UID,
)

from .helpers import authorize_url, bearer, login, pkce_pair, redirect_params, refresh

pytestmark = pytest.mark.anyio

TOKEN_KEYS = {
    "access_token",
    "refresh_token",
    "token_type",
    "expires_in",
    "location",
    "organization_uid",
    "authorization_type",
    "user_uid",
}


async def _code(client: httpx2.AsyncClient, challenge: str | None, **kwargs: str) -> str:
    return redirect_params(await client.get(consent_url(authorize_url(challenge=challenge, **kwargs))))["code"]


def _exchange(code: str, verifier: str | None = None, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "client_id": CLI_CLIENT_ID,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return form | overrides


async def test_full_dance_with_pkce(client: httpx2.AsyncClient, state: SandboxState) -> None:
    verifier, challenge = pkce_pair()
    consent = await client.get(consent_url(authorize_url(challenge=challenge)))
    assert consent.headers["location"].startswith(DEFAULT_REDIRECT_URI + "?")
    params = redirect_params(consent)
    assert params["state"] == "st-123"
    assert params["location"] == "NA"
    response = await client.post("/developerhub/token", data=_exchange(params["code"], verifier))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["authorization_type"] == "oauth"
    assert (body["organization_uid"], body["user_uid"], body["location"]) == (
        MAIN_ORG_UID,
        MAIN_USER_UID,
        "NA",
    )
    user = await client.get("/cma/v3/user", headers=bearer(body["access_token"]))
    assert user.json()["user"]["uid"] == MAIN_USER_UID
    assert dict(state.token_requests) == {"authorization_code": 1}


async def test_authorize_page_forwards_the_fragment(client: httpx2.AsyncClient) -> None:
    page = await client.get("/app/")
    assert page.status_code == 200
    assert "sandbox/consent?app_uid=" in page.text
    assert "location.hash" in page.text


async def test_consent_endpoint_takes_the_plain_query_too(client: httpx2.AsyncClient) -> None:
    _, challenge = pkce_pair()
    query = authorize_url(challenge=challenge).split("?", 1)[1]
    assert "code" in redirect_params(await client.get(f"/app/sandbox/consent?{query}"))
    wrong_app = await client.get(f"/app/sandbox/consent?{query}&app_uid={CONFIDENTIAL_APP_UID}")
    assert wrong_app.status_code == 400
    assert wrong_app.json()["error"] == "invalid_client"


async def test_consent_picks_the_organisation(client: httpx2.AsyncClient) -> None:
    body = await login(client, organization_uid=SECOND_ORG_UID)
    assert body["organization_uid"] == SECOND_ORG_UID
    projects = (await client.get("/personalize/projects", headers=bearer(str(body["access_token"])))).json()
    assert [p["uid"] for p in projects] == [SECOND_ORG_PROJECT_UID]


async def test_consent_refuses_an_organisation_the_user_is_not_in(client: httpx2.AsyncClient) -> None:
    _, challenge = pkce_pair()
    url = consent_url(authorize_url(challenge=challenge), organization_uid="blt0000000000000000")
    assert redirect_params(await client.get(url))["error"] == "access_denied"


async def test_deny(client: httpx2.AsyncClient) -> None:
    _, challenge = pkce_pair()
    params = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge), deny=True)))
    assert params == {
        "error": "access_denied",
        "error_description": "The user denied access.",
        "state": "st-123",
    }


@pytest.mark.parametrize(
    "redirect_uri", ["http://127.0.0.1:53682/callback", "http://localhost:9000", "http://[::1]:8184/cb"]
)
async def test_any_loopback_redirect_is_accepted(client: httpx2.AsyncClient, redirect_uri: str) -> None:
    body = await login(client, redirect_uri=redirect_uri)
    assert body["access_token"]


@pytest.mark.parametrize(
    "redirect_uri", ["https://evil.example/cb", "http://example.com:8184", "", "http://localhost:notaport"]
)
async def test_unregistered_redirect_is_refused_without_redirecting(
    client: httpx2.AsyncClient, redirect_uri: str
) -> None:
    _, challenge = pkce_pair()
    response = await client.get(consent_url(authorize_url(challenge=challenge, redirect_uri=redirect_uri)))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_unknown_client_is_refused(client: httpx2.AsyncClient) -> None:
    _, challenge = pkce_pair()
    response = await client.get(consent_url(authorize_url(challenge=challenge, client_id="nobody")))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
    ],
)
async def test_bad_authorize_requests_are_redirected_with_an_error(
    client: httpx2.AsyncClient, extra: dict[str, str], error: str
) -> None:
    _, challenge = pkce_pair()
    params = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge, **extra))))
    assert params["error"] == error
    assert params["state"] == "st-123"


async def test_public_app_requires_pkce(client: httpx2.AsyncClient) -> None:
    params = redirect_params(await client.get(consent_url(authorize_url(challenge=None))))
    assert params["error"] == "invalid_request"


async def test_wrong_or_missing_verifier_is_rejected(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(client, challenge)
    other, _ = pkce_pair()
    for form in (_exchange(code, other), _exchange(code)):
        response = await client.post("/developerhub/token", data=form)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    malformed = await client.post("/developerhub/token", data=_exchange(code, "too-short"))
    assert malformed.json()["error"] == "invalid_request"
    # a failed attempt does not spend the code
    assert (await client.post("/developerhub/token", data=_exchange(code, verifier))).status_code == 200


async def test_code_reuse_is_rejected_and_revokes_what_it_produced(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(client, challenge)
    first = (await client.post("/developerhub/token", data=_exchange(code, verifier))).json()
    again = await client.post("/developerhub/token", data=_exchange(code, verifier))
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert (await client.get("/cma/v3/user", headers=bearer(first["access_token"]))).status_code == 401
    assert (await refresh(client, first["refresh_token"])).json()["error"] == "invalid_grant"


async def test_expired_code(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(client, challenge)
    clock.advance(60)
    response = await client.post("/developerhub/token", data=_exchange(code, verifier))
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired.",
    }


async def test_code_is_bound_to_redirect_uri_and_client(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(client, challenge)
    wrong_redirect = await client.post(
        "/developerhub/token", data=_exchange(code, verifier, redirect_uri="http://localhost:9999")
    )
    assert wrong_redirect.json()["error"] == "invalid_grant"
    wrong_client = await client.post(
        "/developerhub/token",
        data=_exchange(code, verifier, client_id=CONFIDENTIAL_CLIENT_ID, client_secret=CONFIDENTIAL_CLIENT_SECRET),
    )
    assert wrong_client.json()["error"] == "invalid_grant"
    unknown = await client.post("/developerhub/token", data=_exchange("nope", verifier))
    assert unknown.json()["error"] == "invalid_grant"


async def test_refresh_rotates_and_counts(client: httpx2.AsyncClient, state: SandboxState) -> None:
    first = await login(client)
    response = await refresh(client, str(first["refresh_token"]))
    assert response.status_code == 200
    second = response.json()
    assert set(second) == TOKEN_KEYS
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    for token in (first["access_token"], second["access_token"]):  # the old access token lives until expiry
        assert (await client.get("/cma/v3/user", headers=bearer(str(token)))).status_code == 200
    assert dict(state.token_requests) == {"authorization_code": 1, "refresh_token": 1}
    third = await refresh(client, str(second["refresh_token"]))
    assert third.status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_grant(client: httpx2.AsyncClient) -> None:
    first = await login(client)
    second = (await refresh(client, str(first["refresh_token"]))).json()
    replay = await refresh(client, str(first["refresh_token"]))  # a second process with the stale token
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # ... and now everyone sharing that login is logged out
    assert (await refresh(client, second["refresh_token"])).json()["error"] == "invalid_grant"
    for token in (first["access_token"], second["access_token"]):
        assert (await client.get("/cma/v3/user", headers=bearer(str(token)))).status_code == 401
    # other logins are untouched
    assert (await client.get("/cma/v3/user", headers=bearer(SANDBOX_ACCESS_TOKEN))).status_code == 200


async def test_omit_refresh_token_switch_keeps_the_old_one(client: httpx2.AsyncClient, state: SandboxState) -> None:
    first = await login(client)
    state.omit_refresh_token_on_refresh = True
    for _ in range(2):
        response = await refresh(client, str(first["refresh_token"]))
        assert response.status_code == 200
        assert "refresh_token" not in response.json()
        assert set(response.json()) == TOKEN_KEYS - {"refresh_token"}


async def test_rotation_can_be_turned_off(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.rotate_refresh_tokens = False
    first = await login(client)
    second = (await refresh(client, str(first["refresh_token"]))).json()
    assert second["refresh_token"] == first["refresh_token"]
    assert (await refresh(client, str(first["refresh_token"]))).status_code == 200


async def test_refresh_needs_redirect_uri_matching_the_grant(client: httpx2.AsyncClient) -> None:
    first = await login(client)
    missing = await client.post(
        "/developerhub/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": CLI_CLIENT_ID,
        },
    )
    assert missing.json() == {"error": "invalid_request", "error_description": "redirect_uri is required."}
    other = await refresh(client, str(first["refresh_token"]), redirect_uri="http://localhost:1")
    assert other.json()["error"] == "invalid_grant"
    assert (await refresh(client, "not-a-token")).json()["error"] == "invalid_grant"


async def test_short_access_token_ttl(client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock) -> None:
    state.access_token_ttl = 2
    body = await login(client)
    assert body["expires_in"] == 2
    assert (await client.get("/cma/v3/user", headers=bearer(str(body["access_token"])))).status_code == 200
    clock.advance(2)
    assert (await client.get("/cma/v3/user", headers=bearer(str(body["access_token"])))).status_code == 401
    renewed = (await refresh(client, str(body["refresh_token"]))).json()
    assert (await client.get("/cma/v3/user", headers=bearer(renewed["access_token"]))).status_code == 200


async def test_expire_and_revoke_controls(client: httpx2.AsyncClient, state: SandboxState) -> None:
    body = await login(client)
    access = bearer(str(body["access_token"]))
    assert state.expire_access_tokens() == 1
    assert (await client.get("/cma/v3/user", headers=access)).status_code == 401
    assert (await client.get("/cma/v3/user", headers=bearer())).status_code == 200  # permanent token
    renewed = (await refresh(client, str(body["refresh_token"]))).json()
    assert state.revoke_user_grants(MAIN_USER_UID) == 1
    assert (await client.get("/cma/v3/user", headers=bearer(renewed["access_token"]))).status_code == 401
    assert (await refresh(client, renewed["refresh_token"])).json()["error"] == "invalid_grant"
    again = await login(client)
    assert state.revoke_grant_of(str(again["refresh_token"])) is True
    assert (await client.get("/cma/v3/user", headers=bearer(str(again["access_token"])))).status_code == 401


async def test_location_switch(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.location = "EU"
    verifier, challenge = pkce_pair()
    params = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge))))
    assert params["location"] == "EU"
    body = (await client.post("/developerhub/token", data=_exchange(params["code"], verifier))).json()
    assert body["location"] == "EU"


async def test_app_host_token_endpoint(client: httpx2.AsyncClient) -> None:
    body = await login(client, token_path="/app/apps-api/token")
    assert body["access_token"]


async def test_scopes_limit_what_a_token_may_read(client: httpx2.AsyncClient) -> None:
    body = await login(client, scope="personalize:read")
    token = str(body["access_token"])
    assert (await client.get("/personalize/projects", headers=bearer(token))).status_code == 200
    user = await client.get("/cma/v3/user", headers=bearer(token))
    assert user.status_code == 403
    assert "user:read" in user.json()["error_message"]
    default = await login(client, scope=None)  # no scope parameter: the app's default scopes
    assert (await client.get("/cma/v3/user", headers=bearer(str(default["access_token"])))).status_code == 200


async def test_confidential_app(client: httpx2.AsyncClient) -> None:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CONFIDENTIAL_CLIENT_ID,
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "state": "s",
        }
    )
    consent = await client.get(f"/app/sandbox/apps/{CONFIDENTIAL_APP_UID}/authorize?{query}")
    code = redirect_params(consent)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": DEFAULT_REDIRECT_URI,
        "client_id": CONFIDENTIAL_CLIENT_ID,
    }
    assert (await client.post("/developerhub/token", data=form)).json()["error"] == "invalid_client"
    wrong = await client.post("/developerhub/token", data=form | {"client_secret": "wrong"})
    assert wrong.json()["error"] == "invalid_client"
    body = await client.post("/developerhub/token", data=form | {"client_secret": CONFIDENTIAL_CLIENT_SECRET})
    assert body.status_code == 200
    tokens = body.json()
    refresh_form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": CONFIDENTIAL_CLIENT_ID,
        "redirect_uri": DEFAULT_REDIRECT_URI,
    }
    no_secret = await client.post("/developerhub/token", data=refresh_form)
    assert no_secret.json()["error"] == "invalid_client"
    ok = await client.post("/developerhub/token", data=refresh_form | {"client_secret": CONFIDENTIAL_CLIENT_SECRET})
    assert ok.status_code == 200


async def test_client_secret_travels_in_the_form_not_basic_auth(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/developerhub/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "redirect_uri": DEFAULT_REDIRECT_URI},
        auth=(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
    assert "form body" in response.json()["error_description"]


async def test_public_app_must_not_send_a_secret(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(client, challenge)
    response = await client.post("/developerhub/token", data=_exchange(code, verifier, client_secret="x"))
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"json": {"grant_type": "authorization_code"}}, "invalid_request"),
        ({"data": {"grant_type": "password"}}, "unsupported_grant_type"),
        ({"data": {"code": "x"}}, "invalid_request"),
        ({"data": {"grant_type": "authorization_code", "client_id": CLI_CLIENT_ID}}, "invalid_request"),
    ],
    ids=["json-body", "password-grant", "no-grant-type", "no-code"],
)
async def test_malformed_token_requests(
    client: httpx2.AsyncClient, state: SandboxState, kwargs: dict[str, object], error: str
) -> None:
    response = await client.post("/developerhub/token", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert sum(state.token_requests.values()) == 1


async def test_cli_app_constants() -> None:
    assert (CLI_APP_UID, CLI_CLIENT_ID) == ("6400aa06db64de001a31c8a9", "Ie0FEfTzlfAHL4xM")


async def test_consent_url_and_an_awkward_state_round_trip(client: httpx2.AsyncClient) -> None:
    _, challenge = pkce_pair()
    url = consent_url(authorize_url(challenge=challenge, state="a b&c=d/é"), organization_uid=MAIN_ORG_UID)
    assert url.startswith(f"http://sandbox/app/sandbox/consent?app_uid={CLI_APP_UID}&response_type=code&")
    assert url.endswith(f"&organization_uid={MAIN_ORG_UID}")
    assert redirect_params(await client.get(url))["state"] == "a b&c=d/é"
    for wrong in (
        "http://sandbox/app/#!/apps/x/settings",
        "http://sandbox/app/#!/apps/x/authorize",
        # what a generic OAuth client makes of the fragment URL: the query lands before the fragment
        "http://sandbox/app/?response_type=code&client_id=c#!/apps/x/authorize",
    ):
        with pytest.raises(ValueError, match="inside the #! fragment"):
            consent_url(wrong)
