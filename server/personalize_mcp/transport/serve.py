"""`personalize-mcp serve`: build the account's lookups and serve them over stdio or HTTP.

Over stdio nothing in the configuration keeps the server from starting. MCP clients start stdio
servers themselves and hide their stderr, so a server that exits over a bad setting is a server
that silently does not work ("Failed to connect"). Instead it starts, says the problem on its
start-up line, and every tool (resource, completion) answers with the sentence that fixes it, as
it does when no account is logged in. Over HTTP a person reads the terminal, so a bad setting is
still refused before anything starts (exit 2).

Either way one start-up line on stderr says the version, the transport and what answers: the
sandbox, or which account, organisation and region (never a token).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from personalize_mcp import __version__
from personalize_mcp.answers.lookups import DEFAULT_CACHE_TTL
from personalize_mcp.auth.protocol import MissingCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings, ServerSettings
from personalize_mcp.config.toolsets import TOOLSET_NAMES
from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.connection.stack import Connection
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.runtime.collector import settle_after_start_up
from personalize_mcp.runtime.deadline import DEFAULT_DEADLINE
from personalize_mcp.runtime.errors import UserFacingError
from personalize_mcp.runtime.logs import configure_logging
from personalize_mcp.transport.lookup_options import LookupOptions
from personalize_mcp.transport.write_service import open_write_service, refuse_http_writes, write_settings

if TYPE_CHECKING:
    from personalize_mcp.transport.http_options import HTTPOptions
    from personalize_mcp.transport.shared_state import SharedState

SANDBOX_SUMMARY = "the sandbox — sample data, not your account"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Setup:
    """What `serve` runs with, and the start-up line's account part."""

    settings: ServerSettings
    connection: Connection
    lookup_options: LookupOptions
    problem: str | None = None
    """The sentence every tool answers with when the configuration is unusable (stdio only)."""
    writes: WriteSettings = field(default_factory=WriteSettings)
    store_url: str | None = None


def resolve_connection(args: argparse.Namespace, server: ServerSettings) -> Connection:
    """The sandbox's fixed login, or the stored account (flags > environment > stored settings)."""
    if server.sandbox:
        from personalize_mcp.connection.sandbox import sandbox_connection

        return sandbox_connection()
    from personalize_mcp.auth import load_credentials

    credentials, settings = load_credentials(server, os.environ, region=args.region)
    return Connection(settings=settings, credentials=credentials)


def resolve_setup(args: argparse.Namespace) -> Setup:
    """Flags, environment and the stored account; a bad value raises one sentence."""
    lookup_options = LookupOptions.from_args(args)
    server_settings = ServerSettings.from_env(
        os.environ, account=args.account, sandbox=args.sandbox, toolsets=args.toolsets
    )
    writes = write_settings(args)
    connection = resolve_connection(args, server_settings)
    return Setup(server_settings, connection, lookup_options, writes=writes, store_url=getattr(args, "store", None))


def unusable_setup(args: argparse.Namespace, error: UserFacingError) -> Setup:
    """A server whose every call answers `error`'s sentence: nothing reaches Contentstack."""
    connection = Connection(
        settings=ConnectionSettings.resolve(ConnectionOverrides()), credentials=MissingCredentials(error.message)
    )
    defaults = LookupOptions(cache_ttl=DEFAULT_CACHE_TTL, deadline=DEFAULT_DEADLINE)
    return Setup(ServerSettings(sandbox=args.sandbox), connection, defaults, problem=error.message)


def describe(setup: Setup) -> str:
    """What answers the tools, for the start-up line (and what the operator turned on): never a token."""
    return _answering(setup) + _modes(setup)


def _modes(setup: Setup) -> str:
    """The choices that change what a client can do, when they differ from the defaults."""
    if setup.problem is not None:
        return ""
    modes = []
    if set(setup.settings.toolsets) != set(TOOLSET_NAMES):
        modes.append(f"toolsets {', '.join(setup.settings.toolsets)}")
    if setup.writes.enabled:
        modes.append(f"writes {setup.writes.mode} (--confirm {setup.writes.confirm})")
    return f"; {'; '.join(modes)}" if modes else ""


def _answering(setup: Setup) -> str:
    if setup.problem is not None:
        return f"NOT USABLE until the configuration is fixed — every tool answers: {setup.problem}"
    if setup.settings.sandbox:
        return SANDBOX_SUMMARY
    facts = setup.connection.credentials.facts()
    if not facts.connected:
        return f"no usable account — every tool answers: {facts.problem}"
    uid = facts.organization_uid
    named = f"{facts.organization_name} ({uid})" if facts.organization_name and uid else facts.organization_name or uid
    region = facts.region or setup.connection.settings.region
    return f"account '{facts.account}', organisation {named or 'unknown'}, region {region}"


def run_serve(args: argparse.Namespace, *, http_only_flags: Sequence[str] = ()) -> int:
    """Serve until the client goes away (stdio) or a signal arrives (HTTP).

    `http_only_flags`: the `--transport http` flags that were given, which stdio cannot use; they
    are named on stderr rather than silently ignored.
    """
    configure_logging()
    if args.transport == "http":
        from personalize_mcp.transport.http_options import HTTPOptions

        # Checked first: an unsafe or inconsistent HTTP set-up, or a taken port, is refused before
        # anything else happens.
        from personalize_mcp.transport.shared_state import SharedState
        from personalize_mcp.transport.uvicorn_server import listen

        options = HTTPOptions.from_args(args)
        refuse_http_writes(args, write_settings(args))
        home = ServerSettings.from_env(os.environ, account=args.account, sandbox=args.sandbox).home
        state = SharedState.from_args(args, os.environ, home, broker=options.broker is not None)
        sock = listen(options)
        with sock:
            if options.broker is not None:
                from personalize_mcp.transport.broker_serving import serve_broker

                settings = ServerSettings.from_env(os.environ, toolsets=args.toolsets)  # never a stored account
                lookup = LookupOptions.from_args(args)
                anyio.run(serve_broker, options, state, sock, lookup, settings, write_settings(args))
            else:
                anyio.run(_serve_http, options, sock, resolve_setup(args), state)
        return 0
    if http_only_flags:
        print(
            f"personalize-mcp: {', '.join(http_only_flags)} only apply with --transport http; "
            "serving MCP over stdio without them.",
            file=sys.stderr,
            flush=True,
        )
    try:
        setup = resolve_setup(args)
    except UserFacingError as error:
        setup = unusable_setup(args, error)
    print(f"personalize-mcp {__version__} serving MCP over stdio: {describe(setup)}", file=sys.stderr, flush=True)
    anyio.run(_serve, setup)
    return 0


async def _serve(setup: Setup) -> None:
    async with (
        setup.lookup_options.open(
            setup.connection, default_project_uid=setup.settings.default_project_uid, write_mode=setup.writes.mode
        ) as lookups,
        open_write_service(lookups, setup.writes, setup.settings.home, setup.store_url) as writes,
    ):
        server = build_server(lookups, toolsets=setup.settings.toolsets, write_service=writes)
        settle_after_start_up(collect=False)  # the client launching us is waiting for its first answers
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


async def _serve_http(options: HTTPOptions, sock: socket.socket, setup: Setup, state: SharedState) -> None:
    """One set of lookups (HTTP pool, lookup cache) shared by every HTTP session, closed on shutdown."""
    import httpx2

    from personalize_mcp.transport.http_app import create_http_app
    from personalize_mcp.transport.issuer_keys import FETCH_TIMEOUT_SECONDS
    from personalize_mcp.transport.jwt_verifier import JWTTokenVerifier
    from personalize_mcp.transport.shared_state import open_limiter
    from personalize_mcp.transport.uvicorn_server import serve_http

    async with (
        open_limiter(state) as limiter,
        setup.lookup_options.open(
            setup.connection,
            default_project_uid=setup.settings.default_project_uid,
            write_mode=setup.writes.mode,
            limiter=limiter,
        ) as lookups,
        open_write_service(lookups, setup.writes, setup.settings.home, setup.store_url) as writes,
        httpx2.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as issuer_http,
    ):
        verifier = JWTTokenVerifier(options.oauth, issuer_http) if options.oauth else None
        server = build_server(
            lookups,
            auth=options.oauth.auth_settings() if options.oauth else None,
            token_verifier=verifier,
            toolsets=setup.settings.toolsets,
            write_service=writes,
        )
        if verifier is not None:
            await verifier.warm_up()
        settle_after_start_up()
        await serve_http(create_http_app(server, options), options, sock, answers=describe(setup))
