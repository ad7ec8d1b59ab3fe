"""Who a fresh token belongs to: `GET /v3/user` and `GET /v3/organizations/{uid}` (api §3).

Used once, right after login, to tell the user whom they logged in as and to store names that
`accounts` can show. Either call may be forbidden by the token's scopes (or fail for any other
reason); login then falls back to the uids from the token response rather than failing.
"""

from __future__ import annotations

from typing import Any

import httpx2

from personalize_mcp.auth.account import OrganizationInfo, UserInfo
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.runtime.ids import is_identifier

LOOKUP_TIMEOUT = 15.0


async def who_logged_in(
    settings: ConnectionSettings,
    access_token: str,
    *,
    organization_uid: str | None,
    user_uid: str | None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> tuple[UserInfo, OrganizationInfo]:
    """The user and organisation behind `access_token`, as much of them as the token may read."""
    headers = {"authorization": f"Bearer {access_token}", "accept": "application/json"}
    if organization_uid:
        headers["organization_uid"] = organization_uid
    user = UserInfo(uid=user_uid)
    organization = OrganizationInfo(uid=organization_uid)
    async with httpx2.AsyncClient(
        base_url=settings.cma_base_url, headers=headers, transport=transport, timeout=LOOKUP_TIMEOUT
    ) as client:
        body = await _get_object(client, "/v3/user", "user")
        if body is not None:
            user = UserInfo(
                uid=_text(body.get("uid")) or user_uid,
                email=_text(body.get("email")),
                name=" ".join(p for p in (_text(body.get("first_name")), _text(body.get("last_name"))) if p)
                or _text(body.get("username")),
            )
        if organization_uid and is_identifier(organization_uid):
            body = await _get_object(client, f"/v3/organizations/{organization_uid}", "organization")
            if body is not None:
                organization = OrganizationInfo(uid=organization_uid, name=_text(body.get("name")))
    return user, organization


async def _get_object(client: httpx2.AsyncClient, path: str, key: str) -> dict[str, Any] | None:
    try:
        response = await client.get(path)
    except httpx2.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
