"""`personalize-mcp serve`: build the account's actions and serve them over stdio or HTTP."""

from __future__ import annotations

import argparse
import os
import socket
from typing import TYPE_CHECKING, TypedDict

import anyio

from personalize_mcp.logging_setup import configure_logging
from personalize_mcp.mcp_app import build_server
from personalize_mcp.runtime import Connection, open_actions
from personalize_mcp.settings import ServerSettings

if TYPE_CHECKING:
    from personalize_mcp.http_app import HTTPOptions


def resolve_connection(args: argparse.Namespace, server: ServerSettings) -> Connection:
    """The sandbox's fixed login, or the stored account (flags > environment > stored settings)."""
    if server.sandbox:
        from personalize_mcp.sandbox_connection import sandbox_connection

        return sandbox_connection()
    from personalize_mcp.auth import load_credentials

    credentials, settings = load_credentials(server, os.environ, region=args.region)
    return Connection(settings=settings, credentials=credentials)


def run_serve(args: argparse.Namespace) -> int:
    configure_logging()
    if args.transport == "http":
        from personalize_mcp.http_app import HTTPOptions, listen

        # Checked first: an unsafe or inconsistent HTTP set-up, or a taken port, is refused before
        # anything else happens.
        options = HTTPOptions.from_args(args)
        sock = listen(options)
    server_settings = ServerSettings.from_env(os.environ, account=args.account, sandbox=args.sandbox)
    connection = resolve_connection(args, server_settings)
    if args.transport == "http":
        with sock:
            anyio.run(_serve_http, options, sock, server_settings, connection, resilience_options(args))
    else:
        anyio.run(_serve, args, server_settings, connection)
    return 0


class ResilienceOptions(TypedDict):
    cache_ttl: float
    deadline: float


def resilience_options(args: argparse.Namespace) -> ResilienceOptions:
    """`--cache-ttl`, `--no-cache` and `--deadline` as `open_actions` keywords."""
    return {
        "cache_ttl": 0.0 if getattr(args, "no_cache", False) else float(getattr(args, "cache_ttl", 30.0)),
        "deadline": float(getattr(args, "deadline", 30.0)),
    }


async def _serve(args: argparse.Namespace, server_settings: ServerSettings, connection: Connection) -> None:
    async with open_actions(
        connection, default_project_uid=server_settings.default_project_uid, **resilience_options(args)
    ) as actions:
        server = build_server(actions)
        await server.run_stdio_async()


async def _serve_http(
    options: HTTPOptions,
    sock: socket.socket,
    server_settings: ServerSettings,
    connection: Connection,
    resilience: ResilienceOptions,
) -> None:
    """One set of actions (HTTP pool, lookup cache) shared by every HTTP session, closed on shutdown."""
    import httpx2

    from personalize_mcp.http_app import create_http_app, serve_http
    from personalize_mcp.http_auth import FETCH_TIMEOUT_SECONDS, JWTTokenVerifier

    async with (
        open_actions(connection, default_project_uid=server_settings.default_project_uid, **resilience) as actions,
        httpx2.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as issuer_http,
    ):
        verifier = JWTTokenVerifier(options.oauth, issuer_http) if options.oauth else None
        server = build_server(
            actions,
            auth=options.oauth.auth_settings() if options.oauth else None,
            token_verifier=verifier,
        )
        if verifier is not None:
            await verifier.warm_up()
        await serve_http(create_http_app(server, options), options, sock)
