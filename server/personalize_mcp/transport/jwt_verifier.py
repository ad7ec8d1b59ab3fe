"""OAuth 2.1 resource server for Streamable HTTP: JWT access tokens from an existing authorization server.

Every request to `/mcp` carries a token the configured issuer made for this server's resource URL.
Here we verify it — signature against the issuer's published keys (`issuer_keys`), `iss`, `aud`,
`exp`/`nbf` — and hand the SDK an `AccessToken` with its scopes; the SDK's `RequireAuthMiddleware`
answers 401/403 and serves the RFC 9728 metadata.

Library choice: signatures and claims are checked by `joserfc` (the JOSE library of authlib's
author, a dependency of authlib, which we already use).

The client's token is only ever verified: it is not kept (the `AccessToken` carries a fingerprint
in its place), not logged, and never sent anywhere — upstream calls to Contentstack use the
server's own stored account.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx2
from joserfc import jws, jwt
from joserfc.errors import JoseError
from mcp.server.auth.provider import AccessToken

from personalize_mcp.transport.issuer_keys import IssuerKeys, KeysUnavailable, TokenRejected
from personalize_mcp.transport.resource_settings import OAuthResourceSettings

logger = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 16 * 1024


def _fingerprint(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:16]


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
