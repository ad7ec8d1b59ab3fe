"""`personalize-mcp serve`: build the account's actions and serve them over stdio or HTTP."""

from __future__ import annotations

import argparse
import os

import anyio

from personalize_mcp.logging_setup import configure_logging
from personalize_mcp.mcp_app import build_server
from personalize_mcp.runtime import Connection, open_actions
from personalize_mcp.settings import ServerSettings


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
    server_settings = ServerSettings.from_env(os.environ, account=args.account, sandbox=args.sandbox)
    connection = resolve_connection(args, server_settings)
    anyio.run(_serve, args, server_settings, connection)
    return 0


async def _serve(args: argparse.Namespace, server_settings: ServerSettings, connection: Connection) -> None:
    async with open_actions(connection, default_project_uid=server_settings.default_project_uid) as actions:
        server = build_server(actions)
        if args.transport == "stdio":
            await server.run_stdio_async()
        else:
            await server.run_streamable_http_async(host=args.host, port=args.port)
