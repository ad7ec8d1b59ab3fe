"""OAuth 2.1 resource server for Streamable HTTP: JWT access tokens from an existing authorization server.

The server never issues tokens. A client obtains one from the configured issuer (Keycloak, Auth0,
Entra, Okta, ...) for this server's resource URL, and every request to `/mcp` carries it. Here we
verify it — signature against the issuer's published keys (JWKS), `iss`, `aud`, `exp`/`nbf` — and
hand the SDK an `AccessToken` with its scopes; the SDK's `RequireAuthMiddleware` answers 401/403
and serves the RFC 9728 metadata.

Library choice: signatures and claims are checked by `joserfc` (the JOSE library of authlib's
author, a dependency of authlib, which we already use). Metadata and keys are fetched with our own
`httpx2` client, asynchronously, so a slow issuer never blocks the event loop (PyJWT's
`PyJWKClient` fetches with blocking urllib) and tests can inject a transport.

The client's token is only ever verified: it is not kept (the `AccessToken` carries a fingerprint
in its place), not logged, and never sent anywhere — upstream calls to Contentstack use the
server's own stored account.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from mcp.client.auth.utils import build_oauth_authorization_server_metadata_discovery_urls
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from personalize_mcp.runtime.errors import ConfigurationError

logger = logging.getLogger(__name__)

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
MAX_TOKEN_LENGTH = 16 * 1024
DEFAULT_LEEWAY_SECONDS = 30
DEFAULT_JWKS_TTL_SECONDS = 600.0
MIN_REFETCH_INTERVAL_SECONDS = 30.0
RETRY_AFTER_FAILURE_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 10.0


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP literal (with or without IPv6 brackets)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


class TokenRejected(Exception):
    """Why a bearer token was refused (for the log; the client only sees 401 invalid_token)."""


class KeysUnavailable(TokenRejected):
    """The issuer's keys could not be fetched, so no token can be verified right now."""


def _fingerprint(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass
class IssuerKeys:
    """The issuer's signing keys: discovered from its metadata (or configured), cached with a TTL.

    A token signed with a key id we do not know triggers one refetch (keys rotate), but at most
    once per `min_refetch_interval`, so made-up key ids cannot turn each request into a fetch.
    When a refetch fails the keys already held stay in use.
    """

    http: httpx2.AsyncClient
    issuer: str
    jwks_url: str | None = None
    ttl: float = DEFAULT_JWKS_TTL_SECONDS
    min_refetch_interval: float = MIN_REFETCH_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    metadata_issuer: str | None = None
    """The `issuer` the metadata stated (None until discovered, or when the JWKS URL was given)."""
    _keys: KeySet | None = field(default=None, init=False)
    _fetched_at: float = field(default=float("-inf"), init=False)
    _attempted_at: float = field(default=float("-inf"), init=False)
    _lock: anyio.Lock = field(default_factory=anyio.Lock, init=False)

    async def key_set(self, kid: str | None) -> KeySet:
        if self._needs_refresh(kid):
            async with self._lock:
                if self._needs_refresh(kid):  # nobody refreshed while we waited
                    await self._refresh()
        if self._keys is None:
            raise KeysUnavailable("the issuer's signing keys could not be fetched")
        return self._keys

    def _needs_refresh(self, kid: str | None) -> bool:
        now = self.clock()
        since_attempt = now - self._attempted_at
        if self._keys is None or now - self._fetched_at >= self.ttl:
            # None yet, or stale: fetch, but not again within seconds of a failed attempt.
            return since_attempt >= RETRY_AFTER_FAILURE_SECONDS
        unknown = kid is not None and all(key.kid != kid for key in self._keys.keys)
        return unknown and since_attempt >= self.min_refetch_interval

    async def _refresh(self) -> None:
        self._attempted_at = self.clock()
        try:
            url = self.jwks_url or await self._discover_jwks_url()
            document = await self._get_json(url)
            keys = document.get("keys")
            if not isinstance(keys, list):
                raise ValueError(f"{url} has no 'keys' list")
            key_set = KeySet.import_key_set({"keys": [k for k in keys if isinstance(k, dict)]})
        except (httpx2.HTTPError, ValueError, JoseError) as error:
            level = logging.WARNING if self._keys is not None else logging.ERROR
            logger.log(level, "Could not fetch the signing keys of %s: %s", self.issuer, error)
            return
        self._keys = key_set
        self._fetched_at = self.clock()
        logger.info("Fetched %d signing key(s) for %s", len(key_set.keys), self.issuer)

    async def _discover_jwks_url(self) -> str:
        """RFC 8414 / OpenID discovery, in the order the MCP authorization spec gives."""
        problems: list[str] = []
        for url in build_oauth_authorization_server_metadata_discovery_urls(self.issuer, self.issuer):
            try:
                metadata = await self._get_json(url)
            except (httpx2.HTTPError, ValueError) as error:
                problems.append(f"{url}: {error}")
                continue
            stated = metadata.get("issuer")
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(stated, str) or stated.rstrip("/") != self.issuer.rstrip("/"):
                problems.append(f"{url}: states issuer {stated!r}")
                continue
            if not isinstance(jwks_uri, str):
                problems.append(f"{url}: has no jwks_uri")
                continue
            require_secure_url(jwks_uri, "The issuer's jwks_uri")
            self.metadata_issuer = stated
            self.jwks_url = jwks_uri
            return jwks_uri
        raise ValueError("no usable authorization server metadata (" + "; ".join(problems) + ")")

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self.http.get(url, headers={"accept": "application/json"})
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    """`scope` (RFC 9068: space-separated) or `scp` (Entra, Okta: a list or a string)."""
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return []


def _client_id(claims: Mapping[str, Any]) -> str:
    """RFC 9068 `client_id`, else the spellings common issuers use, else the subject."""
    for name in ("client_id", "azp", "cid", "appid", "sub"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return "unknown"


class JWTTokenVerifier:
    """The SDK's `TokenVerifier` for JWT access tokens of one issuer."""

    def __init__(
        self,
        settings: OAuthResourceSettings,
        http: httpx2.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.keys = IssuerKeys(http, settings.issuer, settings.jwks_url, ttl=settings.jwks_ttl_seconds)
        self._clock = clock

    async def warm_up(self) -> None:
        """Fetch the keys now, so a misconfigured issuer shows in the log at start-up rather than later."""
        with contextlib.suppress(KeysUnavailable):  # already logged; requests retry the fetch
            await self.keys.key_set(None)

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            return await self._verify(token)
        except TokenRejected as reason:
            # The reason only: never the token, nor claims that could identify a person.
            logger.info("Refused a bearer token: %s", reason)
            return None

    async def _verify(self, token: str) -> AccessToken:
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenRejected("longer than any access token we accept")
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise TokenRejected("not a signed JWT (JWS compact serialization)") from error
        alg = header.get("alg")
        if alg not in self.settings.algorithms:
            raise TokenRejected(f"algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        key_set = await self.keys.key_set(kid if isinstance(kid, str) else None)
        try:
            claims = jwt.decode(token, key_set, algorithms=list(self.settings.algorithms)).claims
        except JoseError as error:
            raise TokenRejected(f"signature not verified ({error.error or type(error).__name__})") from error
        except ValueError as error:
            raise TokenRejected("signature not verified (no usable key)") from error
        self._check_claims(claims)
        audience = self._matching_audience(claims.get("aud"))
        expires = claims["exp"]
        subject = claims.get("sub")
        return AccessToken(
            token=_fingerprint(token),
            client_id=_client_id(claims),
            scopes=_scopes(claims),
            expires_at=int(expires),
            resource=audience,
            subject=subject if isinstance(subject, str) else None,
            claims={"iss": claims["iss"]},
        )

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        issuers = {self.settings.issuer, self.settings.issuer.rstrip("/"), self.settings.issuer.rstrip("/") + "/"}
        if self.keys.metadata_issuer:
            issuers.add(self.keys.metadata_issuer)
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=self.settings.leeway_seconds,
            iss={"essential": True, "values": sorted(issuers)},
            aud={"essential": True, "values": list(self.settings.accepted_audiences)},
            exp={"essential": True},
        )
        try:
            registry.validate(dict(claims))
        except JoseError as error:
            raise TokenRejected(f"claims refused ({error.description or error.error})") from error

    def _matching_audience(self, aud: object) -> str:
        values: Sequence[object] = aud if isinstance(aud, list) else [aud]
        for audience in self.settings.accepted_audiences:
            if audience in values:
                return audience
        raise TokenRejected("issued for another audience")  # unreachable: the registry checked aud
