"""The command line's grammar: every subcommand and its flags; `serve`'s flag groups live one module each."""

from __future__ import annotations

import argparse

from personalize_mcp import __version__
from personalize_mcp.cli.broker_arguments import add_broker_arguments, add_store_arguments
from personalize_mcp.cli.http_arguments import add_http_arguments
from personalize_mcp.cli.resilience_arguments import add_resilience_arguments
from personalize_mcp.cli.toolset_arguments import add_toolset_arguments
from personalize_mcp.cli.writes_arguments import add_writes_arguments


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
        "--writes",
        action="store_true",
        help="also ask Contentstack for personalize:manage, which `serve --writes` needs (default: read scopes only)",
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

    approve = sub.add_parser("approve", help="approve one destructive plan from a terminal (writes)")
    approve.add_argument("plan_id", metavar="PLAN_ID", help="the plan_id plan_change or undo_change answered")
    approve.add_argument("--yes", action="store_true", help="approve without asking (default: show the plan, ask)")

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
    add_toolset_arguments(parser)
    add_resilience_arguments(parser)
    add_writes_arguments(parser)
    add_http_arguments(parser)
    add_broker_arguments(parser)
    add_store_arguments(parser)
