"""The tools, one module per subject, registered from one table (`TOOLSETS`).

Each module's `register(server, lookups)` defines its subject's tools as thin functions: take the
arguments, call one answer, return its result model as MCP content. Adding a tool touches its
answer module, its module here (and this table for a new subject), the sandbox and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server import MCPServer

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.mcp_server.tools import (
    audiences,
    catalogue,
    connection,
    experiences,
    insights,
    projects,
    results,
    simulation,
    stacks,
    variants,
)

Register = Callable[[MCPServer[Any], Lookups], None]

TOOLSETS: tuple[Register, ...] = (
    projects.register,
    audiences.register,
    experiences.register,
    variants.register,
    stacks.register,
    catalogue.register,
    connection.register,
    results.register,
    simulation.register,
    insights.register,
)


def register_tools(server: MCPServer[Any], lookups: Lookups) -> None:
    for register in TOOLSETS:
        register(server, lookups)
