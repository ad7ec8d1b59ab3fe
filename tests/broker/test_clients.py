"""Clients of the authorization server: Client ID Metadata Documents fetched safely (public addresses
only, pinned, bounded, no redirects), what a registration may hold, loopback redirects on any port,
and secrets kept only as digests."""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
import httpx2
import pytest
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull
from pydantic import AnyUrl

from personalize_mcp.broker.client_metadata import ClientMetadataError, ClientMetadataFetcher, check_public, check_url
from personalize_mcp.broker.clients import BrokerClient, check_redirect_uris
from personalize_mcp.broker.provider import BrokerProvider
from personalize_mcp.broker.settings import BrokerSettings
from personalize_mcp.broker.storage import BrokerStorage
from personalize_mcp.store.memory_store import MemoryStore
from personalize_mcp.store.sealing import SecretKeys, digest

pytestmark = pytest.mark.anyio

URL = "https://client.example/oauth/metadata.json"
PUBLIC = "93.184.215.14"
DOCUMENT = {
    "client_id": URL,
    "client_name": "Example IDE",
    "redirect_uris": ["http://127.0.0.1/callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_method": "none",
}


def serving(
    body: bytes | dict[str, object], *, status: int = 200, headers: dict[str, str] | None = None
) -> tuple[httpx2.MockTransport, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx2.Response(status, content=content, headers=headers or {})

    return httpx2.MockTransport(answer), seen


def resolver(*addresses: str) -> Callable[[str, int], object]:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def provider(transport: httpx2.MockTransport, *addresses: str) -> BrokerProvider:
    keys = SecretKeys([b"k" * 32])
    settings = BrokerSettings.resolve(
        "https://mcp.example.com",
        "blt5a1e9c2f7d3b4e60",
        {"CONTENTSTACK_OAUTH_APP_UID": "app", "CONTENTSTACK_OAUTH_CLIENT_ID": "client"},
    )
    fetcher = ClientMetadataFetcher(transport=transport, resolver=resolver(*addresses))  # type: ignore[arg-type]
    return BrokerProvider(settings, BrokerStorage(MemoryStore(), keys.sealer()), fetcher=fetcher)


async def test_a_metadata_document_becomes_a_public_client_fetched_once_and_pinned() -> None:
    transport, seen = serving(DOCUMENT, headers={"cache-control": "max-age=300"})
    broker = provider(transport, PUBLIC)
    client = await broker.get_client(URL)
    assert client is not None
    assert (client.client_id, client.display_name, client.token_endpoint_auth_method) == (URL, "Example IDE", "none")
    assert client.scope == "personalize-mcp:read personalize-mcp:write"
    # The checked address is the one connected to; the name still travels for TLS and the Host header.
    assert str(seen[0].url) == f"https://{PUBLIC}/oauth/metadata.json"
    assert seen[0].headers["host"] == "client.example"
    assert seen[0].extensions["sni_hostname"] == "client.example"
    assert await broker.get_client(URL) is not None
    assert len(seen) == 1  # kept for its max-age
    # A loopback redirect matches whatever port the client listens on this time.
    assert client.validate_redirect_uri(AnyUrl("http://127.0.0.1:52817/callback"))
    with pytest.raises(InvalidRedirectUriError):
        client.validate_redirect_uri(AnyUrl("http://127.0.0.1:52817/other"))
    with pytest.raises(InvalidRedirectUriError):
        client.validate_redirect_uri(AnyUrl("http://evil.example:52817/callback"))


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.8", "169.254.169.254", "192.168.1.1", "::1", "fd00::1", "::ffff:10.0.0.1", "0.0.0.0"],
)
async def test_a_document_behind_a_private_address_is_never_fetched(address: str) -> None:
    transport, seen = serving(DOCUMENT)
    assert await provider(transport, PUBLIC, address).get_client(URL) is None  # one bad address is enough
    assert seen == []
    with pytest.raises(ClientMetadataError):
        check_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://client.example/metadata.json",
        "https://client.example/",
        "https://client.example",
        "https://user@client.example/metadata.json",
        "https://client.example:8443/metadata.json",
        "https://client.example/a/../metadata.json",
        "https://client.example/metadata.json#x",
    ],
)
def test_urls_that_cannot_name_a_client(url: str) -> None:
    with pytest.raises(ClientMetadataError):
        check_url(url)


@pytest.mark.parametrize(
    ("body", "status", "headers"),
    [
        ({**DOCUMENT, "client_id": "https://other.example/metadata.json"}, 200, {}),
        ({**DOCUMENT, "token_endpoint_auth_method": "client_secret_post"}, 200, {}),
        ({k: v for k, v in DOCUMENT.items() if k != "redirect_uris"}, 200, {}),
        ({**DOCUMENT, "redirect_uris": ["http://evil.example/callback"]}, 200, {}),
        (b"x" * 6000, 200, {}),
        (b"not json", 200, {}),
        (DOCUMENT, 302, {"location": "http://127.0.0.1/metadata.json"}),
        (DOCUMENT, 404, {}),
    ],
)
async def test_documents_that_are_refused(
    body: bytes | dict[str, object], status: int, headers: dict[str, str]
) -> None:
    transport, seen = serving(body, status=status, headers=headers)
    assert await provider(transport, PUBLIC).get_client(URL) is None
    assert len(seen) == 1  # never a second request (a redirect is not followed)


async def test_a_slow_document_is_given_up() -> None:
    async def slow(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep(5)
        return httpx2.Response(200, json=DOCUMENT)

    fetcher = ClientMetadataFetcher(transport=httpx2.MockTransport(slow), resolver=resolver(PUBLIC), timeout=0.2)  # type: ignore[arg-type]
    with anyio.fail_after(2), pytest.raises(TimeoutError):
        await fetcher.fetch(URL)


async def test_registration_keeps_only_the_secret_digest_and_checks_redirects() -> None:
    transport, _ = serving(DOCUMENT)
    broker = provider(transport)
    registered = OAuthClientInformationFull(
        client_id="c1",
        client_secret="s3cret-value",
        redirect_uris=[AnyUrl("https://app.example/cb"), AnyUrl("com.example.ide:/oauth")],
        token_endpoint_auth_method="client_secret_post",
    )
    await broker.register_client(registered)
    raw = await broker.storage.client("c1")
    assert raw is not None and b"s3cret-value" not in raw
    client = await broker.get_client("c1")
    assert isinstance(client, BrokerClient)
    assert (client.client_secret, client.client_secret_digest) == (None, digest("s3cret-value"))
    for bad in (["http://app.example/cb"], ["https://app.example/cb#frag"], ["javascript:alert(1)"], []):
        with pytest.raises(RegistrationError):
            check_redirect_uris([AnyUrl(uri) for uri in bad])
    with pytest.raises(RegistrationError):
        await broker.register_client(registered.model_copy(update={"scope": "personalize-mcp:admin"}))
