"""MCP clients of the broker: what a registration may hold, and redirects with loopback ports.

The SDK compares a requested `redirect_uri` with the registered ones exactly; native clients
(RFC 8252 §7.3) register `http://127.0.0.1/callback` and listen on whatever port is free, so a
loopback redirect matches whatever its port (scheme, host, path and query still exactly).
Registered redirects must be `https`, `http` on a loopback address, or a private-use scheme of
reverse-domain form (`com.example.app:/cb`, RFC 8252 §7.1); never with a fragment.

A registered client's secret is stored only as its digest (`client_secret_digest`); `client_auth`
checks a presented secret against it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
MAX_REDIRECT_URIS = 8
AUTH_METHODS = frozenset({"none", "client_secret_post", "client_secret_basic"})


class BrokerClient(OAuthClientInformationFull):
    """A client as the broker knows it: loopback redirects match on any port; the secret as a digest."""

    client_secret_digest: str | None = None

    @property
    def display_name(self) -> str:
        """What the consent page calls the client: its name, else the host of its metadata URL, else its id."""
        if self.client_name:
            return self.client_name
        if self.client_id.startswith("https://"):
            return urlsplit(self.client_id).hostname or self.client_id
        return self.client_id

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        registered = self.redirect_uris or []
        if redirect_uri is not None and any(_same_loopback_redirect(uri, redirect_uri) for uri in registered):
            return redirect_uri
        return super().validate_redirect_uri(redirect_uri)


def _same_loopback_redirect(registered: AnyUrl, requested: AnyUrl) -> bool:
    a, b = urlsplit(str(registered)), urlsplit(str(requested))
    return (
        a.scheme == b.scheme == "http"
        and (a.hostname or "").lower() in LOOPBACK_HOSTS
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and a.path == b.path
        and a.query == b.query
        and not b.fragment
    )


def check_redirect_uris(uris: list[AnyUrl] | None) -> None:
    """Refuse a registration whose redirects could hand a code to someone else (one sentence each)."""
    if not uris:
        raise RegistrationError("invalid_redirect_uri", "At least one redirect_uri is required.")
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", f"At most {MAX_REDIRECT_URIS} redirect_uris are accepted.")
    for uri in uris:
        parts = urlsplit(str(uri))
        if parts.fragment:
            raise RegistrationError("invalid_redirect_uri", "A redirect_uri must not have a fragment.")
        if parts.scheme == "https" and parts.hostname:
            continue
        if parts.scheme == "http" and (parts.hostname or "").lower() in LOOPBACK_HOSTS:
            continue
        if parts.scheme not in ("http", "https") and "." in parts.scheme and parts.scheme.isascii():
            continue  # a native app's private-use scheme (RFC 8252 §7.1)
        raise RegistrationError(
            "invalid_redirect_uri",
            "A redirect_uri must be https, http on a loopback address, or an app's reverse-domain scheme.",
        )


def check_registration(client: OAuthClientInformationFull, valid_scopes: tuple[str, ...]) -> None:
    """What `/register` accepts beyond the SDK's own checks."""
    check_redirect_uris(client.redirect_uris)
    if client.token_endpoint_auth_method not in AUTH_METHODS:
        raise RegistrationError(
            "invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_post or basic."
        )
    unknown = set((client.scope or "").split()) - set(valid_scopes)
    if unknown:
        raise RegistrationError("invalid_client_metadata", f"Unknown scope {sorted(unknown)[0]!r}.")
