"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, consent_url, s256
from personalize_mcp.sandbox.data import CLI_APP_UID, CLI_CLIENT_ID, DEFAULT_REDIRECT_URI, DEFAULT_SCOPES


def bearer(token: str = SANDBOX_ACCESS_TOKEN, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **extra}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def authorize_url(
    *,
    app_uid: str = CLI_APP_UID,
    client_id: str = CLI_CLIENT_ID,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    challenge: str | None = None,
    state: str = "st-123",
    scope: str | None = " ".join(DEFAULT_SCOPES),
    **extra: str,
) -> str:
    """The authorize URL as the product prints it (the fragment form of contentstack-api.md §5)."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state}
    if scope is not None:
        params["scope"] = scope
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    params |= extra
    return f"http://sandbox/app/#!/apps/{app_uid}/authorize?{urlencode(params)}"


def redirect_params(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


async def login(
    client: httpx2.AsyncClient,
    *,
    organization_uid: str | None = None,
    scope: str | None = " ".join(DEFAULT_SCOPES),
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    token_path: str = "/developerhub/token",
) -> dict[str, object]:
    """Consent + code exchange with PKCE; returns the token response body."""
    verifier, challenge = pkce_pair()
    url = consent_url(
        authorize_url(challenge=challenge, scope=scope, redirect_uri=redirect_uri),
        organization_uid=organization_uid,
    )
    code = redirect_params(await client.get(url))["code"]
    response = await client.post(
        token_path,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": CLI_CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def refresh(
    client: httpx2.AsyncClient, refresh_token: str, *, redirect_uri: str = DEFAULT_REDIRECT_URI
) -> httpx2.Response:
    return await client.post(
        "/developerhub/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLI_CLIENT_ID,
            "redirect_uri": redirect_uri,
        },
    )
