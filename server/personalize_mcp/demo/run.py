"""The `demo` command: start the sandbox server, run the sections in order, say how it ended."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import anyio
from mcp import Client

from personalize_mcp.demo.calls import DemoError, server_parameters
from personalize_mcp.demo.catalogue import show_catalogue
from personalize_mcp.demo.cms import show_cms
from personalize_mcp.demo.insights import show_insights
from personalize_mcp.demo.personalize import show_audiences, show_experiences, show_projects, show_tools
from personalize_mcp.demo.printer import Printer
from personalize_mcp.demo.results import show_experiment_results
from personalize_mcp.demo.simulation import show_simulation
from personalize_mcp.demo.writes import show_writes
from personalize_mcp.runtime.logs import configure_logging


def run_demo(args: argparse.Namespace) -> int:
    configure_logging()
    try:
        anyio.run(_demo, args.mode, sys.stdout)
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    return 0


async def _demo(mode: str, out: TextIO) -> None:
    p = Printer(out)
    out.write("contentstack-personalize-mcp demo: a real MCP client talking to `personalize-mcp serve --sandbox`\n")
    async with Client(server_parameters(), mode=mode) as client:
        await show_tools(p, client)
        project = await show_projects(p, client)
        await show_audiences(p, client, project)
        experiences, experience = await show_experiences(p, client, project)
        await show_catalogue(p, client, project["uid"])
        await show_experiment_results(p, client, project["uid"], experiences)
        await show_simulation(p, client, project["uid"])
        await show_insights(p, client, project["uid"], experience["uid"])
        await show_cms(p, client, project, experience)
    await show_writes(p, mode, project["uid"])
    out.write("\nDemo finished: every action answered through the MCP client.\n")
