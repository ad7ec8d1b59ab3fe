"""Flags of each person as themselves (`--auth broker`) and of the shared state (README: "Deploying")."""

from __future__ import annotations

import argparse


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    """`--auth`, `--public-url`, `--organization-uid` (HTTP only)."""
    broker = parser.add_argument_group("Each person as themselves (--transport http only)")
    broker.add_argument(
        "--auth",
        choices=["none", "resource", "broker"],
        default=None,
        help="broker: this server is the MCP authorization server and every person signs in to Contentstack as "
        "themselves; resource: accept JWTs from --oauth-issuer, answering with the stored account; none: no "
        "authentication, loopback only (default: resource with --oauth-issuer, else none)",
    )
    broker.add_argument(
        "--public-url",
        metavar="URL",
        help="with --auth broker: the https origin people reach the server at (its /mcp, /oauth/callback), "
        "e.g. https://mcp.example.com (default: none)",
    )
    broker.add_argument(
        "--organization-uid",
        metavar="UID",
        help="with --auth broker: only members of this Contentstack organisation are let in (default: none)",
    )


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """`--store` and `--rate-limiter`: where state shared by processes lives, and whose rate limit counts."""
    state = parser.add_argument_group("Shared state")
    state.add_argument(
        "--store",
        metavar="URL",
        help="where per-person logins, issued tokens and plans live: sqlite:///PATH, or redis://HOST[:PORT][/DB] "
        "(rediss:// for TLS) for several replicas, which then share the rate limit and token renewal "
        "(default: sqlite:///PERSONALIZE_MCP_HOME/state.sqlite3)",
    )
    state.add_argument(
        "--rate-limiter",
        choices=["process", "shared"],
        default=None,
        help="process: this process keeps Contentstack's 10 requests/s per organisation on its own; shared: every "
        "replica on the same --store redis:// shares one budget (default: shared with a Redis store, else process)",
    )
