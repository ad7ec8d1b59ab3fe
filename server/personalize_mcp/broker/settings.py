"""`--auth broker`'s settings: the public URL, the organisation, its Contentstack app, our scopes and lifetimes.

The organisation registers its own Developer Hub app (contentstack-api.md §9) whose redirect URI is
`{public URL}/oauth/callback`; its uid, client id and secret come from `CONTENTSTACK_OAUTH_APP_UID`,
`CONTENTSTACK_OAUTH_CLIENT_ID` and `CONTENTSTACK_OAUTH_CLIENT_SECRET` (the public CLI app cannot
redirect to a server, so it is refused). Hosts follow `CONTENTSTACK_REGION` and the host overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from personalize_mcp.config.settings import (
    ENV_OAUTH_APP_UID,
    ENV_OAUTH_CLIENT_ID,
    ENV_OAUTH_REDIRECT_URI,
    ConnectionOverrides,
    ConnectionSettings,
)
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.runtime.ids import is_identifier

READ_SCOPE = "personalize-mcp:read"
WRITE_SCOPE = "personalize-mcp:write"
SCOPES: tuple[str, ...] = (READ_SCOPE, WRITE_SCOPE)
SCOPE_WORDS = {
    READ_SCOPE: "read your Personalize projects, audiences, experiences and results, and the stacks' variants",
    WRITE_SCOPE: "plan and, once you confirm each one, apply changes to Personalize as you",
}
UPSTREAM_MANAGE = "personalize:manage"
"""What asking for our write scope adds to the Contentstack consent."""

CALLBACK_PATH = "/oauth/callback"
CONSENT_PATH = "/oauth/consent"
MCP_PATH = "/mcp"

ACCESS_TOKEN_SECONDS = 1800
"""Our access tokens are short-lived: a revoked grant or a removed person stops within half an hour."""
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
CODE_SECONDS = 300


def _http_url(url: str) -> str:
    parts = urlsplit(url)
    loopback = (parts.hostname or "") in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("http", "https") or not parts.hostname or (parts.scheme == "http" and not loopback):
        raise ConfigurationError(
            f"--public-url must be the https URL people reach the server at (http only on localhost), got {url!r}."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(
            f"--public-url must be an origin without a path, e.g. https://mcp.example.com, got {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """Everything `--auth broker` needs besides the store and the keys."""

    public_url: str
    organization_uid: str
    app: ConnectionSettings
    """The organisation's Contentstack app and hosts; `redirect_uri` is our callback."""

    @classmethod
    def resolve(cls, public_url: str | None, organization_uid: str | None, env: Mapping[str, str]) -> BrokerSettings:
        """From the flags and the environment; what is missing or wrong is one sentence."""
        if not public_url:
            raise ConfigurationError(
                "--auth broker needs --public-url https://<name people reach the server at> (its /oauth/callback is "
                "the redirect URI of the organisation's Contentstack app)."
            )
        origin = _http_url(public_url.strip())
        if not organization_uid or not is_identifier(organization_uid):
            raise ConfigurationError(
                "--auth broker needs --organization-uid UID: only members of that Contentstack organisation are let in."
            )
        overrides = ConnectionOverrides.from_env(env)
        if not overrides.app_uid or not overrides.client_id:
            raise ConfigurationError(
                f"--auth broker needs the organisation's own Developer Hub app: set {ENV_OAUTH_APP_UID} and "
                f"{ENV_OAUTH_CLIENT_ID} (and CONTENTSTACK_OAUTH_CLIENT_SECRET), its redirect URI being "
                f"{origin}{CALLBACK_PATH}."
            )
        callback = origin + CALLBACK_PATH
        if overrides.redirect_uri and overrides.redirect_uri != callback:
            raise ConfigurationError(
                f"{ENV_OAUTH_REDIRECT_URI} is {overrides.redirect_uri!r}, but with --auth broker the app's redirect "
                f"URI is {callback}; unset it or make it that."
            )
        app = ConnectionSettings.resolve(replace(overrides, redirect_uri=callback))
        return cls(public_url=origin, organization_uid=organization_uid, app=app)

    @property
    def issuer(self) -> str:
        return self.public_url

    @property
    def resource_url(self) -> str:
        return self.public_url + MCP_PATH

    @property
    def consent_url(self) -> str:
        return self.public_url + CONSENT_PATH

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def upstream_scopes(self, ours: tuple[str, ...]) -> tuple[str, ...]:
        """The Contentstack scopes to ask for: the app's read scopes, plus `personalize:manage` for writes."""
        scopes = [scope for scope in self.app.scopes if scope != UPSTREAM_MANAGE]
        if WRITE_SCOPE in ours:
            scopes.append(UPSTREAM_MANAGE)
        return tuple(scopes)

    def app_for(self, ours: tuple[str, ...]) -> ConnectionSettings:
        """The app's settings asking for the Contentstack scopes our scopes need."""
        return replace(self.app, scopes=self.upstream_scopes(ours))


def granted_scopes(requested: list[str] | None) -> tuple[str, ...]:
    """What a grant carries: reading always (the MCP endpoint requires it), writing when asked for."""
    asked = set(requested or ())
    return (READ_SCOPE, WRITE_SCOPE) if WRITE_SCOPE in asked else (READ_SCOPE,)
