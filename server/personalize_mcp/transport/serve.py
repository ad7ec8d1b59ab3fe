"""`personalize-mcp serve`: build the account's lookups and serve them over stdio or HTTP."""

from __future__ import annotations

import argparse
import logging
import math
import os
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from personalize_mcp.config.settings import ServerSettings
from personalize_mcp.connection.stack import DEFAULT_MAX_RESPONSE_BYTES, Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.runtime.collector import settle_after_start_up
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.runtime.logs import configure_logging

if TYPE_CHECKING:
    from personalize_mcp.transport.streamable_http import HTTPOptions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LookupOptions:
    """`--cache-ttl` / `--no-cache`, `--deadline` and `--max-upstream-bytes`, checked."""

    cache_ttl: float
    deadline: float
    max_upstream_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LookupOptions:
        cache_ttl = 0.0 if args.no_cache else args.cache_ttl
        if not (math.isfinite(cache_ttl) and cache_ttl >= 0):
            raise ConfigurationError(f"--cache-ttl must be 0 or more seconds, got {args.cache_ttl}.")
        if not (math.isfinite(args.deadline) and args.deadline > 0):
            raise ConfigurationError(f"--deadline must be a positive number of seconds, got {args.deadline}.")
        if args.max_upstream_bytes < 1024:
            raise ConfigurationError(f"--max-upstream-bytes must be at least 1024, got {args.max_upstream_bytes}.")
        return cls(cache_ttl=cache_ttl, deadline=args.deadline, max_upstream_bytes=args.max_upstream_bytes)


def resolve_connection(args: argparse.Namespace, server: ServerSettings) -> Connection:
    """The sandbox's fixed login, or the stored account (flags > environment > stored settings)."""
    if server.sandbox:
        from personalize_mcp.connection.sandbox import sandbox_connection

        return sandbox_connection()
    from personalize_mcp.auth import load_credentials

    credentials, settings = load_credentials(server, os.environ, region=args.region)
    return Connection(settings=settings, credentials=credentials)


def run_serve(args: argparse.Namespace) -> int:
    configure_logging()
    lookup_options = LookupOptions.from_args(args)
    if args.transport == "http":
        from personalize_mcp.transport.streamable_http import HTTPOptions, listen

        # Checked first: an unsafe or inconsistent HTTP set-up, or a taken port, is refused before
        # anything else happens.
        options = HTTPOptions.from_args(args)
        sock = listen(options)
    server_settings = ServerSettings.from_env(os.environ, account=args.account, sandbox=args.sandbox)
    connection = resolve_connection(args, server_settings)
    if args.transport == "http":
        with sock:
            anyio.run(_serve_http, options, sock, server_settings, connection, lookup_options)
    else:
        anyio.run(_serve, server_settings, connection, lookup_options)
    return 0


async def _serve(server_settings: ServerSettings, connection: Connection, lookup_options: LookupOptions) -> None:
    async with open_lookups(
        connection,
        default_project_uid=server_settings.default_project_uid,
        cache_ttl=lookup_options.cache_ttl,
        deadline=lookup_options.deadline,
        max_response_bytes=lookup_options.max_upstream_bytes,
    ) as lookups:
        server = build_server(lookups)
        settle_after_start_up()
        try:
            await server.run_stdio_async()
        except* (BrokenPipeError, ConnectionResetError):
            # The client closed our stdout (it quit, or stopped reading): nobody is left to answer.
            logger.info("The client closed stdout; stopping.")
            _discard_stdout()


def _discard_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush cannot fail noisily too."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


async def _serve_http(
    options: HTTPOptions,
    sock: socket.socket,
    server_settings: ServerSettings,
    connection: Connection,
    lookup_options: LookupOptions,
) -> None:
    """One set of lookups (HTTP pool, lookup cache) shared by every HTTP session, closed on shutdown."""
    import httpx2

    from personalize_mcp.transport.resource_server import FETCH_TIMEOUT_SECONDS, JWTTokenVerifier
    from personalize_mcp.transport.streamable_http import create_http_app, serve_http

    async with (
        open_lookups(
            connection,
            default_project_uid=server_settings.default_project_uid,
            cache_ttl=lookup_options.cache_ttl,
            deadline=lookup_options.deadline,
            max_response_bytes=lookup_options.max_upstream_bytes,
        ) as lookups,
        httpx2.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as issuer_http,
    ):
        verifier = JWTTokenVerifier(options.oauth, issuer_http) if options.oauth else None
        server = build_server(
            lookups,
            auth=options.oauth.auth_settings() if options.oauth else None,
            token_verifier=verifier,
        )
        if verifier is not None:
            await verifier.warm_up()
        settle_after_start_up()
        await serve_http(create_http_app(server, options), options, sock)
