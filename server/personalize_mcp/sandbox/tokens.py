"""Access tokens, refresh tokens, authorization codes and the grants that tie them together.

A *grant* is one user's consent for one app in one organisation. Every token issued from it is
revoked together, which is how a replayed (already rotated) refresh token logs out every process
sharing that login: the behaviour the product must never trigger. Only this module holds token
values; nothing here is ever written to the request log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from personalize_mcp.sandbox.clock import Clock


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for: one organisation, one user, and the OAuth scopes granted."""

    org_uid: str
    user_uid: str
    scopes: frozenset[str] | None = None
    """None for the seeded permanent tokens, which may do everything."""

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass
class Grant:
    uid: str
    client_id: str
    redirect_uri: str
    principal: Principal
    revoked: bool = False


@dataclass
class AccessToken:
    principal: Principal
    grant_uid: str | None
    expires_at: float | None
    revoked: bool = False


@dataclass
class RefreshToken:
    grant_uid: str
    rotated: bool = False


@dataclass
class AuthorizationCode:
    """What a code remembers from the consent step; single use, short-lived."""

    client_id: str
    redirect_uri: str
    code_challenge: str | None
    principal: Principal
    expires_at: float
    used: bool = False
    grant_uid: str | None = None
    """Set once redeemed, so a replayed code can revoke what it produced (RFC 6749 §4.1.2)."""


@dataclass
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    principal: Principal


@dataclass
class TokenStore:
    """In-memory token state; `clock` decides expiry so tests never sleep."""

    clock: Clock
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)

    # ------------------------------------------------------------------ access tokens
    def add_permanent(self, token: str, principal: Principal) -> None:
        """Seed a token that never expires and belongs to no grant (demo and fixtures)."""
        self.access_tokens[token] = AccessToken(principal=principal, grant_uid=None, expires_at=None)

    def issue_access_token(self, principal: Principal, ttl: float | None, grant_uid: str | None = None) -> str:
        token = secrets.token_urlsafe(32)
        expires_at = None if ttl is None else self.clock() + ttl
        self.access_tokens[token] = AccessToken(principal=principal, grant_uid=grant_uid, expires_at=expires_at)
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a live access token, or None when unknown, expired or revoked."""
        record = self.access_tokens.get(token)
        if record is None or record.revoked:
            return None
        if record.expires_at is not None and self.clock() >= record.expires_at:
            return None
        return record.principal

    def expire_access_tokens(self) -> int:
        """Expire every access token now, except the seeded permanent ones."""
        now = self.clock()
        count = 0
        for record in self.access_tokens.values():
            permanent = record.grant_uid is None and record.expires_at is None
            if not permanent and (record.expires_at is None or record.expires_at > now):
                record.expires_at = now
                count += 1
        return count

    # ------------------------------------------------------------------ codes
    def create_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        code_challenge: str | None,
        principal: Principal,
        ttl: float,
    ) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthorizationCode(
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            principal=principal,
            expires_at=self.clock() + ttl,
        )
        return code

    def code_expired(self, code: AuthorizationCode) -> bool:
        return self.clock() >= code.expires_at

    # ------------------------------------------------------------------ grants
    def open_grant(self, *, client_id: str, redirect_uri: str, principal: Principal) -> Grant:
        grant = Grant(uid=secrets.token_hex(8), client_id=client_id, redirect_uri=redirect_uri, principal=principal)
        self.grants[grant.uid] = grant
        return grant

    def issue_refresh_token(self, grant: Grant) -> str:
        token = secrets.token_urlsafe(32)
        self.refresh_tokens[token] = RefreshToken(grant_uid=grant.uid)
        return token

    def grant_of(self, token: str) -> Grant | None:
        """The grant behind an access or refresh token value (revoked or not)."""
        access = self.access_tokens.get(token)
        grant_uid = access.grant_uid if access else None
        if grant_uid is None and token in self.refresh_tokens:
            grant_uid = self.refresh_tokens[token].grant_uid
        return self.grants.get(grant_uid) if grant_uid else None

    def revoke_grant(self, grant_uid: str) -> bool:
        """Revoke a grant and every access and refresh token issued from it."""
        grant = self.grants.get(grant_uid)
        if grant is None:
            return False
        grant.revoked = True
        for access in self.access_tokens.values():
            if access.grant_uid == grant_uid:
                access.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.grant_uid == grant_uid:
                refresh.rotated = True
        return True

    def revoke_user(self, user_uid: str) -> int:
        """Revoke every grant of a user (what "log out of all sessions" does); returns how many."""
        uids = [g.uid for g in self.grants.values() if g.principal.user_uid == user_uid and not g.revoked]
        for uid in uids:
            self.revoke_grant(uid)
        return len(uids)

    def revoke_all(self) -> int:
        uids = [g.uid for g in self.grants.values() if not g.revoked]
        for uid in uids:
            self.revoke_grant(uid)
        return len(uids)
