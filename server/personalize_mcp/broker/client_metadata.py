"""Client ID Metadata Documents: a client whose `client_id` is an https URL describes itself there.

The SDK's client presents one when our metadata says `client_id_metadata_document_supported`. We
fetch it the way a server fetching URLs chosen by strangers must:

* `https` only, a host name and a path (not `/`), no user, port, fragment or dot segment;
* every address the name resolves to must be public (no private, loopback, link-local, multicast,
  reserved or unspecified one, nor an IPv4 one hidden in an IPv6 address), and the request goes to
  the address that was checked (pinned; TLS still verifies the name), so a second DNS answer cannot
  point it inside;
* no redirects, 5 seconds in all, at most 5 KiB of JSON, and a limit on fetches per minute.

The document must name itself (`client_id` equal to the URL) and list its redirect URIs; such a
client is public (`token_endpoint_auth_method` `none`). It is kept for its `Cache-Control: max-age`
(between one minute and a day; ten minutes without one).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientMetadata
from pydantic import ValidationError

from personalize_mcp.broker.clients import BrokerClient, check_redirect_uris

FETCH_TIMEOUT = 5.0
MAX_DOCUMENT_BYTES = 5 * 1024
DEFAULT_TTL, MIN_TTL, MAX_TTL = 600.0, 60.0, 86400.0
_MAX_AGE = re.compile(r"max-age=(\d+)")

Resolver = Callable[[str, int], Awaitable[list[str]]]


class ClientMetadataError(Exception):
    """The URL or its document cannot identify a client; the message says why (one sentence)."""


def is_metadata_url(client_id: str) -> bool:
    """A `client_id` that names a metadata document rather than a registration."""
    return client_id.startswith("https://")


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str) -> tuple[str, str]:
    """(host, path) of an acceptable metadata URL, else `ClientMetadataError`."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ClientMetadataError("A client metadata URL must be an https URL.")
    if parts.username or parts.password or parts.port not in (None, 443) or parts.fragment:
        raise ClientMetadataError("A client metadata URL must not carry a user, a port or a fragment.")
    if parts.path in ("", "/") or any(segment in (".", "..") for segment in parts.path.split("/")):
        raise ClientMetadataError("A client metadata URL must have a path without dot segments.")
    return parts.hostname, parts.path + (f"?{parts.query}" if parts.query else "")


def check_public(address: str) -> None:
    """Refuse an address inside any network that is not the public internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None) if v4]
    for candidate in candidates:
        if not candidate.is_global or candidate.is_multicast or candidate.is_reserved or candidate.is_unspecified:
            raise ClientMetadataError("A client metadata URL must resolve to public addresses only.")


class ClientMetadataFetcher:
    """Fetches and checks metadata documents; `transport` and `resolver` let tests stand in for the web."""

    def __init__(
        self,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        resolver: Resolver = resolve,
        timeout: float = FETCH_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._resolver = resolver
        self._timeout = timeout

    async def fetch(self, url: str) -> tuple[dict[str, Any], float]:
        """The document at `url` and how long it may be kept."""
        host, path = check_url(url)
        with anyio.fail_after(self._timeout):
            try:
                addresses = await self._resolver(host, 443)
            except OSError:
                raise ClientMetadataError(f"The client metadata host {host} cannot be resolved.") from None
            if not addresses:
                raise ClientMetadataError(f"The client metadata host {host} cannot be resolved.")
            for address in addresses:
                check_public(address)
            pinned = f"[{addresses[0]}]" if ":" in addresses[0] else addresses[0]
            return await self._get(f"https://{pinned}{path}", host)

    async def _get(self, pinned_url: str, host: str) -> tuple[dict[str, Any], float]:
        async with (
            httpx2.AsyncClient(transport=self._transport, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "GET",
                pinned_url,
                headers={"host": host, "accept": "application/json"},
                extensions={"sni_hostname": host},
            ) as response,
        ):
            if response.status_code != 200:
                raise ClientMetadataError(f"The client metadata document answered HTTP {response.status_code}.")
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ClientMetadataError("The client metadata document is larger than 5 KiB.")
            cache = response.headers.get("cache-control", "")
        try:
            document = json.loads(body)
        except ValueError:
            raise ClientMetadataError("The client metadata document is not JSON.") from None
        if not isinstance(document, dict):
            raise ClientMetadataError("The client metadata document is not a JSON object.")
        found = _MAX_AGE.search(cache)
        ttl = min(max(float(found.group(1)), MIN_TTL), MAX_TTL) if found and "no-store" not in cache else DEFAULT_TTL
        return document, ttl


def client_from_document(url: str, document: dict[str, Any], default_scopes: tuple[str, ...]) -> BrokerClient:
    """The public client a metadata document describes, after the checks a registration gets."""
    if document.get("client_id") != url:
        raise ClientMetadataError("The client metadata document must name its own URL as client_id.")
    if document.get("client_secret") or document.get("token_endpoint_auth_method", "none") != "none":
        raise ClientMetadataError("A client described by a metadata document must be public (auth method none).")
    try:
        metadata = OAuthClientMetadata.model_validate({k: v for k, v in document.items() if k != "client_id"})
    except ValidationError:
        raise ClientMetadataError("The client metadata document is not valid client metadata.") from None
    try:
        check_redirect_uris(metadata.redirect_uris)
    except RegistrationError as refused:
        raise ClientMetadataError(refused.error_description or "Its redirect URIs are not acceptable.") from None
    if "authorization_code" not in metadata.grant_types:
        raise ClientMetadataError("The client metadata document must allow the authorization_code grant.")
    return BrokerClient(
        client_id=url,
        client_name=metadata.client_name,
        client_uri=metadata.client_uri,
        redirect_uris=metadata.redirect_uris,
        grant_types=[g for g in metadata.grant_types if g in ("authorization_code", "refresh_token")],
        response_types=["code"],
        token_endpoint_auth_method="none",
        scope=metadata.scope or " ".join(default_scopes),
    )
