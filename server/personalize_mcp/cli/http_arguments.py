"""Flags of `serve --transport http` (README: "Serving over HTTP", "Deploying")."""

from __future__ import annotations

import argparse


def add_http_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `--transport http` group to `parser`."""
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
