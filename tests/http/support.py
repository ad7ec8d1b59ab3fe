"""Test support for the HTTP transport: a local OAuth issuer, the app in process, recording transports."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from typing import IO, Any
from urllib.parse import urlsplit

import httpx2
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import PersonalizeMCPServer, build_server
from personalize_mcp.sandbox.server import serve_uvicorn_in_thread
from personalize_mcp.transport.http_app import create_http_app
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.jwt_verifier import JWTTokenVerifier
from personalize_mcp.transport.resource_settings import OAuthResourceSettings

BASE_URL = "http://127.0.0.1:8000"
MCP_URL = f"{BASE_URL}/mcp"
RESOURCE_URL = MCP_URL
SCOPE = "personalize-mcp:read"
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}


@dataclass
class Served:
    """A server started as a subprocess on loopback: its port, its stderr (a file), and a graceful stop."""

    process: subprocess.Popen[bytes]
    port: int
    stderr: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


@dataclass
class Issuer:
    """An authorization server as far as a resource server sees one: metadata, JWKS, signed tokens.

    Keycloak-shaped: the issuer has a path and publishes OpenID metadata under it, so discovery
    has to walk the MCP spec's candidate URLs.
    """

    issuer: str = "https://auth.example/realms/acme"
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "key-1"}))
    fetches: list[str] = field(default_factory=list)
    published: list[ECKey | RSAKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [self.key]

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "authorization_endpoint": f"{self.issuer}/protocol/openid-connect/auth",
            "token_endpoint": f"{self.issuer}/protocol/openid-connect/token",
            "response_types_supported": ["code"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.as_dict(private=False) for k in self.published]}

    def token(
        self,
        *,
        key: ECKey | RSAKey | OctKey | None = None,
        alg: str | None = None,
        kid: str | None = "",
        expires_in: int = 300,
        **claims: Any,
    ) -> str:
        key = key or self.key
        alg = alg or ("ES256" if isinstance(key, ECKey) else "RS256" if isinstance(key, RSAKey) else "HS256")
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": RESOURCE_URL,
            "sub": "user-1",
            "client_id": "ide-client",
            "scope": f"openid {SCOPE}",
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        header: dict[str, Any] = {"alg": alg, "typ": "at+jwt"}
        kid_value = key.kid if kid == "" else kid
        if kid_value is not None:
            header["kid"] = kid_value
        return jwt.encode(header, body, key, algorithms=[alg])

    # -- serving
    def answer(self, url: str) -> tuple[int, Any]:
        self.fetches.append(url)
        if url == f"{self.issuer}/.well-known/openid-configuration":
            return 200, self.metadata()
        if url == self.jwks_url:
            return 200, self.jwks()
        return 404, {"error": "not_found"}

    def mock_transport(self) -> httpx2.MockTransport:
        def handle(request: httpx2.Request) -> httpx2.Response:
            status, body = self.answer(str(request.url))
            return httpx2.Response(status, json=body)

        return httpx2.MockTransport(handle)

    def asgi_app(self) -> Starlette:
        """The same answers over real HTTP (for a served issuer; `issuer` must then be its origin)."""

        async def any_path(request: Request) -> Response:
            status, body = self.answer(str(request.url))
            return JSONResponse(body, status_code=status)

        return Starlette(routes=[Route("/{path:path}", any_path)])


def oauth_settings(issuer: Issuer, **overrides: Any) -> OAuthResourceSettings:
    values: dict[str, Any] = {"issuer": issuer.issuer, "resource_url": RESOURCE_URL, "required_scopes": (SCOPE,)}
    values.update(overrides)
    return OAuthResourceSettings(**values)


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Passes requests on over real HTTP and keeps what was sent (URL, headers, body)."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()
        self.sent: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class InProcess:
    """Our HTTP app over `httpx2.ASGITransport`, its server, and ways to talk to it."""

    app: Any
    server: PersonalizeMCPServer
    verifier: JWTTokenVerifier | None

    def http(self, headers: Mapping[str, str] | None = None, *, base_url: str = BASE_URL) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=self.app), base_url=base_url, headers=dict(headers or {})
        )

    @asynccontextmanager
    async def client(self, mode: str, token: str | None = None) -> AsyncIterator[Client]:
        headers = {"authorization": f"Bearer {token}"} if token else None
        async with (
            self.http(headers) as http,
            Client(streamable_http_client(MCP_URL, http_client=http), mode=mode) as connected,
        ):
            yield connected


@asynccontextmanager
async def in_process(
    connection: Connection,
    options: HTTPOptions | None = None,
    *,
    issuer: Issuer | None = None,
    oauth: OAuthResourceSettings | None = None,
) -> AsyncIterator[InProcess]:
    """Build the app as `serve --transport http` does and run its lifespan (sessions) around the test."""
    options = options or HTTPOptions()
    if issuer is not None:
        oauth = oauth or oauth_settings(issuer)
        options = replace(options, oauth=oauth)
    issuer_transport = issuer.mock_transport() if issuer else None
    async with open_lookups(connection) as actions, httpx2.AsyncClient(transport=issuer_transport) as issuer_http:
        verifier = JWTTokenVerifier(options.oauth, issuer_http) if options.oauth else None
        server = build_server(
            actions,
            auth=options.oauth.auth_settings() if options.oauth else None,
            token_verifier=verifier,
        )
        app = create_http_app(server, options)
        async with server.session_manager.run():
            yield InProcess(app=app, server=server, verifier=verifier)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def host_of(url: str) -> str:
    return urlsplit(url).netloc


@contextmanager
def serve_asgi_in_thread(app: Any) -> Iterator[str]:
    """Any ASGI app on a free loopback port, served by uvicorn in a daemon thread; yields its origin."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning"))
    with serve_uvicorn_in_thread(server, name="test app") as origin:
        yield origin
