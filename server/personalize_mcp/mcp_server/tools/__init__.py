"""The tools, one module per subject, registered from one table of named toolsets (`TOOLSETS`).

Each module's `register(server, lookups)` defines its subject's tools as thin functions: take the
arguments, call one answer, return its result model as MCP content. Adding a tool touches its
answer module, its module here (and this table for a new subject), the sandbox and the tests.

A person picks toolsets with `serve --toolsets` (`PERSONALIZE_MCP_TOOLSETS`); only the chosen ones
are registered, so a tool outside them is neither listed nor callable -- it is unknown, as any name
the server never had. A toolset marked `with_writes` is never chosen by name: it comes with
`serve --writes` alone, so the write tools are one more row here, not a new mechanism.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
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
    writes,
)

Register = Callable[[MCPServer[Any], Lookups], None]


@dataclass(frozen=True, slots=True)
class Toolset:
    name: str
    registers: tuple[Register, ...]
    with_writes: bool = False
    """Listed only when writes are on (`serve --writes`), never by `--toolsets`."""


TOOLSETS: tuple[Toolset, ...] = (
    Toolset(
        "core",  # the connector's six actions, the lookups that find their ids, get_connection
        (
            projects.register,
            audiences.register,
            experiences.register,
            variants.register,
            stacks.register,
            connection.register,
        ),
    ),
    Toolset("catalogue", (catalogue.register,)),  # attributes, events, priority, locations
    Toolset("results", (results.register,)),
    Toolset("simulation", (simulation.register,)),
    Toolset("insights", (insights.register,)),  # find_usage, compare_versions, audit_project, search
    Toolset("writes", (writes.register,), with_writes=True),  # plan_change, apply_change, undo_change, list_changes
)

TOOLSET_NAMES: tuple[str, ...] = tuple(toolset.name for toolset in TOOLSETS if not toolset.with_writes)
"""What `--toolsets` may name, in table order (also `config.toolsets.TOOLSET_NAMES`, checked by a test)."""


def chosen_toolsets(names: Collection[str] = TOOLSET_NAMES, *, writes: bool = False) -> tuple[Toolset, ...]:
    """The toolsets `names` picks, in table order, and the write toolsets when writes are on."""
    unknown = set(names) - set(TOOLSET_NAMES)
    if unknown:  # settings check the names first (one sentence); this is a caller's mistake
        raise ValueError(f"unknown toolsets {sorted(unknown)}; the toolsets are {', '.join(TOOLSET_NAMES)}")
    return tuple(t for t in TOOLSETS if (writes if t.with_writes else t.name in names))


def register_tools(server: MCPServer[Any], lookups: Lookups, toolsets: Collection[Toolset]) -> None:
    for toolset in toolsets:
        for register in toolset.registers:
            register(server, lookups)
