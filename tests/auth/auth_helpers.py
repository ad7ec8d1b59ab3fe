"""Helpers shared by the account tests (imported as `auth_helpers`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from personalize_mcp.auth.account import OrganizationInfo, StoredAccount, StoredConnection, UserInfo


def make_account(
    name: str = "default",
    *,
    access_token: str = "access-token-AAAA",
    refresh_token: str | None = "refresh-token-RRRR",
    expires_in: timedelta = timedelta(hours=1),
    region: str = "na",
) -> StoredAccount:
    now = datetime.now(UTC)
    return StoredAccount(
        name=name,
        connection=StoredConnection(
            region=region, client_id="client-1", redirect_uri="http://127.0.0.1:1/cb"
        ),
        access_token=SecretStr(access_token),
        refresh_token=SecretStr(refresh_token) if refresh_token else None,
        expires_at=now + expires_in,
        organization=OrganizationInfo(uid="blt-org", name="Northwind"),
        user=UserInfo(uid="blt-user", email="dana@example.com", name="Dana Whitfield"),
        created_at=now,
        updated_at=now,
    )
