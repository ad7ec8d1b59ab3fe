"""`serve --transport http --auth broker`: the authorization server, the person's credentials, one client stack.

Assembled here, once per process: the store (SQLite by default, Redis for replicas) and the
broker's records on it; the provider and its routes; the renewal task group; `PersonCredentials`,
which the one client stack (connection pool, lookup cache keyed per person, the organisation's rate
limit, shared by replicas with Redis) reads through; and the MCP server as a resource server of our
own tokens, whose 2026 request state is sealed with a key every replica derives from the same
`PERSONALIZE_MCP_SECRET_KEYS`. The operator's stored account is never loaded: there is no login
to fall back to.
"""

from __future__ import annotations

import socket

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import RequestStateSecurity

from personalize_mcp.broker.callback import CallbackEndpoint
from personalize_mcp.broker.consent import ConsentEndpoint
from personalize_mcp.broker.credentials import PersonCredentials
from personalize_mcp.broker.provider import BrokerProvider
from personalize_mcp.broker.renewal import LoginRenewal
from personalize_mcp.broker.routes import broker_routes
from personalize_mcp.broker.settings import READ_SCOPE, BrokerSettings
from personalize_mcp.broker.storage import BrokerStorage
from personalize_mcp.config.settings import ServerSettings
from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.connection.stack import Connection
from personalize_mcp.mcp_server.server import SERVER_NAME, build_server
from personalize_mcp.runtime.collector import settle_after_start_up
from personalize_mcp.store.locate import open_store
from personalize_mcp.store.sealing import REQUEST_STATE
from personalize_mcp.transport.http_app import AuthorizationServer, create_http_app
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.lookup_options import LookupOptions
from personalize_mcp.transport.shared_state import SharedState, open_limiter
from personalize_mcp.transport.uvicorn_server import serve_http
from personalize_mcp.transport.write_service import open_write_service


class GrantTokenVerifier:
    """The SDK's `TokenVerifier` over our provider: an access token of ours, whose login is still stored."""

    def __init__(self, provider: BrokerProvider) -> None:
        self._provider = provider

    async def verify_token(self, token: str) -> AccessToken | None:
        return await self._provider.load_access_token(token)


def broker_auth_settings(broker: BrokerSettings) -> AuthSettings:
    """The MCP endpoint accepts our own access tokens, issued for its URL, carrying the read scope."""
    return AuthSettings(
        issuer_url=broker.issuer,  # type: ignore[arg-type]  # pydantic validates the string
        resource_server_url=broker.resource_url,  # type: ignore[arg-type]
        required_scopes=[READ_SCOPE],
        validate_token_resource=True,
    )


def describe_broker(broker: BrokerSettings, state: SharedState) -> str:
    return (
        f"each person as themselves — members of organisation {broker.organization_uid} sign in at "
        f"{broker.public_url} with app {broker.app.app_uid}; {state.summary}"
    )


async def serve_broker(
    options: HTTPOptions,
    state: SharedState,
    sock: socket.socket,
    lookup: LookupOptions,
    settings: ServerSettings,
    writes: WriteSettings,
) -> None:
    """Serve until a signal arrives; the store, the ledger and the HTTP pool are closed on the way out.

    `settings`: the default project and toolsets (never a stored account); `writes`: `--writes`,
    whose plans and approvals go to the same store (`state`), shared by replicas with Redis.
    """
    broker = options.broker
    assert broker is not None
    keys = state.required_keys()
    store = open_store(state.store_url)
    try:
        storage = BrokerStorage(store, keys.sealer())
        provider = BrokerProvider(broker, storage)
        renewal = LoginRenewal(broker, storage, grant_ended=provider.forget_accepted)
        connection = Connection(settings=broker.app, credentials=PersonCredentials(renewal))
        verifier = GrantTokenVerifier(provider)
        async with (
            open_limiter(state) as limiter,
            renewal.renewals(),
            lookup.open(
                connection,
                default_project_uid=settings.default_project_uid,
                write_mode=writes.mode,
                limiter=limiter,
            ) as lookups,
            open_write_service(lookups, writes, settings.home, state.store_url, team=True) as write_service,
        ):
            server = build_server(
                lookups,
                auth=broker_auth_settings(broker),
                token_verifier=verifier,
                toolsets=settings.toolsets,
                write_service=write_service,
                request_state_security=RequestStateSecurity(keys=keys.derived(REQUEST_STATE), audience=SERVER_NAME),
            )
            consent = ConsentEndpoint(broker, storage)
            authorization_server = AuthorizationServer(
                routes=broker_routes(provider, consent, CallbackEndpoint(broker, provider, consent)),
                verifier=verifier,
                changing_tools=server.changing_tools,
            )
            app = create_http_app(server, options, authorization_server=authorization_server)
            settle_after_start_up()
            await serve_http(app, options, sock, answers=describe_broker(broker, state))
    finally:
        await store.aclose()
