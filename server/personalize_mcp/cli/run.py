"""`personalize-mcp [serve|demo|login|accounts|logout|approve]`: parse, then run the chosen subcommand.

Each subcommand lives in its own module, imported when chosen so that starting the stdio server
does not pay for the login machinery (and the other way round).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from personalize_mcp.cli.broker_arguments import add_broker_arguments
from personalize_mcp.cli.http_arguments import add_http_arguments
from personalize_mcp.cli.parser import add_serve_arguments, build_parser
from personalize_mcp.runtime.collector import pause_during_start_up
from personalize_mcp.runtime.errors import UserFacingError

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
    add_broker_arguments(probe)
    defaults = vars(probe.parse_args([]))
    return [f"--{dest.replace('_', '-')}" for dest, default in defaults.items() if getattr(args, dest) != default]


def _dispatch(command: str, args: argparse.Namespace) -> int:
    if command == "serve":
        pause_during_start_up()  # the collector is tuned and back on once the server has started
        from personalize_mcp.transport.serve import run_serve

        return run_serve(args, http_only_flags=http_only_flags(args) if args.transport == "stdio" else ())
    if command == "demo":
        from personalize_mcp.demo import run_demo

        return run_demo(args)
    if command == "approve":
        from personalize_mcp.cli.approve import run_approve

        return run_approve(args)
    from personalize_mcp.auth import commands

    if command == "login":
        return commands.run_login(args)
    if command == "accounts":
        return commands.run_accounts(args)
    if command == "logout":
        return commands.run_logout(args)
    raise AssertionError(f"unhandled command {command}")
