"""Command line: `personalize-mcp [serve|demo|login|accounts|logout]`.

Parsing only; each subcommand lives in its own module, imported when chosen so that starting
the stdio server does not pay for the login machinery (and the other way round).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from personalize_mcp import __version__
from personalize_mcp.runtime.errors import UserFacingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="personalize-mcp",
        description="MCP server for Contentstack Personalize: projects, audiences, experiences, versions "
        "and the audiences of CMS variants. Without a subcommand it serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve MCP over stdio (default) or Streamable HTTP")
    add_serve_arguments(serve)

    demo = sub.add_parser("demo", help="drive the server through a real MCP client against the built-in sandbox")
    demo.add_argument(
        "--mode",
        choices=["auto", "legacy"],
        default="auto",
        help="protocol era of the demo's client: auto (the newest both sides speak, 2026-07-28: no session) "
        "or legacy (the 2025-11-25 initialize handshake, as most clients still use) (default auto)",
    )

    login = sub.add_parser("login", help="log in with OAuth (authorization code + PKCE) and store the account")
    login.add_argument("--account", default=None, help="name to store the account under (default: 'default')")
    login.add_argument(
        "--region",
        default=None,
        help="Contentstack region: na, eu, au, azure-na, azure-eu, gcp-na, gcp-eu (default: CONTENTSTACK_REGION, "
        "else the region the login redirect names, else na)",
    )
    login.add_argument(
        "--no-browser", action="store_true", help="print the authorize URL without opening a browser (default: open it)"
    )
    login.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser's redirect (default 300)",
    )

    accounts = sub.add_parser("accounts", help="list stored accounts (never their tokens)")
    accounts.add_argument(
        "--default",
        dest="make_default",
        metavar="NAME",
        help="make NAME the default account (default: only list them)",
    )

    logout = sub.add_parser("logout", help="forget a stored account's tokens")
    logout.add_argument("--account", default=None, help="account to forget (default: the default account)")
    return parser


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio: the MCP client starts this command and talks over its stdin/stdout; http: serve "
        "Streamable HTTP at http://HOST:PORT/mcp for clients that connect to a URL (default stdio)",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="answer from the built-in sandbox's sample data instead of your Contentstack account (default off)",
    )
    parser.add_argument(
        "--account",
        default=None,
        help="stored account to use (default: PERSONALIZE_MCP_ACCOUNT, else the default account)",
    )
    parser.add_argument(
        "--region",
        default=None,
        help="override the account's region: na, eu, au, azure-na, azure-eu, gcp-na, gcp-eu "
        "(default: CONTENTSTACK_REGION, else the region stored at login)",
    )
    parser.add_argument(
        "--toolsets", metavar="A,B", help="offer only: core, catalogue, results, simulation, insights (default: all)"
    )
    add_resilience_arguments(parser)
    add_http_arguments(parser)


def add_resilience_arguments(parser: argparse.ArgumentParser) -> None:
    """Lookup cache, per-call deadline, upstream answer size (README: "Resilience")."""
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-ttl",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="reuse lookup lists (projects, audiences, experiences, stacks, variant groups) this long (default 30)",
    )
    cache.add_argument(
        "--no-cache",
        action="store_true",
        help="never reuse lookups: the same as --cache-ttl 0; identical concurrent lookups still share one request "
        "(default off)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="longest a tool call, resource read or prompt may take, retries and waits included; then it answers "
        "with one sentence (default 30)",
    )
    parser.add_argument(
        "--max-upstream-bytes",
        type=int,
        default=16 * 1024 * 1024,
        metavar="BYTES",
        help="most bytes one Contentstack answer may have once decompressed; a larger one is abandoned with one "
        "sentence (default 16777216)",
    )


def add_http_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `serve --transport http` (README: "Serving over HTTP", "Deploying")."""
    http = parser.add_argument_group("Streamable HTTP (--transport http only)")
    http.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    http.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    http.add_argument(
        "--allowed-host",
        action="append",
        metavar="HOST",
        help="also accept this Host header, e.g. the public name behind a proxy (name, name:port or name:*); "
        "repeatable (default: only loopback names and the bind address)",
    )
    http.add_argument(
        "--allowed-origin",
        action="append",
        metavar="ORIGIN",
        help="also accept browser requests from this Origin (scheme://host[:port]) and answer them with CORS "
        "headers, so web clients on it can connect; repeatable; any other Origin gets 403 "
        "(default: only loopback origins, without CORS)",
    )
    http.add_argument(
        "--stateless",
        action="store_true",
        help="no sessions for 2025-era clients either, so replicas behind a load balancer need no sticky "
        "sessions (2026-07-28 clients are always stateless) (default off)",
    )
    http.add_argument(
        "--max-body-bytes",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="larger request bodies get 413 (default 1048576)",
    )
    http.add_argument(
        "--request-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="stop any MCP request running longer than this (default 120)",
    )
    http.add_argument(
        "--max-sessions",
        type=int,
        default=1000,
        metavar="N",
        help="2025-era sessions held in all; one more ends the idlest (default 1000)",
    )
    http.add_argument(
        "--max-sessions-per-client",
        type=int,
        default=32,
        metavar="N",
        help="sessions one client holds (its token subject, else its address); one more ends its idlest (default 32)",
    )
    http.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a connection's request headers must arrive within this, else it is closed (default 10)",
    )
    http.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a request's body must arrive within this after its headers, else it is closed (default 30)",
    )
    http.add_argument(
        "--max-connections",
        type=int,
        default=512,
        metavar="N",
        help="open connections; one more closes the one waiting longest for a request, or gets 503 (default 512)",
    )
    http.add_argument(
        "--oauth-issuer",
        metavar="URL",
        help="require OAuth access tokens (JWTs) from this authorization server (Keycloak, Auth0, Entra, Okta, ...); "
        "its keys are found through its metadata (default: none, no authentication: loopback only)",
    )
    http.add_argument(
        "--oauth-jwks-url",
        metavar="URL",
        help="the issuer's JWKS URL, when its metadata cannot be discovered (default: from the issuer's metadata)",
    )
    http.add_argument(
        "--resource-url",
        metavar="URL",
        help="this server's /mcp URL as clients reach it, e.g. https://mcp.example.com/mcp: the OAuth resource "
        "and default audience (default on loopback: http://HOST:PORT/mcp)",
    )
    http.add_argument(
        "--oauth-audience",
        action="append",
        metavar="AUD",
        help="accept tokens whose aud is this instead of the resource URL (e.g. an Auth0 API identifier); "
        "repeatable (default: the resource URL)",
    )
    http.add_argument(
        "--required-scope",
        action="append",
        metavar="SCOPE",
        help="tokens must carry this scope, else 403 insufficient_scope; repeatable (default: none)",
    )
    http.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="allow a non-loopback --host without authentication: only when something in front authenticates, "
        "or the port is published on loopback only, e.g. in a container (default off)",
    )


_TOP_LEVEL_OPTIONS = frozenset({"-h", "--help", "--version"})


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0].startswith("-") and words[0] not in _TOP_LEVEL_OPTIONS:
        words.insert(0, "serve")  # `personalize-mcp --sandbox` is `personalize-mcp serve --sandbox`
    args = build_parser().parse_args(words)
    command = args.command or "serve"
    if args.command is None:
        # Bare `personalize-mcp` is `serve` with its defaults.
        add_serve_arguments(defaults := argparse.ArgumentParser())
        args = defaults.parse_args([])
    try:
        return _dispatch(command, args)
    except UserFacingError as error:
        print(f"personalize-mcp: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def http_only_flags(args: argparse.Namespace) -> list[str]:
    """The `--transport http` flags `args` sets to something other than their default."""
    probe = argparse.ArgumentParser(add_help=False)
    add_http_arguments(probe)
    defaults = vars(probe.parse_args([]))
    return [f"--{dest.replace('_', '-')}" for dest, default in defaults.items() if getattr(args, dest) != default]


def _dispatch(command: str, args: argparse.Namespace) -> int:
    if command == "serve":
        from personalize_mcp.transport.serve import run_serve

        return run_serve(args, http_only_flags=http_only_flags(args) if args.transport == "stdio" else ())
    if command == "demo":
        from personalize_mcp.demo import run_demo

        return run_demo(args)
    from personalize_mcp.auth import commands

    if command == "login":
        return commands.run_login(args)
    if command == "accounts":
        return commands.run_accounts(args)
    if command == "logout":
        return commands.run_logout(args)
    raise AssertionError(f"unhandled command {command}")


if __name__ == "__main__":
    raise SystemExit(main())
