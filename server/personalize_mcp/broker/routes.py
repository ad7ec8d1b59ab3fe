"""The authorization server's endpoints, in front of the MCP app: the SDK's handlers, our fills.

From the SDK: `/authorize`, `/token`, `/register` and `/revoke` handlers (request parsing, PKCE,
redirect and scope checks, error shapes), with our provider behind them. Ours: the metadata (the
SDK's, plus `client_id_metadata_document_supported`, `authorization_response_iss_parameter_supported`
and the public clients' `none` auth method, which the SDK never advertises), client authentication
against secret digests, a cap on registrations per address, the consent page and the callback.
`BrokerApp` answers those paths and hands everything else (the MCP endpoint, its protected-resource
metadata, lifespan) to the SDK's app.
"""

from __future__ import annotations

import json

from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.revoke import RevocationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.routes import build_metadata, cors_middleware
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, Router, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from personalize_mcp.broker.callback import CallbackEndpoint
from personalize_mcp.broker.client_auth import DigestClientAuthenticator
from personalize_mcp.broker.consent import ConsentEndpoint
from personalize_mcp.broker.provider import BrokerProvider
from personalize_mcp.broker.settings import CALLBACK_PATH, CONSENT_PATH, SCOPES
from personalize_mcp.broker.storage import BrokerStorage

METADATA_PATH = "/.well-known/oauth-authorization-server"
AUTH_METHODS = ["none", "client_secret_post", "client_secret_basic"]
REGISTRATIONS_PER_ADDRESS = 20
REGISTRATIONS_IN_ALL = 300
"""Registrations accepted per minute, from one address and from everyone: `/register` is open to all."""
MAX_BODY_BYTES = 64 * 1024


def registration_options() -> ClientRegistrationOptions:
    """Clients may ask for both scopes; registering without a scope allows both (each sign-in asks)."""
    return ClientRegistrationOptions(enabled=True, valid_scopes=list(SCOPES), default_scopes=list(SCOPES))


def _cors(app: ASGIApp, methods: list[str]) -> ASGIApp:
    return CORSMiddleware(app, allow_origins="*", allow_methods=methods, allow_headers=["mcp-protocol-version"])


def _limited(app: ASGIApp) -> ASGIApp:
    return RequestBodyLimitMiddleware(app, MAX_BODY_BYTES)


class RegistrationCap:
    """429 once an address (or everyone together) registered too many clients this minute."""

    def __init__(self, app: ASGIApp, storage: BrokerStorage) -> None:
        self.app = app
        self.storage = storage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            address = (scope.get("client") or ("unknown", 0))[0]
            mine = await self.storage.count(f"register:{address}", window=60)
            everyone = await self.storage.count("register:*", window=60)
            if mine > REGISTRATIONS_PER_ADDRESS or everyone > REGISTRATIONS_IN_ALL:
                body = json.dumps(
                    {
                        "error": "too_many_requests",
                        "error_description": "Too many registrations; try again in a minute.",
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", b"60")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def broker_routes(provider: BrokerProvider, consent: ConsentEndpoint, callback: CallbackEndpoint) -> list[Route]:
    registration = registration_options()
    revocation = RevocationOptions(enabled=True)
    # The issuer exactly as configured (no trailing slash added): clients compare it as a string (RFC 8414 §3.3).
    issuer = AuthSettings(issuer_url=provider.settings.issuer, resource_server_url=None).issuer_url  # type: ignore[arg-type]
    metadata = build_metadata(issuer, None, registration, revocation)
    metadata.client_id_metadata_document_supported = True
    metadata.authorization_response_iss_parameter_supported = True
    metadata.token_endpoint_auth_methods_supported = AUTH_METHODS
    metadata.revocation_endpoint_auth_methods_supported = AUTH_METHODS
    authenticator = DigestClientAuthenticator(provider)
    token = TokenHandler(provider, authenticator)
    register = RegistrationCap(request_response(RegistrationHandler(provider, registration).handle), provider.storage)
    return [
        Route(
            METADATA_PATH,
            cors_middleware(MetadataHandler(metadata).handle, ["GET", "OPTIONS"]),
            methods=["GET", "OPTIONS"],
        ),
        Route("/authorize", _limited(request_response(AuthorizationHandler(provider).handle)), methods=["GET", "POST"]),
        Route(
            "/token", _cors(_limited(request_response(token.handle)), ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]
        ),
        Route("/register", _cors(_limited(register), ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]),
        Route(
            "/revoke",
            _cors(_limited(request_response(RevocationHandler(provider, authenticator).handle)), ["POST", "OPTIONS"]),
            methods=["POST", "OPTIONS"],
        ),
        Route(CONSENT_PATH, _limited(request_response(consent.show)), methods=["GET"]),
        Route(CONSENT_PATH, _limited(request_response(consent.decide)), methods=["POST"]),
        Route(CALLBACK_PATH, callback.handle, methods=["GET"]),
    ]


class BrokerApp:
    """Our authorization-server paths first; every other request (and the lifespan) to the MCP app."""

    def __init__(self, app: ASGIApp, routes: list[Route]) -> None:
        self.app = app
        self.paths = frozenset(route.path for route in routes)
        self.router = Router(routes=routes, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.router(scope, receive, send)
            return
        await self.app(scope, receive, send)
