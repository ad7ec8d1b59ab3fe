"""Streamable HTTP: the ASGI app around the MCP server.

What the SDK's `streamable_http_app()` serves (both protocol eras at `/mcp`, sessions or
stateless, the RFC 9728 metadata and 401/403 when authentication is on) is wrapped here with:

- DNS-rebinding protection that runs before authentication (`rebinding`).
- `scope="..."` on the SDK's bearer challenges (`scope_challenge`).
- CORS for the `--allowed-origin` origins, none by default (`cross_origin`).
- `GET /healthz`: a static JSON status (no secrets, no upstream call).
- a per-request time limit (`request_timeout`), and the SDK's request body limit (413).
- sessions per client and in all (`session_caps`). The connection limits and the access log
  without query strings are uvicorn's part (`uvicorn_server`).

The server's `Lookups` (HTTP pool and lookup cache) are made by the caller and shared
by every session; nothing here owns them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from personalize_mcp import __version__
from personalize_mcp.broker.routes import BrokerApp
from personalize_mcp.broker.settings import READ_SCOPE, SCOPES, WRITE_SCOPE
from personalize_mcp.transport.addresses import HEALTH_PATH, MCP_PATH
from personalize_mcp.transport.cross_origin import CrossOrigin
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.rebinding import RebindingGuard, transport_security
from personalize_mcp.transport.request_timeout import RequestTimeout
from personalize_mcp.transport.scope_challenge import ScopeChallenge
from personalize_mcp.transport.session_caps import SessionLimiter
from personalize_mcp.transport.write_scope import WriteScopeGate


@dataclass(frozen=True, slots=True)
class AuthorizationServer:
    """With `--auth broker`: the broker's routes (answered before the MCP app), the verifier of its
    tokens and which tools change Contentstack (those need the write scope)."""

    routes: list[Route]
    verifier: TokenVerifier
    changing_tools: Callable[[], frozenset[str]]


def create_http_app(
    server: MCPServer[Any], options: HTTPOptions, *, authorization_server: AuthorizationServer | None = None
) -> ASGIApp:
    """Configure `server` for HTTP (time limit, `/healthz`) and return the ASGI app to serve.

    Call once per server. The server must have been built with the auth settings and token
    verifier of `options.oauth` or `options.broker` (see `build_server`), or without both;
    `authorization_server` is required with `options.broker`.
    """
    if (server.settings.auth is None) != (options.oauth is None and options.broker is None):
        raise ValueError("the server's auth settings do not match options.oauth / options.broker")
    server.middleware.append(RequestTimeout(options.request_timeout))
    health = {
        "status": "ok",
        "server": server.name,
        "version": __version__,
        "transport": "streamable-http",
        "endpoint": MCP_PATH,
        "stateless": options.stateless,
        "auth": "broker" if options.broker else "oauth" if options.oauth else "none",
    }

    @server.custom_route(HEALTH_PATH, methods=["GET"])  # type: ignore[untyped-decorator]  # SDK lacks annotations
    async def healthz(request: Request) -> Response:
        return JSONResponse(health, headers={"cache-control": "no-store"})

    security = transport_security(options)
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=options.stateless,
        max_request_body_size=options.max_body_bytes,
        # A backstop only: `SessionLimiter` keeps to max_sessions, ending the idlest instead of refusing.
        max_sessions=options.max_sessions + options.max_sessions_per_client,
        transport_security=security,
        host=options.host,
    )
    if not options.stateless:
        # In front of the manager's own app, behind authentication (so the token's subject is known).
        manager = server.session_manager
        manager.asgi_app = SessionLimiter(  # type: ignore[assignment]  # any ASGI app will do there
            manager.asgi_app,
            per_client=options.max_sessions_per_client,
            total=options.max_sessions,
            idle_timeout=manager.session_idle_timeout,
        )
    if options.oauth is not None and options.oauth.required_scopes:
        app = ScopeChallenge(app, options.oauth.required_scopes)
    if options.broker is not None:
        if authorization_server is None:
            raise ValueError("--auth broker needs its authorization server's routes")
        gated = WriteScopeGate(
            app,
            authorization_server.verifier,
            authorization_server.changing_tools,
            write_scope=WRITE_SCOPE,
            scopes=SCOPES,
            resource_metadata=f"{options.broker.public_url}/.well-known/oauth-protected-resource{MCP_PATH}",
        )
        app = ScopeChallenge(BrokerApp(gated, authorization_server.routes), (READ_SCOPE,))
    if options.allowed_origins:
        app = CrossOrigin(app, options.allowed_origins)
    return RebindingGuard(app, security)
