"""Who just consented: `GET /v3/user` with their fresh token, and whether they belong to our organisation.

Unlike `personalize-mcp login` (which falls back to uids), the broker lets nobody in whom it cannot
name: the user must be readable, be the one the token response names, and the token must be for
`--organization-uid`, of which the user must be a member.
"""

from __future__ import annotations

from typing import Any

import httpx2

from personalize_mcp.auth.oauth import TokenResponse
from personalize_mcp.broker.records import Person
from personalize_mcp.config.settings import ConnectionSettings

LOOKUP_TIMEOUT = 15.0


class PersonRefused(Exception):
    """The sign-in cannot be accepted; `description` is the sentence the client is told."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


async def identify(
    app: ConnectionSettings,
    tokens: TokenResponse,
    organization_uid: str,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> tuple[Person, str | None]:
    """The person behind `tokens` and their organisation's name; `PersonRefused` if they may not enter."""
    granted_org = tokens.organization_uid
    if granted_org != organization_uid:
        raise PersonRefused(
            "access_denied",
            "This server is only for members of its Contentstack organisation; sign in choosing that organisation.",
        )
    headers = {
        "authorization": f"Bearer {tokens.access_token.get_secret_value()}",
        "accept": "application/json",
        "organization_uid": organization_uid,
    }
    async with httpx2.AsyncClient(
        base_url=app.cma_base_url, headers=headers, transport=transport, timeout=LOOKUP_TIMEOUT, follow_redirects=False
    ) as client:
        try:
            response = await client.get("/v3/user", params={"include_orgs_roles": "true"})
        except httpx2.HTTPError:
            raise PersonRefused(
                "temporarily_unavailable", "Contentstack could not be asked who you are; try again."
            ) from None
    body: Any = _json(response) if response.status_code == 200 else None
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(user, dict) or not isinstance(user.get("uid"), str):
        raise PersonRefused(
            "access_denied", "Contentstack did not say who you are (the app needs the user:read scope); try again."
        )
    if tokens.user_uid and user["uid"] != tokens.user_uid:
        raise PersonRefused("access_denied", "Contentstack named another user than the one who signed in.")
    memberships = user.get("organizations")
    entries = memberships if isinstance(memberships, list) else []
    names = {o.get("uid"): o.get("name") for o in entries if isinstance(o, dict)}
    if isinstance(memberships, list) and organization_uid not in names:
        raise PersonRefused("access_denied", "You are not a member of this server's Contentstack organisation.")
    name = " ".join(part for part in (_text(user.get("first_name")), _text(user.get("last_name"))) if part)
    person = Person(user_uid=user["uid"], email=_text(user.get("email")), name=name or None)
    org_name = names.get(organization_uid)
    return person, org_name if isinstance(org_name, str) else None


def _json(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
