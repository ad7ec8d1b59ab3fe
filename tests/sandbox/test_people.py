"""People with roles, consent as a chosen person, and the organisation's own app (strict redirects)."""

from __future__ import annotations

import httpx2
import pytest

from personalize_mcp.sandbox import SandboxState, consent_url
from personalize_mcp.sandbox.data import MAIN_ORG_UID, MAIN_USER_UID, SECOND_ORG_UID, SECOND_ORG_USER_UID
from personalize_mcp.sandbox.people import (
    ANALYST_USER_UID,
    BROKER_APP_UID,
    BROKER_CLIENT_ID,
    BROKER_CLIENT_SECRET,
    BROKER_REDIRECT_URI,
    DEVELOPER_USER_UID,
    EDITOR_USER_UID,
)

from .helpers import authorize_url, bearer, pkce_pair, redirect_params

pytestmark = pytest.mark.anyio


async def test_roles_decide_what_personalize_allows(client: httpx2.AsyncClient, state: SandboxState) -> None:
    def token(user: str, org: str = MAIN_ORG_UID) -> dict[str, str]:
        return bearer(state.issue_access_token(org, user))

    assert (await client.get("/personalize/projects", headers=token(DEVELOPER_USER_UID))).status_code == 200
    assert (await client.get("/personalize/projects", headers=token(ANALYST_USER_UID))).status_code == 200
    denied = await client.get("/personalize/projects", headers=token(EDITOR_USER_UID))
    assert denied.status_code == 403
    assert "no access to Personalize" in denied.json()["message"]
    # A read-only role may not change anything (whatever the route: the role is checked first).
    changed = await client.post("/personalize/audiences", headers=token(ANALYST_USER_UID), json={})
    assert changed.status_code == 403
    assert "not change them" in changed.json()["message"]
    # The CMS is not Personalize: the content manager still reads the organisation's stacks.
    stacks = await client.get("/cma/v3/stacks", headers=token(EDITOR_USER_UID) | {"organization_uid": MAIN_ORG_UID})
    assert stacks.status_code == 200
    # Kenji is no member of Northwind: a token naming him there reaches nothing in Personalize.
    assert (await client.get("/personalize/projects", headers=token(SECOND_ORG_USER_UID))).status_code == 403


async def test_the_request_log_names_whose_token_was_used(client: httpx2.AsyncClient, state: SandboxState) -> None:
    await client.get("/personalize/projects", headers=bearer(state.issue_access_token(MAIN_ORG_UID, ANALYST_USER_UID)))
    await client.get("/personalize/projects")
    assert [(r.user, r.status) for r in state.request_log()] == [(ANALYST_USER_UID, 200), (None, 401)]


async def test_user_shows_memberships_with_roles(client: httpx2.AsyncClient, state: SandboxState) -> None:
    body = (
        await client.get("/cma/v3/user", headers=bearer(state.issue_access_token(MAIN_ORG_UID, MAIN_USER_UID)))
    ).json()
    roles = {org["uid"]: [r["name"] for r in org["org_roles"]] for org in body["user"]["organizations"]}
    assert roles == {MAIN_ORG_UID: ["Owner"], SECOND_ORG_UID: ["Admin"]}


async def test_consent_as_a_chosen_person_in_a_chosen_organisation(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    url = consent_url(authorize_url(challenge=challenge), user_uid=ANALYST_USER_UID)
    code = redirect_params(await client.get(url))["code"]
    tokens = await client.post(
        "/developerhub/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://localhost:8184",
            "client_id": "Ie0FEfTzlfAHL4xM",
            "code_verifier": verifier,
        },
    )
    assert (tokens.json()["user_uid"], tokens.json()["organization_uid"]) == (ANALYST_USER_UID, MAIN_ORG_UID)
    # Nobody signs in as a stranger, nor in an organisation they do not belong to.
    stranger = redirect_params(await client.get(consent_url(authorize_url(challenge=challenge), user_uid="nobody")))
    assert stranger["error"] == "access_denied"
    foreign = consent_url(
        authorize_url(challenge=challenge), user_uid=SECOND_ORG_USER_UID, organization_uid=MAIN_ORG_UID
    )
    assert redirect_params(await client.get(foreign))["error"] == "access_denied"


async def test_the_organisation_app_takes_only_registered_redirects(client: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    callback = "http://127.0.0.1:9/oauth/callback"

    def authorize(redirect_uri: str) -> str:
        return consent_url(
            authorize_url(
                app_uid=BROKER_APP_UID, client_id=BROKER_CLIENT_ID, redirect_uri=redirect_uri, challenge=challenge
            ),
            user_uid=DEVELOPER_USER_UID,
        )

    refused = await client.get(authorize(callback))
    assert refused.status_code == 400  # a loopback redirect is not enough for the organisation's app
    assert redirect_params(await client.get(authorize(BROKER_REDIRECT_URI)))["code"]
    registered = await client.post(f"/_sandbox/apps/{BROKER_CLIENT_ID}/redirect-uris", json={"redirect_uri": callback})
    assert registered.status_code == 200
    await client.post("/_sandbox/reset")  # registrations outlive a reset, as logins do
    code = redirect_params(await client.get(authorize(callback)))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        "client_id": BROKER_CLIENT_ID,
        "code_verifier": verifier,
    }
    tokens = await client.post("/developerhub/token", data=form | {"client_secret": BROKER_CLIENT_SECRET})
    assert tokens.json()["user_uid"] == DEVELOPER_USER_UID
    unknown = await client.post("/_sandbox/apps/nope/redirect-uris", json={"redirect_uri": callback})
    assert unknown.status_code == 404
