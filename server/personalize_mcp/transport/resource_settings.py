"""How this server, as an OAuth 2.1 resource server, accepts access tokens: the checked settings.

The server never issues tokens. A client obtains one from the configured issuer (Keycloak, Auth0,
Entra, Okta, ...) for this server's resource URL, and every request to `/mcp` carries it. These
settings say which issuer, audiences, scopes and algorithms are accepted (`jwt_verifier` checks a
token against them), and give the SDK what it needs to answer 401/403 and serve the RFC 9728
metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mcp.server.auth.settings import AuthSettings

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.addresses import is_loopback_host

# Asymmetric algorithms only: a shared-secret (HS*) or unsigned ("none") token can never pass,
# whatever its header claims.
DEFAULT_ALGORITHMS: tuple[str, ...] = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
DEFAULT_LEEWAY_SECONDS = 30
DEFAULT_JWKS_TTL_SECONDS = 600.0


def require_secure_url(url: str, what: str) -> str:
    """An absolute https URL (http only on loopback), without fragment, else one sentence saying so."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL, got {url!r}.")
    if parts.fragment:
        raise ConfigurationError(f"{what} must not contain a fragment ('#...'), got {url!r}.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"{what} must use https (plain http is accepted only on localhost), got {url!r}; "
            "terminate TLS in front of the server as the README's Deploying section shows."
        )
    return url


@dataclass(frozen=True, slots=True)
class OAuthResourceSettings:
    """How this server, as an OAuth resource server, accepts access tokens."""

    issuer: str
    """The authorization server's issuer identifier (`iss` of its tokens)."""
    resource_url: str
    """This server's MCP endpoint as clients reach it: the RFC 8707 resource and default audience."""
    audiences: tuple[str, ...] = ()
    """Accepted `aud` values; empty means the resource URL."""
    required_scopes: tuple[str, ...] = ()
    jwks_url: str | None = None
    """Where the signing keys are; None: the `jwks_uri` of the issuer's metadata."""
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: int = DEFAULT_LEEWAY_SECONDS
    jwks_ttl_seconds: float = DEFAULT_JWKS_TTL_SECONDS

    def __post_init__(self) -> None:
        require_secure_url(self.issuer, "--oauth-issuer")
        require_secure_url(self.resource_url, "--resource-url")
        if self.jwks_url is not None:
            require_secure_url(self.jwks_url, "--oauth-jwks-url")
        for scope in self.required_scopes:
            if not scope or any(c.isspace() or c in '"\\' for c in scope):
                raise ConfigurationError(f"--required-scope takes one scope without spaces or quotes, got {scope!r}.")

    @property
    def accepted_audiences(self) -> tuple[str, ...]:
        return self.audiences or (self.resource_url,)

    def auth_settings(self) -> AuthSettings:
        """The SDK's settings: RFC 9728 metadata at the resource URL's well-known path, scopes to require.

        `validate_token_resource` is off because the verifier checks `aud` itself, against the
        configured audiences (which may be an API identifier rather than the resource URL).
        """
        return AuthSettings(
            issuer_url=self.issuer,  # type: ignore[arg-type]  # pydantic validates the string
            resource_server_url=self.resource_url,  # type: ignore[arg-type]
            required_scopes=list(self.required_scopes) or None,
            validate_token_resource=False,
        )
