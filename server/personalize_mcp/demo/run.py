"""The `demo` command: start the sandbox server, run the sections in order, say how it ended.

A section is one module's `show_*(demo)`; `SECTIONS` is their order, so a new one (say, writes) is its own module
and one line here.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import anyio
from mcp import Client

from personalize_mcp.demo.calls import DemoError, server_parameters
from personalize_mcp.demo.catalogue import show_catalogue
from personalize_mcp.demo.cms import show_cms
from personalize_mcp.demo.context import Demo, Section
from personalize_mcp.demo.insights import show_insights
from personalize_mcp.demo.personalize import show_audiences, show_experiences, show_projects, show_tools
from personalize_mcp.demo.printer import Printer
from personalize_mcp.demo.results import show_experiment_results
from personalize_mcp.demo.simulation import show_simulation
from personalize_mcp.demo.writes import show_writes
from personalize_mcp.runtime.logs import configure_logging

SECTIONS: tuple[Section, ...] = (
    show_tools,
    show_projects,
    show_audiences,
    show_experiences,
    show_catalogue,
    show_experiment_results,
    show_simulation,
    show_insights,
    show_cms,
    show_writes,
)
"""The demo's sections in the order they run; earlier ones choose what later ones show (`Demo`)."""


def run_demo(args: argparse.Namespace) -> int:
    configure_logging()
    try:
        anyio.run(demo_to, args.mode, sys.stdout)
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    return 0


async def demo_to(mode: str, out: TextIO) -> None:
    """The whole demo, written to `out`, through a client of the protocol era `mode` (`auto` or `legacy`)."""
    out.write("contentstack-personalize-mcp demo: a real MCP client talking to `personalize-mcp serve --sandbox`\n")
    async with Client(server_parameters(), mode=mode) as client:
        demo = Demo(Printer(out), client, mode)
        for section in SECTIONS:
            await section(demo)
    out.write("\nDemo finished: every action answered through the MCP client.\n")
