"""What the broker keeps between requests, one model per kind of record (`storage` says where and how).

A *login* is one person's Contentstack login made through one consent of one MCP client (a grant):
their Contentstack tokens, who they are and what our tokens for it may do. Everything we issue for
it (codes, access and refresh tokens) names its `grant_id`, so forgetting the login ends them all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

REFRESH_MARGIN = timedelta(seconds=60)
"""The most a Contentstack token is renewed ahead of its expiry..."""
REFRESH_FRACTION = 0.25
"""...and the share of its lifetime it may have left when renewed."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Person(Record):
    """Who signed in, as `GET /v3/user` named them."""

    user_uid: str
    email: str | None = None
    name: str | None = None

    @property
    def shown(self) -> str:
        return self.email or self.name or self.user_uid


class Login(Record):
    """One person's Contentstack login behind one grant of ours (stored sealed)."""

    grant_id: str
    client_id: str
    scopes: tuple[str, ...]
    """Our scopes this grant may carry (`personalize-mcp:read`, `personalize-mcp:write`)."""
    person: Person
    organization_uid: str
    organization_name: str | None = None
    location: str | None = None
    upstream_scopes: tuple[str, ...] = ()
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime
    updated_at: datetime

    def stale(self, now: datetime) -> bool:
        """Renew ahead of expiry: with a quarter of the lifetime (at most a minute) left."""
        lifetime = self.expires_at - self.updated_at
        margin = min(REFRESH_MARGIN, lifetime * REFRESH_FRACTION) if lifetime > timedelta(0) else timedelta(0)
        return self.expires_at - margin <= now

    def renewed(self, *, access_token: str, refresh_token: str | None, expires_at: datetime, now: datetime) -> Login:
        """After a refresh: a response without a refresh token keeps the old one."""
        return self.model_copy(
            update={
                "access_token": access_token,
                "refresh_token": refresh_token or self.refresh_token,
                "expires_at": expires_at,
                "updated_at": now,
            }
        )


class PendingAuthorization(Record):
    """An `/authorize` request waiting for the person's decision on our consent page."""

    client_id: str
    client_name: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    scopes: tuple[str, ...]
    code_challenge: str
    state: str | None = None
    resource: str | None = None
    expires_at: float
    csrf_digest: str | None = None
    """Of the form token the consent page was rendered with (None until it was shown)."""
    browser_digest: str | None = None
    """Of the cookie the consent page set: only that browser may decide."""


class UpstreamFlow(Record):
    """Approved, and sent to Contentstack: what the callback needs to finish (stored sealed)."""

    pending: PendingAuthorization
    code_verifier: str
    browser_digest: str
    """Of the cookie set when the person approved: the callback must come back in that browser."""
    upstream_scopes: tuple[str, ...]


class IssuedCode(Record):
    """Our authorization code (stored under its digest), single use."""

    client_id: str
    grant_id: str
    subject: str
    scopes: tuple[str, ...]
    code_challenge: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    resource: str | None = None
    expires_at: float
    spent: bool = False
    """Exchanged already: presenting it again revokes the grant (RFC 6749 §4.1.2)."""


class IssuedToken(Record):
    """Our access or refresh token (stored under its digest)."""

    client_id: str
    grant_id: str
    subject: str
    scopes: tuple[str, ...]
    resource: str | None = None
    expires_at: int
    person: Person | None = None
    organization_uid: str | None = None
    organization_name: str | None = None
    rotated: bool = False
    """A refresh token already exchanged: presenting it again revokes the grant (OAuth 2.1 §4.3.1)."""
