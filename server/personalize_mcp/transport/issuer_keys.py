"""The issuer's signing keys (JWKS), discovered from its metadata or configured, cached with a TTL.

Metadata and keys are fetched with our own `httpx2` client, asynchronously, so a slow issuer never
blocks the event loop (PyJWT's `PyJWKClient` fetches with blocking urllib) and tests can inject a
transport.

`TokenRejected` lives here, below the verifier, because unreachable keys (`KeysUnavailable`) are
one reason a token is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from mcp.client.auth.utils import build_oauth_authorization_server_metadata_discovery_urls

from personalize_mcp.runtime.plurals import count
from personalize_mcp.transport.resource_settings import DEFAULT_JWKS_TTL_SECONDS, require_secure_url

logger = logging.getLogger(__name__)

MIN_REFETCH_INTERVAL_SECONDS = 30.0
RETRY_AFTER_FAILURE_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 10.0


class TokenRejected(Exception):
    """Why a bearer token was refused (for the log; the client only sees 401 invalid_token)."""


class KeysUnavailable(TokenRejected):
    """The issuer's keys could not be fetched, so no token can be verified right now."""


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
        logger.info("Fetched %s for %s", count(len(key_set.keys), "signing key"), self.issuer)

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
